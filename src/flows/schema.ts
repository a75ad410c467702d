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
import { WHERE_FIELD_PATTERN, whereFieldProblem } from "./fields.js";
import { ID_PATTERN, ID_RULE, slugify } from "./ids.js";

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

const Condition = z
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

const Where = z.record(WhereField, Condition).meta({
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
    description: 'Optional name for this step, unique in the flow; defaults to "send-1", "wait-2", ...',
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

/** Why a step is neither a send nor a wait; only reached when no single form fits. */
function stepError(iss: RawIssue): string | undefined {
  if (iss.code !== "invalid_union") return undefined;
  const input = iss.input;
  if (input !== null && typeof input === "object" && !Array.isArray(input)) {
    if ("send" in input && "wait" in input) {
      return "a step does one thing: either send or wait, not both; split it into two steps";
    }
    return 'a step needs either send: <template> or wait: <duration>, e.g. "- send: thank-you" or "- wait: 14 days"';
  }
  if (typeof input === "string" && /^(send|wait)\s/.test(input)) {
    return `found ${JSON.stringify(input)}; a colon is missing: write "${input.slice(0, 4)}: ${input.slice(5).trim()}"`;
  }
  return `expected a step like "send: thank-you" or "wait: 14 days", found ${describeFound(input)}`;
}

const SendStep = z
  .strictObject({ send: TemplateName, id: StepId.optional() })
  .meta({ title: "send", description: "Send an email made from a template." });

const WaitStep = z
  .strictObject({ wait: WaitDuration, id: StepId.optional() })
  .meta({ title: "wait", description: "Pause the flow before the next step." });

const Step = z.union([SendStep, WaitStep], { error: stepError });

const Steps = z
  .array(Step, {
    error: (iss) =>
      isMissing(iss)
        ? 'missing "steps": a flow needs at least one step, e.g. steps: [ { send: thank-you } ]'
        : `expected a list of steps, each line starting with "- ", found ${describeFound(iss.input)}`,
  })
  .min(1, { error: 'a flow needs at least one step; "steps" is empty' })
  .meta({ description: "What the flow does, in order: send a template, or wait." });

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
export type FlowFileStep = FlowFile["steps"][number];
