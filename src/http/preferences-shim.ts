// TEMPORARY: the shapes of src/consent/preferences.ts and src/flows/topics.ts (branch
// consent-core) until it lands on main; then every import of this file moves there.
export const FREQUENCY_PERIODS = ["day", "week", "month"] as const;
export type FrequencyPeriod = (typeof FREQUENCY_PERIODS)[number];
export interface Frequency {
  max: number;
  per: FrequencyPeriod;
}
export interface Preferences {
  topics?: Record<string, boolean>;
  frequency?: Frequency | null;
  stayInTouch?: boolean;
  all?: false;
}
export interface PreferenceChange {
  topics?: Record<string, boolean>;
  frequency?: Frequency | null;
  stayInTouch?: boolean;
  all?: boolean;
}
export type PreferenceSource = "one_click" | "preference_page" | "reply" | "mailto";
const DAY = 24 * 3600_000;
const PERIOD_MS: Readonly<Record<FrequencyPeriod, number>> = { day: DAY, week: 7 * DAY, month: 30 * DAY };
export function frequencyCap(f: Frequency): { max: number; perMs: number } {
  return { max: f.max, perMs: PERIOD_MS[f.per] };
}
export interface Topic {
  title: string;
  description?: string | undefined;
}
