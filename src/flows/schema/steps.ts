/**
 * A step of a flow: the union of every step form, with the steps that hold steps of
 * their own (wait_for_reply, wait_for, branch) and `exit`. The schemas are recursive.
 */
import { z } from "zod";
import { describeFound } from "../describe.js";
import { closest } from "../suggest.js";
import { FlowCondition } from "./conditions.js";
import { SetStep, TagStep, UntagStep } from "./customer-steps.js";
import { NotifyStep, SendStep } from "./messages.js";
import { EventName, StepId } from "./names.js";
import { durationText, WaitDuration } from "./times.js";
import { WaitStep, WaitUntilStep } from "./waits.js";
import { isMissing, type RawIssue } from "./words.js";

/** What the steps of a flow file look like once validated: inferred from the schema below. */
export type FlowFileStep = z.output<typeof Step>;

/** One choice of a branch, as validated. */
export type FlowFileArm = z.output<typeof Arm>;

/** A list of steps inside a step; the getters below name this type so the recursion has an end. */
type NestedSteps = z.ZodOptional<z.ZodNullable<z.ZodArray<typeof StepRef>>>;
type ArmSteps = z.ZodNullable<z.ZodArray<typeof StepRef>>;

/**
 * Every list of steps holds Step through this one lazy reference (Step is defined further
 * down), so the JSON Schema names the step once, as "step".
 */
const StepRef: z.ZodLazy<typeof Step> = z.lazy(() => Step);

/** The keys that make a step what it is, in the order messages list them. */
export const STEP_KINDS = [
  "send",
  "wait",
  "wait_until",
  "wait_for",
  "wait_for_reply",
  "notify",
  "branch",
  "tag",
  "untag",
  "set",
  "exit",
] as const;

const STEP_EXAMPLES =
  '"- send: thank-you", "- wait: 14 days", "- wait_for_reply: 7 days", "- notify: owner-message-to-team", "- tag: vip", "- branch: ..." or "- exit"';

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

const ReplyTimeout = WaitDuration.meta({
  description:
    'How long to wait for a reply before giving up (taking on_timeout), e.g. "7 days". A reply that arrives in time takes on_reply.',
  examples: ["7 days", "10 days"],
});

/** Steps inside a step (on_reply, then, ...): a list, possibly empty; nothing at all means an empty list. */
function nestedSteps(description: string): NestedSteps {
  return z
    .array(StepRef, {
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
    get on_reply(): NestedSteps {
      return nestedSteps(
        "Steps to take when the customer replies before the timeout; then the flow carries on after this wait_for_reply.",
      );
    },
    get on_timeout(): NestedSteps {
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

const WaitForStep = z
  .strictObject({
    wait_for: z
      .strictObject(
        {
          event: EventName.meta({ description: "The event to wait for, e.g. purchase." }),
          timeout: durationText(
            'missing "timeout": say how long to wait for the event, e.g. timeout: 30 days',
          ).meta({ description: 'How long to wait for it before taking on_timeout, e.g. "30 days".' }),
        },
        {
          error: (iss) =>
            iss.code === "invalid_type" && !isMissing(iss)
              ? `expected the event and a timeout, like wait_for: { event: ${typeof iss.input === "string" ? iss.input : "purchase"}, timeout: 30 days }, found ${describeFound(iss.input)}`
              : undefined,
        },
      )
      .meta({
        description: 'The event and how long to wait for it: { event: purchase, timeout: "30 days" }.',
      }),
    id: StepId.optional(),
    get on_event(): NestedSteps {
      return nestedSteps(
        "Steps to take when the event happens in time; then the flow carries on after this wait_for.",
      );
    },
    get on_timeout(): NestedSteps {
      return nestedSteps("Steps to take when the event did not happen in time (optional).");
    },
  })
  .meta({
    title: "wait_for",
    description:
      "Wait until the customer's next event of a type (e.g. a purchase) or the timeout, and take on_event or on_timeout.",
  });

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

/** A branch choice's list of steps (called lazily: Step is defined further down). */
function armSteps(description: string): ArmSteps {
  return z
    .array(StepRef, {
      error: (iss) =>
        iss.code === "invalid_type" && iss.input !== undefined
          ? `expected a list of steps, each line starting with "- ", found ${describeFound(iss.input)}`
          : undefined,
    })
    .nullable()
    .meta({ description });
}

const IfArm = z
  .strictObject({
    if: FlowCondition,
    else: Neither,
    // biome-ignore lint/suspicious/noThenProperty: the flow file's key is "then"; this shape is never awaited.
    get then(): ArmSteps {
      return armSteps("The steps to take when the condition holds.");
    },
  })
  .meta({
    title: "if",
    description: "Take `then` when the conditions hold (and no earlier choice was taken).",
  });

const ElseArm = z
  .strictObject({
    if: Neither,
    get else(): ArmSteps {
      return armSteps("The steps to take when no choice above was taken.");
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

const Step = z
  .union(
    [
      SendStep,
      WaitStep,
      WaitUntilStep,
      WaitForStep,
      WaitForReplyStep,
      NotifyStep,
      BranchStep,
      TagStep,
      UntagStep,
      SetStep,
      ExitStep,
      ExitWord,
    ],
    { error: stepError },
  )
  .meta({ id: "step" });

export const Steps = z
  .array(StepRef, {
    error: (iss) =>
      isMissing(iss)
        ? 'missing "steps": a flow needs at least one step, e.g. steps: [ { send: thank-you } ]'
        : `expected a list of steps, each line starting with "- ", found ${describeFound(iss.input)}`,
  })
  .min(1, { error: 'a flow needs at least one step; "steps" is empty' })
  .meta({
    description: "What the flow does, in order: send, wait, wait_for_reply, notify, branch or exit.",
  });
