/**
 * The body of `POST /v1/events` (and of `rapport trigger`): the contract registration
 * forms and shops code against. Strict: unknown keys are rejected so a typo in a field
 * name is reported instead of silently dropped; every string has a length cap.
 */
import { z } from "zod";
import { MONTHS } from "../infra/calendar.js";
import { PHONE_EXPECTED, toE164 } from "./phone.js";

const shortText = (max: number) => z.string().trim().min(1).max(max);

/** No control characters: these values end up in mail headers and logs. */
const noControl = (max: number) =>
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  shortText(max).refine((s) => !/[\u0000-\u001f\u007f]/.test(s), {
    message: "must not contain control characters (line breaks, tabs, …)",
  });

/** Days in a month; without a year February has 29 (a birthday on 02-29 is someone's). */
function daysIn(month: number, year: number | null): number {
  if (month === 2)
    return year === null || (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/**
 * A calendar date, YYYY-MM-DD or MM-DD (a birthday whose year the customer keeps). The day
 * must exist in that month and year: 1990-02-30 would be accepted and then never come
 * round, so it is refused here, naming the month's length.
 */
const isoDate = z
  .string()
  .regex(/^(\d{4}-)?\d{2}-\d{2}$/, "expected a date as YYYY-MM-DD (or MM-DD when the year is unknown)")
  .superRefine((s, ctx) => {
    const parts = s.split("-").map(Number);
    const year = parts.length === 3 ? (parts[0] ?? null) : null;
    const [month, day] = parts.slice(-2);
    if (month === undefined || day === undefined) return;
    if (month < 1 || month > 12) {
      ctx.addIssue({ code: "custom", message: `"${s}" is not a date: expected a month from 01 to 12` });
      return;
    }
    const days = daysIn(month, year);
    if (day < 1 || day > days) {
      const monthName = `${MONTHS[month - 1]}${year === null ? "" : ` ${year}`}`;
      ctx.addIssue({
        code: "custom",
        message: `"${s}" is not a date: ${monthName} has ${days} days`,
      });
    }
  });

const timezone = z
  .string()
  .max(64)
  .refine((tz) => {
    try {
      new Intl.DateTimeFormat("en", { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  }, "expected an IANA time zone such as Europe/Berlin");

/** Flat, small bags of custom data: scalars only, so templates and conditions stay simple. */
const attributeBag = z
  .record(
    z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, "attribute names are letters, digits and _"),
    z.union([z.string().max(1000), z.number(), z.boolean(), z.null()]),
  )
  .refine((o) => Object.keys(o).length <= 50, "at most 50 attributes");

export const eventTypeSchema = z
  .string()
  .regex(/^[a-z][a-z0-9_.-]{0,63}$/, "expected an event type like registration, purchase or disposition");

/** Event types that create an ownership, and the one that ends it. */
export const OWNERSHIP_START_TYPES = new Set(["registration", "purchase"]);
export const OWNERSHIP_END_TYPE = "disposition";

export const eventBodySchema = z
  .strictObject({
    id: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, "expected 1-128 letters, digits or . _ : -")
      .optional(),
    type: eventTypeSchema,
    occurredAt: z.iso.datetime({ offset: true }).optional(),
    customer: z.strictObject({
      email: z.string().trim().max(254).pipe(z.email()),
      name: noControl(200).optional(),
      timezone: timezone.optional(),
      locale: z
        .string()
        .regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, "expected a locale like en or de-AT")
        .optional(),
      birthday: isoDate.optional(),
      /** Stored in E.164 whatever spacing the form sent. */
      phone: z
        .string()
        .max(40, PHONE_EXPECTED)
        .transform((s, ctx) => {
          const e164 = toE164(s);
          if (e164) return e164;
          ctx.addIssue({ code: "custom", message: PHONE_EXPECTED });
          return z.NEVER;
        })
        .optional(),
      /**
       * What the customer agreed to, where and when: `sms: true` allows marketing texts to
       * their phone; `false` records a refusal or withdrawal. `at` defaults to the event's time.
       */
      consent: z
        .strictObject({
          sms: z.boolean({ error: "expected true (agreed to marketing SMS) or false (refused or withdrew)" }),
          source: noControl(200),
          at: z.iso.datetime({ offset: true }).optional(),
        })
        .optional(),
      attributes: attributeBag.optional(),
    }),
    product: z
      .strictObject({
        sku: z
          .string()
          .regex(/^[A-Za-z0-9][A-Za-z0-9._\-/]{0,99}$/, "expected a SKU of letters, digits and . _ - /"),
        name: noControl(200).optional(),
        serial: noControl(100).optional(),
        category: noControl(100).optional(),
        /** one_time: bought once (a short, polite flow); repeat: bought again and again (a long one). */
        relationship: z.enum(["one_time", "repeat"], { error: "expected one_time or repeat" }).optional(),
      })
      .optional(),
    properties: attributeBag.optional(),
  })
  // A registration or purchase starts the ownership of the product it names, a disposition
  // ends it: without one there is nothing to own (no ownership, no owner line) and the
  // flows written for it would speak of a product nobody named. Refused here, naming the
  // field, rather than accepted and left to fail or mislead later (issue 11).
  .superRefine((body, ctx) => {
    if (body.product !== undefined) return;
    if (!OWNERSHIP_START_TYPES.has(body.type) && body.type !== OWNERSHIP_END_TYPE) return;
    ctx.addIssue({
      code: "custom",
      path: ["product"],
      message: `a ${body.type} event names the product it is about: expected product: { sku, name?, serial?, category? }`,
    });
  });

export type EventBody = z.infer<typeof eventBodySchema>;

/** One line per problem, naming the field: what an HTTP 400 and the CLI both print. */
export function describeIssues(error: z.ZodError): Array<{ field: string; message: string }> {
  return error.issues.map((issue) => {
    const field = issue.path.length ? issue.path.map(String).join(".") : "(body)";
    if (issue.code === "unrecognized_keys") {
      return { field, message: `unknown field(s): ${issue.keys.join(", ")}` };
    }
    return { field, message: issue.message };
  });
}
