/**
 * Conditions: a trigger's `where` (one test per field) and the condition maps of
 * branches, exit_when and goal (fields, replied, tagged, owns, all / any / not).
 */
import { z } from "zod";
import { describeFound } from "../describe.js";
import {
  CONDITION_KEY_PATTERN,
  conditionKeyProblem,
  WHERE_FIELD_PATTERN,
  whereFieldProblem,
} from "../fields.js";
import { TagName } from "./names.js";
import { DateBound } from "./times.js";
import { Num, type RawIssue, Scalar } from "./words.js";

/** Which kind of test each operator key of a field condition belongs to; one kind per field. */
const OPERATOR_KINDS: Readonly<Record<string, string>> = {
  in: "in",
  not: "not",
  exists: "exists",
  contains: "contains",
  matches: "matches",
  gt: "comparison",
  gte: "comparison",
  lt: "comparison",
  lte: "comparison",
  before: "dates",
  after: "dates",
};

const OPERATORS_TEXT =
  "{ in: [...] }, { not: value }, { exists: true/false }, { contains: value }, { matches: regex }, " +
  '{ gt / gte / lt / lte: number }, { before / after: "30 days ago" }';

/** Why a `where` value is none of the allowed forms; only reached when no single form fits. */
function conditionError(iss: RawIssue): string | undefined {
  if (iss.code !== "invalid_union") return undefined;
  const input = iss.input;
  if (Array.isArray(input)) {
    return `found a list; to match any of several values write { in: [${input.map((v) => String(v)).join(", ")}] }`;
  }
  return `expected a value to compare with (text, number or true/false), or one of ${OPERATORS_TEXT}; found ${describeFound(input)}`;
}

/** One kind of test per field, and at least one key. */
function operatorsCheck(value: Record<string, unknown>, ctx: z.core.$RefinementCtx<unknown>): void {
  const keys = Object.keys(value).filter((k) => k in OPERATOR_KINDS);
  // An unknown key (`nto:`) was reported already, with a suggestion; "empty" would only confuse.
  if (ctx.issues.length > 0) return;
  if (Object.keys(value).length === 0) {
    ctx.addIssue({
      code: "custom",
      path: [],
      message: `the test is empty; write one of ${OPERATORS_TEXT}`,
      input: value,
    });
    return;
  }
  const kinds = [...new Set(keys.map((k) => OPERATOR_KINDS[k]))];
  if (kinds.length > 1) {
    ctx.addIssue({
      code: "custom",
      path: [],
      message: `found ${keys.join(" and ")} together; use one kind of test per field (in, not, exists, contains, a comparison with gt/gte/lt/lte, or dates with before/after); to combine, write all: [ ... ]`,
      input: value,
    });
  }
}

const FieldOperators = z
  .strictObject({
    in: z
      .array(Scalar)
      .min(1, { error: "the list after in: is empty; list at least one value" })
      .optional()
      .meta({ description: "Matches when the field equals any of these values." }),
    not: Scalar.optional().meta({
      description: "Matches when the field is anything but this value (or is missing).",
    }),
    exists: z
      .boolean()
      .optional()
      .meta({ description: "true: the field must have a value; false: it must be missing." }),
    contains: Scalar.optional().meta({
      description:
        "Matches when the field is a list holding this value, e.g. customer.tags: { contains: vip }.",
    }),
    matches: z
      .string()
      .refine(
        (source) => {
          try {
            new RegExp(source, "i");
            return true;
          } catch {
            return false;
          }
        },
        { error: (iss) => `not a regular expression: ${JSON.stringify(iss.input)}` },
      )
      .optional()
      .meta({
        description:
          'Matches when the field is text matching this regular expression, ignoring case, e.g. reply.text: { matches: "^(yes|y|4040)$" }.',
      }),
    gt: Num.optional().meta({ description: "Matches when the field is a number greater than this." }),
    gte: Num.optional().meta({ description: "Matches when the field is a number at least this." }),
    lt: Num.optional().meta({ description: "Matches when the field is a number less than this." }),
    lte: Num.optional().meta({ description: "Matches when the field is a number at most this." }),
    before: DateBound.optional().meta({
      description:
        'Matches when the field is a date earlier than this: "30 days ago" (more than 30 days ago), "now", "2026-01-31".',
      examples: ["30 days ago"],
    }),
    after: DateBound.optional().meta({
      description:
        'Matches when the field is a date later than this: "7 days ago" (within the last 7 days), "in 2 weeks".',
      examples: ["7 days ago"],
    }),
  })
  .superRefine(operatorsCheck)
  .meta({ minProperties: 1 });

export const FieldCondition = z
  .union([z.string(), z.number(), z.boolean(), FieldOperators], { error: conditionError })
  .meta({
    description:
      "A value the field must equal, or { in: [a, b] }, { not: value }, { exists: true/false }, { contains: value }, " +
      '{ gt / gte / lt / lte: number }, { before / after: "30 days ago" }.',
  });

const WhereField = z.string().regex(new RegExp(WHERE_FIELD_PATTERN), {
  error: (iss) => whereFieldProblem(String(iss.input)),
});

export const Where = z.record(WhereField, FieldCondition).meta({
  description:
    "Only start the flow when every listed field matches. Fields: customer.email, customer.name, customer.locale, " +
    "customer.timezone, customer.birthday, customer.tags, customer.attributes.<name>, product.sku, product.name, " +
    "product.category, product.serial, product.relationship, ownership.status, ownership.started, ownership.kind, " +
    "event.properties.<name>.",
});

/**
 * A condition map as written: field paths (with a where-style condition each), `replied`,
 * and the combinators `all`, `any` (lists of condition maps) and `not` (one condition map).
 */
export type FlowFileCondition = Record<string, unknown>;

const Owns = z
  .strictObject(
    {
      sku: Scalar.optional().meta({ description: "The product's SKU." }),
      category: Scalar.optional().meta({ description: "The product's category, e.g. turntable." }),
    },
    {
      error: (iss) =>
        iss.code === "invalid_type"
          ? `expected what the customer owns, like { sku: LYRA-RD-2780 } or { category: turntable }, found ${describeFound(iss.input)}`
          : undefined,
    },
  )
  .superRefine((o, ctx) => {
    // An unknown key (`categroy:`) was reported already, with a suggestion.
    if (ctx.issues.length > 0 || o.sku !== undefined || o.category !== undefined) return;
    ctx.addIssue({
      code: "custom",
      path: [],
      message: "say what the customer owns: { sku: LYRA-RD-2780 } or { category: turntable }",
      input: o,
    });
  })
  .meta({
    description:
      "The customer owns a product (not disposed of) with this sku and/or category: { category: turntable }.",
  });

/** Why a condition key is refused; the refine below reports it at the key. */
function conditionKeysCheck(value: unknown, ctx: z.core.$RefinementCtx<unknown>): void {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return;
  for (const key of Object.keys(value)) {
    if (new RegExp(CONDITION_KEY_PATTERN).test(key)) continue;
    ctx.addIssue({
      code: "custom",
      path: [key],
      message: conditionKeyProblem(key),
      params: { at: "key" },
      input: value,
    });
  }
  if (Object.keys(value).length === 0) {
    ctx.addIssue({
      code: "custom",
      path: [],
      message: "the condition is empty; write at least one, e.g. { customer.attributes.vip: true }",
      input: value,
    });
  }
}

function conditionList(word: string) {
  return z
    .array(FlowCondition, {
      error: (iss) =>
        iss.code === "invalid_type"
          ? `expected a list of conditions after ${word}:, like ${word}: [ { replied: true }, { product.category: turntable } ], found ${describeFound(iss.input)}`
          : undefined,
    })
    .min(1, { error: `the list after ${word}: is empty; list at least one condition` });
}

export const FlowCondition: z.ZodType<FlowFileCondition> = z.lazy(() =>
  z
    .object(
      {
        get all() {
          return conditionList("all")
            .optional()
            .meta({ description: "Holds when every condition in the list holds." });
        },
        get any() {
          return conditionList("any")
            .optional()
            .meta({ description: "Holds when at least one condition in the list holds." });
        },
        get not() {
          return FlowCondition.optional().meta({ description: "Holds when the condition does not hold." });
        },
        replied: z.boolean().optional().meta({
          description: "true: the customer has replied in this flow (to a wait_for_reply); false: not yet.",
        }),
        tagged: TagName.optional().meta({
          description: "The customer has this tag (short for customer.tags: { contains: <tag> }).",
        }),
        owns: Owns.optional(),
      },
      {
        error: (iss) =>
          iss.code === "invalid_type"
            ? `expected conditions like { customer.attributes.vip: true } or { replied: true }, found ${describeFound(iss.input)}`
            : undefined,
      },
    )
    .catchall(FieldCondition)
    .superRefine(conditionKeysCheck, { when: () => true })
    .meta({
      id: "condition",
      description:
        "Conditions, all of which must hold: field: value (as in a trigger's where), replied: true/false, " +
        "tagged: <tag>, owns: { sku / category }, all: [ ... ], any: [ ... ], not: { ... }.",
      propertyNames: { pattern: CONDITION_KEY_PATTERN },
    }),
);
