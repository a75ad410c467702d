/**
 * A flow's trigger: an event (event: purchase) or a yearly date (date: customer.birthday),
 * optionally narrowed by `where`.
 */
import { z } from "zod";
import { describeFound } from "../describe.js";
import { DATE_FIELDS } from "../types.js";
import { Where } from "./conditions.js";
import { EventName } from "./names.js";
import { TimeOfDay } from "./times.js";
import { isMissing } from "./words.js";

const DateField = z.enum(DATE_FIELDS).meta({
  description:
    "customer.birthday (every year) or ownership.started (the registration or purchase, every year).",
});

const Every = z
  .enum(["year"])
  .meta({ description: "How often the date recurs: every year (the only choice)." });

/** An event trigger or a date trigger: exactly one of event, date; every / at only with date. */
function triggerCheck(value: unknown, ctx: z.core.$RefinementCtx<unknown>): void {
  // Not a map at all: the object's own error says so.
  if (value === null || typeof value !== "object" || Array.isArray(value)) return;
  const map = value as Record<string, unknown>;
  const has = (k: string) => Object.hasOwn(map, k) && map[k] !== undefined;
  if (!has("event") && !has("date")) {
    ctx.addIssue({
      code: "custom",
      path: ["event"],
      message:
        'missing "event": say which event starts this flow, e.g. event: registration (or, for a yearly date, date: customer.birthday)',
      input: value,
    });
    return;
  }
  if (has("event") && has("date")) {
    ctx.addIssue({
      code: "custom",
      path: ["date"],
      message: "a flow starts on an event or on a date, not both; keep event or date",
      params: { at: "key" },
      input: value,
    });
    return;
  }
  if (has("event")) {
    for (const k of ["every", "at"]) {
      if (!has(k)) continue;
      ctx.addIssue({
        code: "custom",
        path: [k],
        message: `"${k}" belongs to date triggers (date: customer.birthday); an event trigger starts when the event happens`,
        params: { at: "key" },
        input: value,
      });
    }
  }
}

export const Trigger = z
  .strictObject(
    {
      event: EventName.optional(),
      date: DateField.optional(),
      every: Every.optional(),
      at: TimeOfDay.optional().meta({
        description: 'For a date trigger: the local time of day it starts at, "HH:MM" (default "09:00").',
      }),
      where: Where.optional(),
    },
    {
      error: (iss) => {
        if (iss.code !== "invalid_type") return undefined;
        if (isMissing(iss)) {
          return 'missing "trigger": say which event starts this flow, e.g. trigger: { event: registration }';
        }
        const example = typeof iss.input === "string" ? iss.input : "registration";
        return `expected settings such as event: ${example} (indented on the next line), found ${describeFound(iss.input)}`;
      },
    },
  )
  .superRefine(triggerCheck, { when: () => true })
  .meta({
    description:
      'When the flow starts: an event (event: purchase), or a yearly date (date: customer.birthday, at: "09:00"); ' +
      "optionally narrowed by `where`.",
    anyOf: [{ required: ["event"] }, { required: ["date"] }],
  });
