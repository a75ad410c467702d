/**
 * A customer's preferences: what they chose to hear from us. Stored as JSON text on the
 * customer's row (customers.preferences); every change goes through mergePreferences
 * (the store's changePreferences), in the same transaction as its preference_changed event.
 *
 * Shape (all optional; `{}` is a customer who chose nothing, and hears everything):
 *   topics       name → false (opted out of that topic) or true (chose it explicitly);
 *   frequency    { max, per: day|week|month }: at most that many non-transactional emails,
 *                on top of the brand's cap (both hold, so it can only make mail rarer);
 *                null or absent: the brand's cap alone;
 *   stayInTouch  keep hearing news about a product category after disposing of the product;
 *   all          false: "stop everything" (no non-transactional mail at all);
 *   changed      when and how each choice was last made ("all", "frequency", "stayInTouch",
 *                "topics.<name>" → { at, source }): delivery names it when it holds mail back.
 * Conditions and templates see preferenceView(), with defaults filled in.
 * Pure: no I/O, the time comes in.
 */
import { z } from "zod";
import type { FrequencyCap } from "../flows/send-policy.js";
import { isTimeZone } from "../flows/time.js";
import { TOPIC_PATTERN, TOPIC_RULE } from "../flows/topics.js";

/** The event every change is recorded as (flows can start on it or wait_for it). */
export const PREFERENCE_CHANGED_EVENT = "preference_changed";

/** Where a change came from, for the timeline and flows (`event.properties.source`). */
export const PREFERENCE_SOURCES = ["one_click", "preference_page", "reply", "mailto"] as const;
export type PreferenceSource = (typeof PREFERENCE_SOURCES)[number];

export const FREQUENCY_PERIODS = ["day", "week", "month"] as const;
export type FrequencyPeriod = (typeof FREQUENCY_PERIODS)[number];

const DAY = 24 * 3600_000;
/** A month is 30 days: the limit is a promise of "no more than", so the shorter reading is the safe one. */
const PERIOD_MS: Readonly<Record<FrequencyPeriod, number>> = { day: DAY, week: 7 * DAY, month: 30 * DAY };

const topicName = z.string().regex(new RegExp(TOPIC_PATTERN), `expected a topic name of ${TOPIC_RULE}`);

export const frequencySchema = z.strictObject({
  max: z.number().int("a whole number of emails").min(1, "at least 1 email").max(100),
  per: z.enum(FREQUENCY_PERIODS, { error: `expected one of ${FREQUENCY_PERIODS.join(", ")}` }),
});
export type Frequency = z.infer<typeof frequencySchema>;

const changedSchema = z.strictObject({
  at: z.number().int().nonnegative(),
  source: z.enum(PREFERENCE_SOURCES),
});

/**
 * The stored shape. Loose: a key written by a later version survives a change made by
 * this one (it is kept as is, not dropped).
 */
export const preferencesSchema = z.looseObject({
  topics: z.record(topicName, z.boolean()).optional(),
  frequency: frequencySchema.nullable().optional(),
  stayInTouch: z.boolean().optional(),
  all: z.literal(false).optional(),
  changed: z.record(z.string(), changedSchema).optional(),
});
export type Preferences = z.infer<typeof preferencesSchema>;

/**
 * One change as the one-click endpoint, the preference page or the inbound job asks it.
 * `all: true` undoes "stop everything" (the customer subscribed again); a topic set to
 * true or false records that choice; frequency null goes back to the brand's cap.
 */
export const preferenceChangeSchema = z.strictObject({
  topics: z.record(topicName, z.boolean()).optional(),
  frequency: frequencySchema.nullable().optional(),
  stayInTouch: z.boolean().optional(),
  all: z.boolean().optional(),
});
export type PreferenceChange = z.infer<typeof preferenceChangeSchema>;

/**
 * The customer's own facts the preference page changes beside their choices, kept on the
 * customer's row (date flows read them): null clears one. A birthday as events give it,
 * "YYYY-MM-DD" or "MM-DD" without the year.
 */
export const profileChangeSchema = z.strictObject({
  birthday: z
    .string()
    .regex(/^(\d{4}-)?(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, 'expected a date as "YYYY-MM-DD" or "MM-DD"')
    .nullable()
    .optional(),
  timezone: z
    .string()
    .max(64)
    .refine(isTimeZone, "expected an IANA time zone such as Europe/Berlin")
    .nullable()
    .optional(),
});
export type ProfileChange = z.infer<typeof profileChangeSchema>;
export const PROFILE_FIELDS = ["birthday", "timezone"] as const;

export class PreferencesError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PreferencesError";
  }
}

function problemsOf(error: z.ZodError): string {
  return error.issues
    .map((i) => `${i.path.map(String).join(".") || "(preferences)"}: ${i.message}`)
    .join("; ");
}

/** The stored JSON text read back; a row that does not hold the shape is a bug, and says so. */
export function parseStoredPreferences(text: string, customerId: string): Preferences {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new PreferencesError(
      `customer ${customerId}: stored preferences are not JSON: ${text.slice(0, 100)}`,
    );
  }
  const parsed = preferencesSchema.safeParse(data);
  if (!parsed.success) {
    throw new PreferencesError(
      `customer ${customerId}: stored preferences are not valid: ${problemsOf(parsed.error)}`,
    );
  }
  return parsed.data;
}

/** A change checked before it is applied; the error names each field and what was expected. */
export function parsePreferenceChange(input: unknown): PreferenceChange {
  const parsed = preferenceChangeSchema.safeParse(input);
  if (!parsed.success) throw new PreferencesError(`not a preference change: ${problemsOf(parsed.error)}`);
  return parsed.data;
}

/** A profile change checked before it is applied; the error names each field. */
export function parseProfileChange(input: unknown): ProfileChange {
  const parsed = profileChangeSchema.safeParse(input);
  if (!parsed.success) throw new PreferencesError(`not a profile change: ${problemsOf(parsed.error)}`);
  return parsed.data;
}

export interface MergedPreferences {
  preferences: Preferences;
  /** The choices that differ from before ("all", "frequency", "stayInTouch", "topics.<name>"), sorted. */
  changed: string[];
}

const sameFrequency = (a: Frequency | null | undefined, b: Frequency | null | undefined) =>
  (a ?? null) === null ? (b ?? null) === null : b != null && a?.max === b.max && a.per === b.per;

/**
 * `current` with `change` applied. A choice already as asked is left alone (its `changed`
 * entry keeps its first time), so repeating a change (a second one-click POST) changes nothing.
 */
export function mergePreferences(
  current: Preferences,
  change: PreferenceChange,
  source: PreferenceSource,
  now: number,
): MergedPreferences {
  const next: Preferences = { ...current };
  const changed: string[] = [];
  const mark = (key: string) => changed.push(key);

  if (change.all === false && current.all !== false) {
    next.all = false;
    mark("all");
  } else if (change.all === true && current.all === false) {
    delete next.all;
    mark("all");
  }
  if (change.topics) {
    const topics = { ...(current.topics ?? {}) };
    for (const [name, on] of Object.entries(change.topics)) {
      if (topics[name] === on) continue;
      topics[name] = on;
      mark(`topics.${name}`);
    }
    if (Object.keys(topics).length > 0) next.topics = topics;
  }
  if (change.frequency !== undefined && !sameFrequency(current.frequency, change.frequency)) {
    if (change.frequency === null) delete next.frequency;
    else next.frequency = { ...change.frequency };
    mark("frequency");
  }
  if (change.stayInTouch !== undefined && (current.stayInTouch ?? false) !== change.stayInTouch) {
    next.stayInTouch = change.stayInTouch;
    mark("stayInTouch");
  }
  if (changed.length > 0) {
    next.changed = { ...(current.changed ?? {}) };
    for (const key of changed) next.changed[key] = { at: now, source };
  }
  changed.sort();
  return { preferences: next, changed };
}

/** What conditions (`customer.preferences.*`) and templates see: every field present. */
export interface PreferenceView {
  /** Only the topics the customer chose something for; a topic missing here is on. */
  topics: Record<string, boolean>;
  frequency: Frequency | null;
  stayInTouch: boolean;
  /** false: "stop everything"; true otherwise. */
  all: boolean;
}

export function preferenceView(p: Preferences): PreferenceView {
  return {
    topics: { ...(p.topics ?? {}) },
    frequency: p.frequency ? { ...p.frequency } : null,
    stayInTouch: p.stayInTouch ?? false,
    all: p.all !== false,
  };
}

/** The customer's own limit as a cap the send policy applies beside the brand's. */
export function frequencyCap(f: Frequency): FrequencyCap {
  return { max: f.max, perMs: PERIOD_MS[f.per] };
}

/** "one email a week", "3 emails a month". */
export function describeFrequency(f: Frequency): string {
  const count = f.max === 1 ? "one email" : `${f.max} emails`;
  return `${count} a ${f.per}`;
}

/** How the timeline words a source: "(preference page)". */
export const SOURCE_WORDS: Readonly<Record<PreferenceSource, string>> = {
  one_click: "one-click unsubscribe",
  preference_page: "preference page",
  reply: "reply",
  mailto: "unsubscribe email",
};

/**
 * The properties of a preference_changed event: flat scalars (event properties are), so
 * flows can test them (`event.properties.all: false`, `event.properties.source: one_click`).
 * `changed` lists what changed; each changed choice is there with its new value
 * (`topic_product_news: false`, `frequency_max: 1` and `frequency_per: week`, or both null).
 * `profile` holds the birthday and time zone changed with them (only those that differ):
 * named in `changed` too, with their new value (`birthday: "1990-12-10"`, null when cleared).
 */
export function changeProperties(
  merged: MergedPreferences,
  source: PreferenceSource,
  profile: ProfileChange = {},
): Record<string, string | number | boolean | null> {
  const p = merged.preferences;
  const profileKeys = PROFILE_FIELDS.filter((k) => profile[k] !== undefined);
  const out: Record<string, string | number | boolean | null> = {
    source,
    changed: [...merged.changed, ...profileKeys].sort().join(", "),
  };
  for (const key of profileKeys) out[key] = profile[key] ?? null;
  for (const key of merged.changed) {
    if (key === "all") out.all = p.all !== false;
    else if (key === "stayInTouch") out.stay_in_touch = p.stayInTouch ?? false;
    else if (key === "frequency") {
      out.frequency_max = p.frequency?.max ?? null;
      out.frequency_per = p.frequency?.per ?? null;
    } else if (key.startsWith("topics.")) {
      const name = key.slice("topics.".length);
      out[`topic_${name}`] = p.topics?.[name] ?? true;
    }
  }
  return out;
}
