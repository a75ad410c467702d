/**
 * Local wall time in an IANA time zone, through Intl only (no dependencies).
 *
 * Contract:
 *   - isTimeZone(tz): true when Intl knows the zone ("Europe/Berlin", "UTC").
 *   - wallClock(ms, tz): the local date and time at an instant (weekday 0 = Monday).
 *   - localToEpoch({ year, month, day, hour, minute }, tz): the instant a local wall time
 *     happens, DST-correct: a local time that does not exist (skipped when clocks spring
 *     forward) moves forward by the gap (02:30 on a 02:00→03:00 night is 03:30); a local
 *     time that happens twice (clocks fall back) takes the first. Month and day may run
 *     over (day 0, month 13) and are normalised like Date.UTC does.
 *   - parseTimeOfDay("09:00") → minutes after midnight, or null; TIME_OF_DAY_PATTERN
 *     accepts exactly what it accepts (24-hour "H:MM" or "HH:MM").
 *   - parseCalendarDate(text): "YYYY-MM-DD" or a year-less "MM-DD" / "--MM-DD" (how
 *     birthdays without a year arrive) → { year | null, month, day }, or null.
 *   - yearlyDay(month, day, year): the day a yearly date falls on in `year`: Feb 29 is
 *     Feb 28 in years without one.
 * Pure: no clock; Intl's zone data is the only outside knowledge.
 */

export interface LocalDateTime {
  year: number;
  /** 1-12 */
  month: number;
  day: number;
  hour: number;
  minute: number;
  second?: number;
}

export interface WallClock extends Required<LocalDateTime> {
  /** 0 = Monday ... 6 = Sunday. */
  weekday: number;
}

const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: tz,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
      era: "short",
    });
    formatters.set(tz, f);
  }
  return f;
}

export function isTimeZone(tz: string): boolean {
  if (tz.trim() === "") return false;
  try {
    formatterFor(tz);
    return true;
  } catch {
    return false;
  }
}

export function wallClock(ms: number, tz: string): WallClock {
  const parts: Record<string, string> = {};
  for (const p of formatterFor(tz).formatToParts(new Date(ms))) parts[p.type] = p.value;
  const rawYear = Number(parts.year);
  const year = parts.era === "BC" || parts.era === "B" ? 1 - rawYear : rawYear;
  const month = Number(parts.month);
  const day = Number(parts.day);
  const hour = Number(parts.hour) % 24;
  const minute = Number(parts.minute);
  const second = Number(parts.second);
  const weekday = (new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 6) % 7;
  return { year, month, day, hour, minute, second, weekday };
}

/** The local wall time at `ms`, read as if it were UTC: its difference to `ms` is the zone's offset then. */
function wallAsUtc(ms: number, tz: string): number {
  const w = wallClock(ms, tz);
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) + (((ms % 1000) + 1000) % 1000);
}

function offsetAt(ms: number, tz: string): number {
  return wallAsUtc(ms, tz) - ms;
}

export function localToEpoch(local: LocalDateTime, tz: string): number {
  const target = Date.UTC(
    local.year,
    local.month - 1,
    local.day,
    local.hour,
    local.minute,
    local.second ?? 0,
  );
  // Offsets a day either side: a zone changes offset at most once in such a window.
  const before = offsetAt(target - DAY_MS, tz);
  const after = offsetAt(target + DAY_MS, tz);
  const candidates = [...new Set([before, after])]
    .map((offset) => target - offset)
    .filter((ms) => wallAsUtc(ms, tz) === target)
    .sort((a, b) => a - b);
  const first = candidates[0];
  if (first !== undefined) return first;
  // No instant shows this wall time: it falls in a gap. Read it with the offset in force
  // before the gap, which lands as far past the gap's end as the time was past its start.
  return target - before;
}

export const TIME_OF_DAY_PATTERN = "^([01]?[0-9]|2[0-3]):[0-5][0-9]$";
const TIME_OF_DAY_RE = new RegExp(TIME_OF_DAY_PATTERN);

/** Minutes after midnight for "09:00" / "9:00" / "23:59"; null otherwise. */
export function parseTimeOfDay(text: string): number | null {
  if (!TIME_OF_DAY_RE.test(text)) return null;
  const [h, m] = text.split(":");
  return Number(h) * 60 + Number(m);
}

export interface CalendarDate {
  year: number | null;
  month: number;
  day: number;
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const MONTH_DAY_RE = /^(?:--)?(\d{2})-(\d{2})$/;

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

export function isLeapYear(year: number): boolean {
  return daysInMonth(year, 2) === 29;
}

export function parseCalendarDate(text: string): CalendarDate | null {
  const full = DATE_RE.exec(text);
  if (full) {
    const year = Number(full[1]);
    const month = Number(full[2]);
    const day = Number(full[3]);
    if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
    return { year, month, day };
  }
  const md = MONTH_DAY_RE.exec(text);
  if (md) {
    const month = Number(md[1]);
    const day = Number(md[2]);
    // 2000 is a leap year: "02-29" is a valid year-less birthday.
    if (month < 1 || month > 12 || day < 1 || day > daysInMonth(2000, month)) return null;
    return { year: null, month, day };
  }
  return null;
}

/** The day of the month a yearly date (birthday, anniversary) falls on in `year`. */
export function yearlyDay(month: number, day: number, year: number): number {
  return Math.min(day, daysInMonth(year, month));
}

/** Weekday names as flows write them, Monday first (index = WallClock.weekday). */
export const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
export type Weekday = (typeof WEEKDAYS)[number];
