/**
 * The shape of a flow file (config/flows/*.yaml), as a zod v4 schema.
 *
 * Contract: FlowFileSchema validates the plain data a YAML flow file parses to; objects
 * are strict (an unknown key is an error, because a misspelt `wiat:` silently ignored
 * would send the next email at once). It describes the file, not the Flow the
 * interpreter runs: parse.ts turns a valid FlowFile into a Flow (ids, durations in ms,
 * version). The same schema generates schema/flow.schema.json for editors, so it
 * carries descriptions, and uses only checks JSON Schema can express except where noted.
 *
 * Messages attached here are the field-specific ones, written for the marketing people
 * who edit these files; parse.ts supplies plain generic ones for everything else and
 * adds line, column and "did you mean".
 */
import { z } from "zod";
import { describeFound } from "./describe.js";
import { DURATION_PATTERN, durationProblem, isAcceptableWait } from "./duration.js";
import {
  CONDITION_KEY_PATTERN,
  conditionKeyProblem,
  WHERE_FIELD_PATTERN,
  whereFieldProblem,
} from "./fields.js";
import { ID_PATTERN, ID_RULE, slugify } from "./ids.js";
import { closest } from "./suggest.js";

type RawIssue = z.core.$ZodRawIssue;

/** True for the issue zod raises when a required key is absent. */
function isMissing(iss: RawIssue): boolean {
  return iss.code === "invalid_type" && iss.input === undefined;
}

/** An error function that only words the "this key is missing" case. */
function whenMissing(text: string) {
  return (iss: RawIssue): string | undefined => (isMissing(iss) ? text : undefined);
}

const EVENT_PATTERN = "^[a-z][a-z0-9_.-]*$";

const EventName = z
  .string({
    error: whenMissing('missing "event": say which event starts this flow, e.g. event: registration'),
  })
  .regex(new RegExp(EVENT_PATTERN), {
    error: (iss) => {
      const found = String(iss.input);
      const lower = found.toLowerCase();
      const hint = new RegExp(EVENT_PATTERN).test(lower) ? `; did you mean ${JSON.stringify(lower)}?` : "";
      return `expected an event name in lowercase letters, digits, ".", "_" or "-" (like registration or purchase), found ${JSON.stringify(found)}${hint}`;
    },
  })
  .meta({
    description: "The event that starts this flow, e.g. registration or purchase.",
    examples: ["registration"],
  });

const Scalar = z.union([z.string(), z.number(), z.boolean()], {
  error: (iss) => `expected a text, a number or true/false, found ${describeFound(iss.input)}`,
});

/** Why a `where` value is none of the allowed forms; only reached when no single form fits. */
function conditionError(iss: RawIssue): string | undefined {
  if (iss.code !== "invalid_union") return undefined;
  const input = iss.input;
  if (Array.isArray(input)) {
    return `found a list; to match any of several values write { in: [${input.map((v) => String(v)).join(", ")}] }`;
  }
  if (input !== null && typeof input === "object") {
    const ops = Object.keys(input).filter((k) => k === "in" || k === "not" || k === "exists");
    if (ops.length > 1)
      return `found ${ops.join(" and ")} together; use only one of in, not, exists per field`;
    return "expected one of { in: [...] }, { not: value }, { exists: true/false }";
  }
  return `expected a value to compare with (text, number or true/false), or one of { in: [...] }, { not: value }, { exists: true/false }; found ${describeFound(input)}`;
}

const FieldCondition = z
  .union(
    [
      z.string(),
      z.number(),
      z.boolean(),
      z.strictObject({
        in: z
          .array(Scalar)
          .min(1, { error: "the list after in: is empty; list at least one value" })
          .meta({ description: "Matches when the field equals any of these values." }),
      }),
      z.strictObject({
        not: Scalar.meta({
          description: "Matches when the field is anything but this value (or is missing).",
        }),
      }),
      z.strictObject({
        exists: z
          .boolean()
          .meta({ description: "true: the field must have a value; false: it must be missing." }),
      }),
    ],
    { error: conditionError },
  )
  .meta({
    description: "A value the field must equal, or { in: [a, b] }, { not: value }, { exists: true/false }.",
  });

const WhereField = z.string().regex(new RegExp(WHERE_FIELD_PATTERN), {
  error: (iss) => whereFieldProblem(String(iss.input)),
});

const Where = z.record(WhereField, FieldCondition).meta({
  description:
    "Only start the flow when every listed field matches. Fields: customer.email, customer.name, customer.locale, " +
    "customer.timezone, customer.birthday, customer.attributes.<name>, product.sku, product.name, " +
    "product.category, product.serial, event.properties.<name>.",
});

const Trigger = z
  .strictObject(
    { event: EventName, where: Where.optional() },
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
  .meta({ description: "When the flow starts: an event, optionally narrowed by `where`." });

export const ENTRY_RULES = ["once", "once_per_product", "every_time"] as const;

const Entry = z
  .enum(ENTRY_RULES)
  .default("once_per_product")
  .meta({
    description:
      "How often one customer can go through this flow: once (ever), once_per_product (once per registered product), " +
      "every_time (each matching event).",
  });

const StepId = z
  .string()
  .regex(new RegExp(ID_PATTERN), {
    error: (iss) => {
      const found = String(iss.input);
      const slug = slugify(found);
      const hint = slug && slug !== found ? `; did you mean ${JSON.stringify(slug)}?` : "";
      return `expected a step id made of ${ID_RULE} (like "thank-you"), found ${JSON.stringify(found)}${hint}`;
    },
  })
  .meta({
    description:
      'Optional name for this step, unique in the whole flow (nested steps included); defaults to "send-1", "wait-2", ... ' +
      '(inside on_reply, then, ...: "<parent id>.<list>.<type>-<n>", e.g. "answer.on_reply.send-1").',
  });

const TemplateName = z
  .string()
  .min(1, { error: "expected the name of a template (a folder in config/templates), found an empty text" })
  .meta({
    description: "The template to send: the name of a folder in config/templates.",
    examples: ["thank-you"],
  });

/** `wait:` given something other than text: most often a bare number (`wait: 14`). */
function notADuration(input: unknown): string {
  if (typeof input === "string") return durationProblem(input);
  const base = `expected a duration like "14 days" or "2h", found ${describeFound(input)}`;
  return typeof input === "number" ? `${base}; add a unit, e.g. "${input} days"` : base;
}

const WaitDuration = z
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

/** What the steps of a flow file look like once validated (the schemas below are recursive). */
export type FlowFileStep =
  | "exit"
  | { send: string; id?: string | undefined }
  | { wait: string; id?: string | undefined }
  | {
      wait_for_reply: string;
      id?: string | undefined;
      on_reply?: FlowFileStep[] | null | undefined;
      on_timeout?: FlowFileStep[] | null | undefined;
    }
  | { notify: string; id?: string | undefined }
  | { branch: FlowFileArm[]; id?: string | undefined }
  | { exit: string | null; id?: string | undefined };

export type FlowFileArm =
  | { if: FlowFileCondition; then: FlowFileStep[] | null }
  | { else: FlowFileStep[] | null };

/**
 * A condition map as written: field paths (with a where-style condition each), `replied`,
 * and the combinators `all`, `any` (lists of condition maps) and `not` (one condition map).
 */
export type FlowFileCondition = Record<string, unknown>;

/** The keys that make a step what it is, in the order messages list them. */
export const STEP_KINDS = ["send", "wait", "wait_for_reply", "notify", "branch", "exit"] as const;

const STEP_EXAMPLES =
  '"- send: thank-you", "- wait: 14 days", "- wait_for_reply: 7 days", "- notify: owner-message-to-team", "- branch: ..." or "- exit"';

/** Why a step is none of the step forms; only reached when no single form fits. */
function stepError(iss: RawIssue): string | undefined {
  if (iss.code !== "invalid_union") return undefined;
  const input = iss.input;
  if (input !== null && typeof input === "object" && !Array.isArray(input)) {
    const kinds = STEP_KINDS.filter((k) => k in input);
    if (kinds.length === 2) {
      return `a step does one thing: either ${kinds[0]} or ${kinds[1]}, not both; split it into two steps`;
    }
    if (kinds.length > 2) {
      return `a step does one thing, this one has ${kinds.join(", ")}; split it into one step each`;
    }
    return `a step needs one of ${STEP_KINDS.join(", ")}, e.g. ${STEP_EXAMPLES}`;
  }
  if (typeof input === "string") {
    const word = /^([a-z_]+)(\s+(.*))?$/.exec(input.trim());
    const kind = word?.[1];
    const rest = word?.[3]?.trim();
    if (kind && (STEP_KINDS as readonly string[]).includes(kind)) {
      if (rest) return `found ${JSON.stringify(input)}; a colon is missing: write "${kind}: ${rest}"`;
      return `found ${JSON.stringify(input)} alone; say what to ${kind.replaceAll("_", " ")}, e.g. ${STEP_EXAMPLES}`;
    }
    const guess = closest(kind ?? input, STEP_KINDS);
    if (guess === "exit" && !rest) return `found ${JSON.stringify(input)}; did you mean "exit"?`;
    if (guess !== null && kind) {
      return `found ${JSON.stringify(input)}; did you mean "${guess}:${rest ? ` ${rest}` : ""}"?`;
    }
  }
  return `expected a step like ${STEP_EXAMPLES}, found ${describeFound(input)}`;
}

const SendStep = z
  .strictObject({ send: TemplateName, id: StepId.optional() })
  .meta({ title: "send", description: "Send the customer an email made from a template." });

const WaitStep = z
  .strictObject({ wait: WaitDuration, id: StepId.optional() })
  .meta({ title: "wait", description: "Pause the flow before the next step." });

const ReplyTimeout = WaitDuration.meta({
  description:
    'How long to wait for a reply before giving up (taking on_timeout), e.g. "7 days". A reply that arrives in time takes on_reply.',
  examples: ["7 days", "10 days"],
});

/** Steps inside a step (on_reply, then, ...): a list, possibly empty; nothing at all means an empty list. */
function nestedSteps(description: string) {
  return z
    .array(Step, {
      error: (iss) =>
        iss.code === "invalid_type"
          ? `expected a list of steps, each line starting with "- ", found ${describeFound(iss.input)}`
          : undefined,
    })
    .nullable()
    .optional()
    .meta({ description });
}

const WaitForReplyStep = z
  .strictObject({
    wait_for_reply: ReplyTimeout,
    id: StepId.optional(),
    get on_reply() {
      return nestedSteps(
        "Steps to take when the customer replies before the timeout; then the flow carries on after this wait_for_reply.",
      );
    },
    get on_timeout() {
      return nestedSteps(
        "Steps to take when no reply came in time (optional; leave out to just carry on after this wait_for_reply).",
      );
    },
  })
  .meta({
    title: "wait_for_reply",
    description:
      "Wait until the customer replies or the time runs out, and take on_reply or on_timeout accordingly.",
  });

const NotifyStep = z
  .strictObject({
    notify: TemplateName.meta({
      description:
        "The template to send to the team (the address in brand settings): a folder in config/templates.",
      examples: ["owner-message-to-team"],
    }),
    id: StepId.optional(),
  })
  .meta({ title: "notify", description: "Send the team (not the customer) an email made from a template." });

const ExitReason = z
  .string({ error: (iss) => `expected a reason as text (or nothing), found ${describeFound(iss.input)}` })
  .trim()
  .min(1, { error: 'the reason is empty; write a reason or just "- exit"' })
  .nullable()
  .meta({ description: "Why the flow ends here, for timelines (optional)." });

const ExitStep = z
  .strictObject({ exit: ExitReason, id: StepId.optional() })
  .meta({ title: "exit", description: "End the flow here; later steps are not taken." });

const ExitWord = z
  .literal("exit")
  .meta({ title: "exit", description: "End the flow here; later steps are not taken." });

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
        "all: [ ... ], any: [ ... ], not: { ... }.",
      propertyNames: { pattern: CONDITION_KEY_PATTERN },
    }),
);

/** Why a branch choice is neither if/then nor else; only reached when no single form fits. */
function armError(iss: RawIssue): string | undefined {
  if (iss.code !== "invalid_union") return undefined;
  const input = iss.input;
  const example = 'each choice is "- if: <conditions>" with "then: <steps>" below it, or "- else: <steps>"';
  if (input !== null && typeof input === "object" && !Array.isArray(input)) {
    const has = (k: string) => Object.hasOwn(input, k);
    if (has("if") && has("else")) return NOT_BOTH;
    if (has("if"))
      return 'missing "then": say which steps to take when the condition holds, e.g. then: [ { send: vip-thanks } ]';
    if (has("then"))
      return '"then" needs an "if" with the condition, e.g. if: { customer.attributes.vip: true }';
    return example;
  }
  return `${example}; found ${describeFound(input)}`;
}

/** A key the other kind of choice has: never allowed, so `if` and `else` together get one clear message. */
const NOT_BOTH = 'a choice is either "if" (with "then") or "else", not both; make them two choices';
const Neither = z.never({ error: NOT_BOTH }).optional();

const IfArm = z
  .strictObject({
    if: FlowCondition,
    else: Neither,
    // biome-ignore lint/suspicious/noThenProperty: the flow file's key is "then"; this shape is never awaited.
    get then() {
      return z
        .array(Step, {
          error: (iss) =>
            iss.code === "invalid_type" && iss.input !== undefined
              ? `expected a list of steps, each line starting with "- ", found ${describeFound(iss.input)}`
              : undefined,
        })
        .nullable()
        .meta({ description: "The steps to take when the condition holds." });
    },
  })
  .meta({
    title: "if",
    description: "Take `then` when the conditions hold (and no earlier choice was taken).",
  });

const ElseArm = z
  .strictObject({
    if: Neither,
    get else() {
      return z
        .array(Step, {
          error: (iss) =>
            iss.code === "invalid_type" && iss.input !== undefined
              ? `expected a list of steps, each line starting with "- ", found ${describeFound(iss.input)}`
              : undefined,
        })
        .nullable()
        .meta({ description: "The steps to take when no choice above was taken." });
    },
  })
  .meta({ title: "else", description: "Taken when no choice above was taken; must be the last choice." });

const Arm = z.union([IfArm, ElseArm], { error: armError });

const BranchStep = z
  .strictObject({
    branch: z
      .array(Arm, {
        error: (iss) =>
          iss.code === "invalid_type"
            ? `expected a list of choices, each starting with "- if:" or "- else:", found ${describeFound(iss.input)}`
            : undefined,
      })
      .min(1, {
        error: 'a branch needs at least one choice, e.g. "- if: { replied: true }" with "then: [...]"',
      })
      .meta({
        description:
          "Choices tried from the top: the first `if` whose conditions hold has its `then` steps taken; else the `else` " +
          "steps (if any). Then the flow carries on after the branch.",
      }),
    id: StepId.optional(),
  })
  .meta({
    title: "branch",
    description: "Take different steps depending on conditions (if / else if / else).",
  });

const Step: z.ZodType<FlowFileStep> = z.lazy(() =>
  z
    .union([SendStep, WaitStep, WaitForReplyStep, NotifyStep, BranchStep, ExitStep, ExitWord], {
      error: stepError,
    })
    .meta({ id: "step" }),
);

const Steps = z
  .array(Step, {
    error: (iss) =>
      isMissing(iss)
        ? 'missing "steps": a flow needs at least one step, e.g. steps: [ { send: thank-you } ]'
        : `expected a list of steps, each line starting with "- ", found ${describeFound(iss.input)}`,
  })
  .min(1, { error: 'a flow needs at least one step; "steps" is empty' })
  .meta({
    description: "What the flow does, in order: send, wait, wait_for_reply, notify, branch or exit.",
  });

const Name = z
  .string({
    error: (iss) =>
      isMissing(iss)
        ? 'missing "name": give the flow a name people will recognise, e.g. name: Thank you for registering'
        : undefined,
  })
  .trim()
  .min(1, { error: "the name is empty; give the flow a name people will recognise" })
  .meta({ description: "A name people will recognise, shown in timelines and logs." });

export const FlowFileSchema = z
  .strictObject(
    {
      name: Name,
      description: z.string().optional().meta({ description: "Notes for people; rapport ignores it." }),
      trigger: Trigger,
      entry: Entry,
      steps: Steps,
    },
    {
      error: (iss) => {
        if (iss.code !== "invalid_type") return undefined;
        if (iss.input === null || iss.input === undefined) {
          return "the file is empty; a flow needs at least name, trigger and steps";
        }
        return `a flow file must contain settings like name:, trigger: and steps:, found ${describeFound(iss.input)}`;
      },
    },
  )
  .meta({
    title: "rapport flow",
    description: "One automated sequence of emails: when it starts, and which steps it takes.",
  });

/** What a valid flow file contains (after defaults: `entry` is always set). */
export type FlowFile = z.output<typeof FlowFileSchema>;
