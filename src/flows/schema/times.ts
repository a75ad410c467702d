/**
 * Times a flow file names: durations (waits, timeouts, entry windows), points in time
 * that date conditions compare with, local times of day, and wait_until's dates and offsets.
 */
import { z } from "zod";
import {
  DATE_BOUND_PATTERN,
  dateBoundProblem,
  OFFSET_PATTERN,
  parseDateBound,
  parseOffset,
} from "../dates.js";
import { describeFound } from "../describe.js";
import { DURATION_PATTERN, durationProblem, isAcceptableWait } from "../duration.js";
import { didYouMean } from "../suggest.js";
import { parseCalendarDate, TIME_OF_DAY_PATTERN } from "../time.js";
import { DATE_FIELDS } from "../types.js";
import { isMissing } from "./words.js";

export const DateBound = z
  .string({
    error: (iss) =>
      `expected a point in time like "30 days ago" or "2026-01-31", found ${describeFound(iss.input)}`,
  })
  .regex(new RegExp(DATE_BOUND_PATTERN), { error: (iss) => dateBoundProblem(String(iss.input)) })
  // Not expressible in JSON Schema: the calendar date must exist (no 2026-02-30).
  .refine((text) => parseDateBound(text) !== null || !new RegExp(DATE_BOUND_PATTERN).test(text), {
    error: (iss) => dateBoundProblem(String(iss.input)),
  });

export const TimeOfDay = z
  .string({
    error: (iss) =>
      `expected a time of day like "09:00" (24-hour, in quotes), found ${describeFound(iss.input)}${
        typeof iss.input === "number" && Number.isInteger(iss.input) && iss.input >= 0 && iss.input < 24
          ? `; did you mean "${String(iss.input).padStart(2, "0")}:00"?`
          : ""
      }`,
  })
  .regex(new RegExp(TIME_OF_DAY_PATTERN), {
    error: (iss) => {
      const found = String(iss.input);
      const m = /^(\d{1,2})(?:[.:h]?(\d{2}))?\s*(am|pm)?$/i.exec(found.trim());
      let hint = "";
      if (m) {
        let h = Number(m[1]);
        const suffix = m[3]?.toLowerCase();
        if (suffix === "pm" && h < 12) h += 12;
        if (suffix === "am" && h === 12) h = 0;
        const fixed = `${String(h).padStart(2, "0")}:${m[2] ?? "00"}`;
        if (new RegExp(TIME_OF_DAY_PATTERN).test(fixed)) hint = `; did you mean "${fixed}"?`;
      }
      return `expected a time of day like "09:00" (24-hour, HH:MM), found ${JSON.stringify(found)}${hint}`;
    },
  })
  .meta({
    description: 'A local time of day, 24-hour "HH:MM", in the customer\'s time zone.',
    examples: ["09:00"],
  });

/** A duration setting like WaitDuration, with its own words for when it is missing. */
export function durationText(missing: string) {
  return z
    .string({ error: (iss) => (isMissing(iss) ? missing : notADuration(iss.input)) })
    .regex(new RegExp(DURATION_PATTERN), { error: (iss) => durationProblem(String(iss.input)) })
    .refine((text) => isAcceptableWait(text) || !new RegExp(DURATION_PATTERN).test(text), {
      error: (iss) => durationProblem(String(iss.input)),
    });
}

/** `wait:` given something other than text: most often a bare number (`wait: 14`). */
function notADuration(input: unknown): string {
  if (typeof input === "string") return durationProblem(input);
  const base = `expected a duration like "14 days" or "2h", found ${describeFound(input)}`;
  return typeof input === "number" ? `${base}; add a unit, e.g. "${input} days"` : base;
}

export const WaitDuration = z
  .string({ error: (iss) => notADuration(iss.input) })
  .regex(new RegExp(DURATION_PATTERN), { error: (iss) => durationProblem(String(iss.input)) })
  // Not expressible in JSON Schema: above zero and at most the maximum. The regex has
  // already reported texts that are not durations at all, so this only judges the size.
  .refine((text) => isAcceptableWait(text) || !new RegExp(DURATION_PATTERN).test(text), {
    error: (iss) => durationProblem(String(iss.input)),
  })
  .meta({
    description: 'How long to wait before the next step, e.g. "14 days", "2h", "30 minutes", "1 week".',
    examples: ["14 days", "2h", "1 week"],
  });

const DATE_TARGETS_TEXT = `${DATE_FIELDS.join(", ")} or a date like "2026-12-24"`;

export const WaitUntilDate = z
  .string({ error: (iss) => `expected ${DATE_TARGETS_TEXT}, found ${describeFound(iss.input)}` })
  .refine(
    (text) => (DATE_FIELDS as readonly string[]).includes(text) || parseCalendarDate(text)?.year != null,
    {
      error: (iss) => {
        const found = String(iss.input);
        const hint = /^\d{4}-\d{2}-\d{2}$/.test(found)
          ? "; that day does not exist"
          : didYouMean(found, DATE_FIELDS);
        return `expected ${DATE_TARGETS_TEXT}, found ${JSON.stringify(found)}${hint}`;
      },
    },
  )
  .meta({
    description:
      "customer.birthday (the next one), ownership.started (the registration or purchase) or a calendar date YYYY-MM-DD.",
    anyOf: [{ enum: [...DATE_FIELDS] }, { pattern: "^\\d{4}-\\d{2}-\\d{2}$" }],
  });

export const Offset = z
  .string({
    error: (iss) =>
      `expected an offset like "-1 day" or "2 weeks", found ${describeFound(iss.input)}${typeof iss.input === "number" ? `; add a unit, e.g. "${iss.input} days"` : ""}`,
  })
  .regex(new RegExp(OFFSET_PATTERN), {
    error: (iss) => {
      const found = String(iss.input);
      const sign = /^\s*([+-])/.exec(found)?.[1] ?? "";
      const rest = found.replace(/^\s*[+-]/, "");
      const why = durationProblem(rest).replace(
        /^expected a duration like "14 days" or "2h", found "[^"]*"/,
        "",
      );
      const fixed = /did you mean "([^"]*)"/.exec(why)?.[1];
      const tail = fixed
        ? `; did you mean ${JSON.stringify(`${sign}${fixed}`)}?`
        : why.replace(/; a wait must be longer than zero/, "");
      return `expected an offset like "-1 day" or "2 weeks", found ${JSON.stringify(found)}${tail}`;
    },
  })
  .refine((text) => Math.abs(parseOffset(text) ?? 0) <= 3650 * 24 * 60 * 60 * 1000, {
    error: "an offset can be at most 3650 days",
  })
  .meta({ description: 'Shifts the date: "-1 day" (the day before), "2 weeks" (two weeks after).' });
