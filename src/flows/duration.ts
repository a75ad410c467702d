/**
 * Durations as marketing writes them in a flow's `wait:` ("14 days", "2h", "1.5 hours").
 *
 * Contract: parseDuration(text) returns milliseconds, or null when the text is not a
 * number followed by a known unit. Units are lowercase words or their short forms;
 * months and years are refused because their length varies (a "1 month" wait would
 * mean 28 to 31 days depending on when it started). DURATION_PATTERN accepts exactly
 * what parseDuration accepts, so the JSON Schema an editor checks against agrees with
 * rapport. durationProblem(text) explains, in plain words, why a text was refused.
 * Pure: no clock, no I/O.
 */
import { closest } from "./suggest.js";

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;

/** Every unit word a duration may use, with its length in ms. */
const UNIT_MS: ReadonlyMap<string, number> = new Map([
  ["s", SECOND],
  ["sec", SECOND],
  ["secs", SECOND],
  ["second", SECOND],
  ["seconds", SECOND],
  ["m", MINUTE],
  ["min", MINUTE],
  ["mins", MINUTE],
  ["minute", MINUTE],
  ["minutes", MINUTE],
  ["h", HOUR],
  ["hr", HOUR],
  ["hrs", HOUR],
  ["hour", HOUR],
  ["hours", HOUR],
  ["d", DAY],
  ["day", DAY],
  ["days", DAY],
  ["w", WEEK],
  ["week", WEEK],
  ["weeks", WEEK],
]);

/** The allowed unit words, for error messages and the schema. */
export const DURATION_UNITS: readonly string[] = [...UNIT_MS.keys()];

/** How the units read in a sentence ("seconds (s, sec), minutes (m, min), ..."). */
export const DURATION_UNITS_TEXT =
  "seconds (s, sec), minutes (m, min), hours (h, hr), days (d, day), weeks (w, week)";

/** The longest single wait; past it, a typo ("1400 days") is likelier than intent. */
export const MAX_WAIT_MS = 3650 * DAY;

// Longer words first so the alternation reads naturally; the anchors make order irrelevant anyway.
const UNIT_ALTERNATION = [...DURATION_UNITS].sort((a, b) => b.length - a.length).join("|");

/** A number, optional spaces, a unit, unanchored (to build other patterns from). */
export const AMOUNT_AND_UNIT = `(\\d+(?:\\.\\d+)?) *(${UNIT_ALTERNATION})`;

/** A number, optional spaces, a unit. Plain JSON-Schema-compatible regex syntax (no flags). */
export const DURATION_PATTERN = `^ *${AMOUNT_AND_UNIT} *$`;
const DURATION_RE = new RegExp(DURATION_PATTERN);

/** Milliseconds for "14 days", "2h", "1.5 hours"...; null if the text is not a duration. */
export function parseDuration(text: string): number | null {
  const match = DURATION_RE.exec(text);
  if (!match) return null;
  const [, amount, unit] = match;
  const unitMs = unit === undefined ? undefined : UNIT_MS.get(unit);
  if (amount === undefined || unitMs === undefined) return null;
  // Rounded: "0.0001 s" must still be a whole number of ms for timers and storage.
  return Math.round(Number(amount) * unitMs);
}

const VARIABLE_UNITS = new Set(["mo", "mos", "month", "months", "y", "yr", "yrs", "year", "years"]);

/** Why `text` is not an acceptable wait, as the end of a sentence for marketing people. */
export function durationProblem(text: string): string {
  const base = `expected a duration like "14 days" or "2h", found ${JSON.stringify(text)}`;
  const trimmed = text.trim();
  const ms = parseDuration(trimmed);
  if (ms !== null) {
    if (ms <= 0) return `${base}; a wait must be longer than zero`;
    if (ms > MAX_WAIT_MS) return `${base}; a single wait can be at most 3650 days (about 10 years)`;
    return base;
  }
  const lower = trimmed.toLowerCase();
  if (parseDuration(lower) !== null) return `${base}; did you mean ${JSON.stringify(lower)}?`;
  const parts = /^(\d+(?:[.,]\d+)?)\s*([a-z]*)$/.exec(lower);
  if (!parts) return `${base}; write a number and a unit: ${DURATION_UNITS_TEXT}`;
  const amount = (parts[1] ?? "").replace(",", ".");
  const unit = parts[2] ?? "";
  if (VARIABLE_UNITS.has(unit)) {
    return `${base}; months and years have no fixed length, so write days or weeks instead (e.g. "30 days" or "52 weeks")`;
  }
  if (unit === "") return `${base}; add a unit, e.g. "${amount} days"`;
  const unitGuess = closest(unit, DURATION_UNITS);
  const fixed = `${amount} ${unitGuess ?? unit}`;
  if (parseDuration(fixed) !== null) return `${base}; did you mean ${JSON.stringify(fixed)}?`;
  return `${base}; allowed units: ${DURATION_UNITS_TEXT}`;
}

/** True when `text` is a duration a flow may wait for: parseable, above zero, within the maximum. */
export function isAcceptableWait(text: string): boolean {
  const ms = parseDuration(text);
  return ms !== null && ms > 0 && ms <= MAX_WAIT_MS;
}
