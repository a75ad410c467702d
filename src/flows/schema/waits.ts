/**
 * The steps that only pause a run: `wait` (a duration) and `wait_until` (a date or a
 * local time). The waits with steps of their own (wait_for_reply, wait_for) are in steps.ts.
 */
import { z } from "zod";
import { describeFound } from "../describe.js";
import { WEEKDAYS } from "../time.js";
import { StepId } from "./names.js";
import { Offset, TimeOfDay, WaitDuration, WaitUntilDate } from "./times.js";

export const WaitStep = z
  .strictObject({ wait: WaitDuration, id: StepId.optional() })
  .meta({ title: "wait", description: "Pause the flow before the next step." });

/** wait_until: a date (with offset) or the next allowed day, at a local time. */
function waitUntilCheck(value: Record<string, unknown>, ctx: z.core.$RefinementCtx<unknown>): void {
  const has = (k: string) => value[k] !== undefined && value[k] !== null;
  if (!has("date") && !has("at")) {
    ctx.addIssue({
      code: "custom",
      path: [],
      message:
        'say until when: a date (date: customer.birthday, offset: "-1 day", at: "09:00") or a time of day (at: "10:00", days: [mon, tue, wed, thu, fri])',
      input: value,
    });
  }
  if (has("offset") && !has("date")) {
    ctx.addIssue({
      code: "custom",
      path: ["offset"],
      message: "an offset shifts a date: add date: (e.g. date: customer.birthday) or remove offset",
      params: { at: "key" },
      input: value,
    });
  }
}

export const WaitUntilStep = z
  .strictObject({
    wait_until: z
      .strictObject({
        date: WaitUntilDate.optional(),
        offset: Offset.optional(),
        at: TimeOfDay.optional(),
        days: z
          .array(z.enum(WEEKDAYS), {
            error: (iss) =>
              iss.code === "invalid_type"
                ? `expected a list of weekdays like [mon, tue, wed, thu, fri], found ${describeFound(iss.input)}`
                : undefined,
          })
          .min(1, { error: "the list of days is empty; name at least one, e.g. [mon, tue, wed, thu, fri]" })
          .optional()
          .meta({
            description: "Only on these weekdays (mon ... sun): a time lands on the next one of them.",
          }),
      })
      .superRefine(waitUntilCheck)
      .meta({
        description:
          'Until when: { date: customer.birthday, offset: "-1 day", at: "09:00" } or { at: "10:00", days: [mon, tue, wed, thu, fri] }. ' +
          "Times are in the customer's time zone.",
      }),
    id: StepId.optional(),
  })
  .meta({
    title: "wait_until",
    description: "Pause the flow until a date or a local time of day (a date already past does not wait).",
  });
