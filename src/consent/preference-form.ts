/**
 * The preference page's form: what it offers, what it shows as chosen, and what a
 * submitted form asks to change. Pure (the time comes in); src/http/preferences-route.ts
 * does the I/O and src/http/preference-view.ts the HTML.
 *
 * Contract:
 *   frequencyOptions(brandCap, current)     the "how often" choices: the brand's own pace,
 *                                           then only limits tighter than its cap (and the
 *                                           customer's current one, whatever it is)
 *   currentChoices(subject, topics)         the form as the customer's data fills it
 *   readForm(fields, subject, ctx)          a submitted form → the change to make (only what
 *                                           differs from now) or the problems, each naming
 *                                           its field, with the form as submitted to show again
 *
 * Fields (application/x-www-form-urlencoded or multipart; each may come once, `topic` many times):
 *   action          save (the choices form) | stop (stop all emails) | resume (start again)
 *   topics_shown    the topic names the form showed, space-separated: only these are decided,
 *                   so a topic added to config/rapport.yaml after the page was opened is not
 *                   read as unticked
 *   topic           each ticked topic's name
 *   frequency       an option's value: "brand", or "<max>/<day|week|month>"
 *   stay_in_touch   "yes" when ticked
 *   birthday_month, birthday_day   1-12 and 1-31, both or neither ("" = no birthday)
 *   birthday_year   optional, 4 digits
 *   timezone        an IANA zone from the list, or "" (the brand's default)
 *
 * Birthday as month, day and an optional year rather than one date input: the birthday
 * flows need only the day, a year is the customer's to keep, and rapport stores
 * birthdays without a year ("MM-DD") which a date input cannot show.
 */
import type { FrequencyCap } from "../flows/send-policy.js";
import type { Topic } from "../flows/topics.js";
import { MONTHS } from "../infra/calendar.js";
import {
  type Frequency,
  type FrequencyPeriod,
  frequencyCap,
  type PreferenceChange,
  type Preferences,
  type ProfileChange,
} from "./preferences.js";

/** The brand's pace: no limit of the customer's own (their preferences' frequency is null). */
export const BRAND_FREQUENCY = "brand";

export interface FrequencyOption {
  value: string;
  label: string;
}

export interface BirthdayFields {
  month: string;
  day: string;
  year: string;
}

/** The form's fields as shown: filled from the store, or as submitted when they had problems. */
export interface FormChoices {
  /** Every topic the form shows → ticked. */
  topics: Record<string, boolean>;
  frequency: string;
  stayInTouch: boolean;
  birthday: BirthdayFields;
  /** "" is the brand's default zone. */
  timezone: string;
}

/** What the form is filled from: the customer as stored. */
export interface FormSubject {
  preferences: Preferences;
  birthday: string | null;
  timezone: string | null;
}

export type FormField = "action" | "topics" | "frequency" | "stay_in_touch" | "birthday" | "timezone";

export interface FormProblem {
  field: FormField;
  message: string;
}

export type FormAction = "save" | "stop" | "resume";

export type FormResult =
  | { ok: true; action: "stop" | "resume" }
  | { ok: true; action: "save"; change: PreferenceChange; profile: ProfileChange; choices: FormChoices }
  | { ok: false; problems: FormProblem[]; choices: FormChoices | null };

export type FormFields = Record<string, string | string[] | undefined>;

const DAY = 24 * 3600_000;
const PERIOD_WORDS: Record<FrequencyPeriod, string> = { day: "day", week: "week", month: "month" };
/** Offered to everyone whose brand cap is looser (most relaxed first). */
const OFFERED: readonly Frequency[] = [
  { max: 1, per: "week" },
  { max: 1, per: "month" },
];

export const frequencyValue = (f: Frequency) => `${f.max}/${f.per}`;

function parseFrequencyValue(value: string): Frequency | null {
  const m = /^([1-9][0-9]?)\/(day|week|month)$/.exec(value);
  if (!m) return null;
  return { max: Number(m[1]), per: m[2] as FrequencyPeriod };
}

function emails(n: number): string {
  return n === 1 ? "one email" : `${n} emails`;
}

/** "a week", "7 days" → words for a cap's period. */
function periodWords(ms: number): string {
  if (ms === DAY) return "a day";
  if (ms === 7 * DAY) return "a week";
  if (ms % DAY === 0) return `in ${ms / DAY} days`;
  const hours = ms / 3600_000;
  return Number.isInteger(hours) ? `in ${hours} hours` : `in ${Math.round(ms / 60_000)} minutes`;
}

/** Emails per millisecond: what "tighter" compares. */
const rate = (cap: FrequencyCap) => cap.max / cap.perMs;

export function frequencyOptions(brandCap: FrequencyCap | undefined, current: Frequency | null | undefined) {
  const options: FrequencyOption[] = [
    {
      value: BRAND_FREQUENCY,
      // Short: a phone shows a select's label in one line (about 28 characters).
      label: brandCap
        ? `Our usual: up to ${brandCap.max === 1 ? "one" : brandCap.max} ${periodWords(brandCap.perMs)}`
        : "As often as we have news",
    },
  ];
  const offered = [...OFFERED];
  if (current && !offered.some((f) => frequencyValue(f) === frequencyValue(current))) offered.push(current);
  for (const f of offered) {
    const isCurrent = current != null && frequencyValue(f) === frequencyValue(current);
    // Only ever fewer emails than the brand's cap allows: a looser "limit" would promise nothing.
    if (!isCurrent && brandCap && rate(frequencyCap(f)) >= rate(brandCap)) continue;
    options.push({ value: frequencyValue(f), label: `At most ${emails(f.max)} a ${PERIOD_WORDS[f.per]}` });
  }
  return options;
}

function birthdayFieldsOf(birthday: string | null): BirthdayFields {
  const m = birthday ? /^(?:(\d{4})-)?(\d{2})-(\d{2})$/.exec(birthday) : null;
  if (!m) return { month: "", day: "", year: "" };
  return { month: String(Number(m[2])), day: String(Number(m[3])), year: m[1] ?? "" };
}

export function currentChoices(subject: FormSubject, topics: Readonly<Record<string, Topic>>): FormChoices {
  const chosen = subject.preferences.topics ?? {};
  return {
    // A topic the customer never chose anything for is on: they hear about it until they say no.
    topics: Object.fromEntries(Object.keys(topics).map((name) => [name, chosen[name] !== false])),
    frequency: subject.preferences.frequency
      ? frequencyValue(subject.preferences.frequency)
      : BRAND_FREQUENCY,
    stayInTouch: subject.preferences.stayInTouch ?? false,
    birthday: birthdayFieldsOf(subject.birthday),
    timezone: subject.timezone ?? "",
  };
}

/** One value of a field sent once; a field sent twice is a form we did not make. */
function single(fields: FormFields, name: string): string | undefined | null {
  const v = fields[name];
  if (Array.isArray(v)) return v.length === 1 ? (v[0] as string) : null;
  return v;
}

function many(fields: FormFields, name: string): string[] {
  const v = fields[name];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
const pad = (n: number) => String(n).padStart(2, "0");

/** The birthday as stored ("YYYY-MM-DD", "MM-DD", or null), or what is wrong with it. */
function readBirthday(b: BirthdayFields, now: number): { value: string | null } | { problem: string } {
  const [month, day, year] = [b.month.trim(), b.day.trim(), b.year.trim()];
  if (month === "" && day === "" && year === "") return { value: null };
  if (month === "" || day === "")
    return { problem: "choose both the month and the day, or neither to leave it out" };
  const m = /^\d{1,2}$/.test(month) ? Number(month) : 0;
  const d = /^\d{1,2}$/.test(day) ? Number(day) : 0;
  if (m < 1 || m > 12) return { problem: "choose a month from the list" };
  const monthName = MONTHS[m - 1] as string;
  const longest = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1] as number;
  if (d < 1 || d > longest) return { problem: `${monthName} has ${longest} days` };
  if (year === "") return { value: `${pad(m)}-${pad(d)}` };
  const thisYear = new Date(now).getUTCFullYear();
  if (!/^\d{4}$/.test(year) || Number(year) < 1900 || Number(year) > thisYear)
    return { problem: `the year is optional; to give it, write 4 digits between 1900 and ${thisYear}` };
  if (m === 2 && d === 29 && !isLeap(Number(year)))
    return { problem: `${year} was not a leap year, so it had no 29 February` };
  return { value: `${year}-${pad(m)}-${pad(d)}` };
}

export interface FormContext {
  topics: Readonly<Record<string, Topic>>;
  brandCap: FrequencyCap | undefined;
  /** The zones the page offers (besides the customer's own, which is always accepted). */
  timezones: ReadonlySet<string>;
  now: number;
}

/**
 * What a submitted form asks. "save" compares every field with the customer as stored and
 * asks only for what differs (an unchanged page saves nothing and records no event).
 */
export function readForm(fields: FormFields, subject: FormSubject, ctx: FormContext): FormResult {
  const action = single(fields, "action");
  if (action === "stop" || action === "resume") return { ok: true, action };
  if (action !== "save")
    return {
      ok: false,
      problems: [{ field: "action", message: "use one of the page's buttons: save, stop or start again" }],
      choices: null,
    };

  const problems: FormProblem[] = [];
  const current = currentChoices(subject, ctx.topics);

  const shown = (single(fields, "topics_shown") ?? "").split(/\s+/).filter(Boolean);
  const ticked = many(fields, "topic");
  const known = (name: string) => Object.hasOwn(ctx.topics, name);
  const topics: Record<string, boolean> = {};
  for (const name of Object.keys(ctx.topics)) topics[name] = current.topics[name] ?? true;
  // A topic taken out of the configuration since the page was shown is left alone.
  for (const name of shown.filter(known)) topics[name] = ticked.includes(name);
  const unknown = ticked.filter((t) => !known(t) || !shown.includes(t));
  if (unknown.length > 0)
    problems.push({ field: "topics", message: `there is no topic ${JSON.stringify(unknown[0])} to choose` });

  const frequency = single(fields, "frequency") ?? BRAND_FREQUENCY;
  const offered = frequencyOptions(ctx.brandCap, subject.preferences.frequency).map((o) => o.value);
  if (!offered.includes(frequency))
    problems.push({ field: "frequency", message: "choose one of the options" });

  const stay = single(fields, "stay_in_touch");
  if (stay === null) problems.push({ field: "stay_in_touch", message: "tick it or leave it empty" });
  const stayInTouch = stay === "yes";

  const birthday: BirthdayFields = {
    month: single(fields, "birthday_month") ?? "",
    day: single(fields, "birthday_day") ?? "",
    year: single(fields, "birthday_year") ?? "",
  };
  const sameBirthday = (["month", "day", "year"] as const).every(
    (k) => birthday[k].trim() === current.birthday[k],
  );
  // Untouched, it stays as stored, even a date the form could not have made (an event's "02-30").
  const birthdayRead = sameBirthday ? { value: subject.birthday } : readBirthday(birthday, ctx.now);
  if ("problem" in birthdayRead) problems.push({ field: "birthday", message: birthdayRead.problem });

  const timezone = (single(fields, "timezone") ?? "").trim();
  if (timezone !== "" && !ctx.timezones.has(timezone) && timezone !== subject.timezone)
    problems.push({ field: "timezone", message: "choose a time zone from the list" });

  const choices: FormChoices = { topics, frequency, stayInTouch, birthday, timezone };
  if (problems.length > 0) return { ok: false, problems, choices };

  const change: PreferenceChange = {};
  const topicChanges = Object.entries(topics).filter(([name, on]) => current.topics[name] !== on);
  if (topicChanges.length > 0) change.topics = Object.fromEntries(topicChanges);
  if (frequency !== current.frequency)
    change.frequency = frequency === BRAND_FREQUENCY ? null : parseFrequencyValue(frequency);
  if (stayInTouch !== current.stayInTouch) change.stayInTouch = stayInTouch;

  const profile: ProfileChange = {};
  const birthdayValue = "value" in birthdayRead ? birthdayRead.value : null;
  if (birthdayValue !== (subject.birthday ?? null)) profile.birthday = birthdayValue;
  const zone = timezone === "" ? null : timezone;
  if (zone !== (subject.timezone ?? null)) profile.timezone = zone;
  return { ok: true, action: "save", change, profile, choices };
}

/** Whether a change or profile change asks for anything. */
export const asksAnything = (change: PreferenceChange, profile: ProfileChange) =>
  Object.keys(change).length > 0 || Object.keys(profile).length > 0;
