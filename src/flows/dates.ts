/**
 * Dates in flows: yearly date triggers (birthdays, purchase/registration anniversaries),
 * wait_until targets, and the points in time date conditions compare with.
 *
 * Contract (all pure: `now` / `after` are epoch ms passed in; zones via time.ts):
 *   - nextOccurrence(trigger, facts, after, timezone): epoch ms of the first occurrence
 *     strictly after `after` of a date trigger, at trigger.at local time in `timezone`,
 *     or null when the facts lack the date (or it cannot be read). customer.birthday is
 *     "YYYY-MM-DD" or year-less "MM-DD" / "--MM-DD"; it occurs every year (Feb 29: Feb 28
 *     in other years). ownership.started (epoch ms or ISO text) occurs on its local
 *     calendar day every year from the first anniversary on (never on the day itself).
 *   - waitUntilTarget(until, facts, now, timezone): when a wait_until ends: { at } (>= now),
 *     or { skip: reason } when there is nothing to wait for (date missing or past).
 *   - timezoneFor(facts, fallback): customer.timezone when Intl knows it, else fallback
 *     (when Intl knows that), else "UTC".
 *   - parseDateBound / resolveDateBound / dateBoundProblem: "30 days ago", "in 2 weeks",
 *     "now", "2026-01-31" (00:00 UTC) or an ISO instant; DATE_BOUND_PATTERN (a JSON
 *     Schema regex) accepts the same texts, except that it cannot check a calendar date
 *     is real (2026-02-30).
 *   - dateValue(value): epoch ms of a fact holding a date (epoch ms, "YYYY-MM-DD" or ISO
 *     text), or null.
 *   - parseOffset("-1 day") → signed ms, or null; OFFSET_PATTERN matches it.
 */
import { AMOUNT_AND_UNIT, parseDuration } from "./duration.js";
import { isTimeZone, localToEpoch, parseCalendarDate, parseTimeOfDay, wallClock, yearlyDay } from "./time.js";
import type { DateTrigger, TriggerFacts, WaitUntil } from "./types.js";

const DAY_MS = 24 * 60 * 60 * 1000;

export const OFFSET_PATTERN = `^ *[+-]? *${AMOUNT_AND_UNIT} *$`;
const OFFSET_RE = new RegExp(OFFSET_PATTERN);

/** "-1 day" → -86400000; "+2h", "3 days" → positive; null when not a signed duration. */
export function parseOffset(text: string): number | null {
  if (!OFFSET_RE.test(text)) return null;
  const trimmed = text.trim();
  const sign = trimmed.startsWith("-") ? -1 : 1;
  const ms = parseDuration(trimmed.replace(/^[+-]/, ""));
  return ms === null ? null : sign * ms;
}

const ISO_DATE = "\\d{4}-\\d{2}-\\d{2}";
const ISO_INSTANT = `${ISO_DATE}T\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|[+-]\\d{2}:\\d{2})`;

export const DATE_BOUND_PATTERN = `^ *(now|${AMOUNT_AND_UNIT} +ago|in +${AMOUNT_AND_UNIT}|${ISO_DATE}|${ISO_INSTANT}) *$`;

type Bound = { relativeMs: number } | { absolute: number };

/** A date bound as written, or null when it is not one. */
export function parseDateBound(text: string): Bound | null {
  const t = text.trim();
  if (t === "now") return { relativeMs: 0 };
  const ago = /^(.*\S) +ago$/.exec(t);
  if (ago) {
    const ms = parseDuration(ago[1] ?? "");
    return ms === null ? null : { relativeMs: -ms };
  }
  const ahead = /^in +(.*)$/.exec(t);
  if (ahead) {
    const ms = parseDuration(ahead[1] ?? "");
    return ms === null ? null : { relativeMs: ms };
  }
  if (new RegExp(`^${ISO_DATE}$`).test(t)) {
    const d = parseCalendarDate(t);
    return d && d.year !== null ? { absolute: Date.UTC(d.year, d.month - 1, d.day) } : null;
  }
  if (new RegExp(`^${ISO_INSTANT}$`).test(t)) {
    const ms = Date.parse(t);
    return Number.isFinite(ms) ? { absolute: ms } : null;
  }
  return null;
}

/** Epoch ms a bound stands for at `now`, or null when it is not a bound. */
export function resolveDateBound(text: string, now: number): number | null {
  const bound = parseDateBound(text);
  if (bound === null) return null;
  return "absolute" in bound ? bound.absolute : now + bound.relativeMs;
}

/** Why `text` is not a date bound, for error messages. */
export function dateBoundProblem(text: string): string {
  const base = `expected a point in time like "30 days ago", "in 2 weeks", "now" or a date "2026-01-31", found ${JSON.stringify(text)}`;
  const t = text.trim().toLowerCase();
  if (parseDateBound(t) !== null) return `${base}; did you mean ${JSON.stringify(t)}?`;
  if (/(month|year)s?\b/.test(t)) {
    return `${base}; months and years have no fixed length, so write days or weeks (e.g. "365 days ago")`;
  }
  if (parseDuration(t) !== null) return `${base}; say which way: "${t} ago" or "in ${t}"`;
  if (/^\d{4}-\d{2}-\d{2}$/.test(t)) return `${base}; that day does not exist`;
  return base;
}

/** Epoch ms of a date-valued fact, or null. */
export function dateValue(value: unknown): number | null {
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (value instanceof Date) return Number.isFinite(value.getTime()) ? value.getTime() : null;
  if (typeof value !== "string") return null;
  const day = parseCalendarDate(value);
  if (day) return day.year === null ? null : Date.UTC(day.year, day.month - 1, day.day);
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : null;
}

export function timezoneFor(facts: TriggerFacts | undefined, fallback: string): string {
  const own = facts?.customer.timezone;
  if (typeof own === "string" && isTimeZone(own)) return own;
  if (fallback !== undefined && isTimeZone(fallback)) return fallback;
  return "UTC";
}

interface YearlyAnchor {
  month: number;
  day: number;
  /** The first year it occurs in; null: every year. */
  firstYear: number | null;
}

/** A local calendar day: a date field read in `tz`. */
interface LocalDay {
  year: number;
  month: number;
  day: number;
}

function birthdayOf(facts: TriggerFacts): YearlyAnchor | null {
  const raw = facts.customer.birthday;
  if (typeof raw !== "string") return null;
  const d = parseCalendarDate(raw.trim());
  return d ? { month: d.month, day: d.day, firstYear: null } : null;
}

function ownershipStartOf(facts: TriggerFacts, tz: string): LocalDay | null {
  const ms = dateValue(facts.ownership?.started);
  if (ms === null) return null;
  const w = wallClock(ms, tz);
  return { year: w.year, month: w.month, day: w.day };
}

function minutesOf(at: string): number {
  const minutes = parseTimeOfDay(at);
  if (minutes === null) throw new RangeError(`not a time of day: ${JSON.stringify(at)}`);
  return minutes;
}

function addDays(d: LocalDay, days: number): LocalDay {
  const u = new Date(Date.UTC(d.year, d.month - 1, d.day + days));
  return { year: u.getUTCFullYear(), month: u.getUTCMonth() + 1, day: u.getUTCDate() };
}

function atLocal(d: LocalDay, minutes: number, tz: string): number {
  return localToEpoch(
    { year: d.year, month: d.month, day: d.day, hour: Math.floor(minutes / 60), minute: minutes % 60 },
    tz,
  );
}

export function nextOccurrence(
  trigger: Pick<DateTrigger, "date" | "at">,
  facts: TriggerFacts,
  after: number,
  timezone: string,
): number | null {
  const minutes = minutesOf(trigger.at);
  let anchor: YearlyAnchor | null;
  if (trigger.date === "customer.birthday") {
    anchor = birthdayOf(facts);
  } else {
    const start = ownershipStartOf(facts, timezone);
    anchor = start && { month: start.month, day: start.day, firstYear: start.year + 1 };
  }
  if (anchor === null) return null;
  const from = Math.max(wallClock(after, timezone).year, anchor.firstYear ?? Number.NEGATIVE_INFINITY);
  // Every year has an occurrence (Feb 29 falls back to Feb 28), so two years always suffice.
  for (let year = from; year <= from + 2; year++) {
    const day = { year, month: anchor.month, day: yearlyDay(anchor.month, anchor.day, year) };
    const t = atLocal(day, minutes, timezone);
    if (t > after) return t;
  }
  return null;
}

export type WaitTarget = { at: number } | { skip: string };

/** Splits an offset into whole local days and the rest (ms), both with the offset's sign. */
function splitOffset(offsetMs: number): { days: number; restMs: number } {
  const days = Math.trunc(offsetMs / DAY_MS);
  return { days, restMs: offsetMs - days * DAY_MS };
}

/** The first allowed weekday on or after `d`. */
function onAllowedDay(d: LocalDay, days: readonly number[] | undefined): LocalDay {
  if (!days || days.length === 0) return d;
  for (let k = 0; k < 7; k++) {
    const c = addDays(d, k);
    const weekday = (new Date(Date.UTC(c.year, c.month - 1, c.day)).getUTCDay() + 6) % 7;
    if (days.includes(weekday)) return c;
  }
  return d;
}

export function waitUntilTarget(
  until: WaitUntil,
  facts: TriggerFacts | undefined,
  now: number,
  timezone: string,
): WaitTarget {
  const minutes = minutesOf(until.at);
  const { days: offsetDays, restMs } = splitOffset(until.offsetMs ?? 0);
  const place = (base: LocalDay): number =>
    atLocal(onAllowedDay(addDays(base, offsetDays), until.days), minutes, timezone) + restMs;

  if (until.date === undefined) {
    const today = wallClock(now, timezone);
    for (let k = 0; k <= 7; k++) {
      const t = place(addDays({ year: today.year, month: today.month, day: today.day }, k));
      if (t >= now) return { at: t };
    }
    return { skip: "no allowed day" };
  }
  if (until.date === "customer.birthday") {
    const anchor = facts ? birthdayOf(facts) : null;
    if (anchor === null) return { skip: "no customer.birthday known" };
    const year = wallClock(now, timezone).year;
    for (let y = year - 1; y <= year + 2; y++) {
      const t = place({ year: y, month: anchor.month, day: yearlyDay(anchor.month, anchor.day, y) });
      if (t >= now) return { at: t };
    }
    return { skip: "no birthday ahead" };
  }
  let base: LocalDay | null;
  if (until.date === "ownership.started") {
    base = facts ? ownershipStartOf(facts, timezone) : null;
    if (base === null) return { skip: "no ownership.started known" };
  } else {
    const d = parseCalendarDate(until.date);
    if (d === null || d.year === null) return { skip: `${until.date} is not a date` };
    base = { year: d.year, month: d.month, day: d.day };
  }
  const t = place(base);
  if (t < now) return { skip: `${new Date(t).toISOString()} has passed` };
  return { at: t };
}
