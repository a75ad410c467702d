/**
 * Contract of the flow interpreter, shared by src/flows (pure) and src/jobs (I/O).
 *
 * A Flow is what a YAML file in config/flows becomes after parsing and validation.
 * A RunState is the part of a flow run the interpreter reads and writes; the store
 * keeps it as JSON beside the run's row. advance() turns (flow, run, input, now)
 * into a new RunState plus Effects, which src/jobs applies in one store transaction.
 * Nothing here reads the clock or does I/O: `now` is epoch milliseconds, passed in.
 */

/** A condition on one field: equality with a scalar, or an operator object. */
export type FieldCondition =
  | string
  | number
  | boolean
  | { in: Array<string | number | boolean> }
  | { not: string | number | boolean }
  | { exists: boolean };

/** `where` block: every listed field must satisfy its condition (AND). Keys are dotted paths. */
export type Where = Record<string, FieldCondition>;

export type EntryRule = "once" | "once_per_product" | "every_time";

export interface Trigger {
  /** Event type, e.g. "registration", "purchase". */
  event: string;
  where?: Where;
}

/**
 * A branch condition: the `where` language for one field, the `replied` fact (has this
 * run taken a human reply), and the combinators all / any / not. A YAML condition map
 * with several keys becomes `all` of one condition per key (sorted by key, so the
 * flow's version does not depend on the order the keys were written in).
 */
export type Condition =
  | { type: "field"; field: string; is: FieldCondition }
  | { type: "replied"; value: boolean }
  | { type: "all"; conditions: Condition[] }
  | { type: "any"; conditions: Condition[] }
  | { type: "not"; condition: Condition };

/** One choice of a `branch`: `when` null is the `else`. */
export interface BranchArm {
  when: Condition | null;
  steps: Step[];
}

export type Step =
  | { id: string; type: "send"; template: string }
  | { id: string; type: "wait"; durationMs: number; duration: string }
  | {
      id: string;
      type: "wait_for_reply";
      /** How long to wait for a reply before taking onTimeout. */
      timeoutMs: number;
      timeout: string;
      onReply: Step[];
      onTimeout: Step[];
    }
  /** Send a template to the team (brand settings' team address), not to the customer. */
  | { id: string; type: "notify"; template: string }
  /** The first arm whose condition holds (or the else arm) runs; then the step after the branch. */
  | { id: string; type: "branch"; arms: BranchArm[] }
  /** Ends the run (completed). */
  | { id: string; type: "exit"; reason: string | null };

export type StepType = Step["type"];

export interface Flow {
  id: string;
  name: string;
  /** Free text for people reading the file; no effect on behaviour, not part of `version`. */
  description?: string;
  /** Stable hash of the flow's meaning (not its formatting); runs record it. */
  version: string;
  /** Path of the YAML file it came from, for messages. */
  file: string;
  trigger: Trigger;
  entry: EntryRule;
  steps: Step[];
  /**
   * Where things are in `file`, so checks made after parsing (a `send` naming a missing
   * template) can still point at a line. Optional: flows built in code have none.
   * Not part of `version`.
   */
  positions?: FlowPositions;
}

/** A 1-based line and column in a flow's YAML file. */
export interface SourcePosition {
  line: number;
  col: number;
}

export interface StepPosition {
  /** The step's id (unique in the flow). */
  id: string;
  /** The step's place in the file as a setting path, e.g. "steps[1].on_reply[0]". */
  path: string;
  /** The step itself. */
  step: SourcePosition;
  /** Its main value: the template of a send/notify, the duration of a wait, the list of a branch... */
  value: SourcePosition;
}

export interface FlowPositions {
  /** One entry per step, nested steps included, in reading order (a step before its sub-steps). */
  steps: StepPosition[];
}

export type RunStatus = "active" | "waiting" | "completed" | "failed";

/**
 * Where a run is in its flow's (possibly nested) step lists. [i] is flow.steps[i]; each
 * further pair (list, index) enters a sub-list of the step reached so far, then a step in
 * it. Sub-lists of a step: wait_for_reply: 0 = on_reply, 1 = on_timeout; branch: the
 * arm's number (0-based, in file order, else being the last). Example: [2, 0, 1] is the
 * second step of on_reply of the wait_for_reply at flow.steps[2]. An index one past the
 * end of a list means "that list is done".
 */
export type Cursor = number[];

/** A human reply a run took (it answered a wait_for_reply). */
export interface RunReply {
  /** The wait_for_reply step it answered. */
  stepId: string;
  interactionId: string;
  /** When the reply arrived, epoch ms. */
  at: number;
}

export interface RunState {
  /** The step to execute next, or the one being waited on. */
  cursor: Cursor;
  status: RunStatus;
  /** Epoch ms when a waiting run should be woken (a wait's end, a wait_for_reply's timeout); null when not waiting. */
  wakeAt: number | null;
  /** What a waiting run waits for: the end of a `wait` ("time") or a reply ("reply"); null when not waiting. */
  waitingFor: "time" | "reply" | null;
  /** Epoch ms when the current wait began; null when not waiting. A reply from before it does not answer it. */
  waitingSince: number | null;
  /** Replies this run took, oldest first: the `replied` fact, and a guard against taking one reply twice. */
  replies: RunReply[];
}

export type AdvanceInput =
  | { type: "start" }
  | { type: "wake" }
  /** A human reply (an interaction recorded by the jobs layer) arrived at `at` (epoch ms). */
  | { type: "reply"; interactionId: string; at: number };

export type Effect =
  /** Queue an outgoing message to the customer, rendered from `template`. */
  | { type: "send"; stepId: string; template: string }
  /** Queue an outgoing message to the team (the brand's team address), rendered from `template`. */
  | { type: "notify"; stepId: string; template: string }
  /** Wake this run again at `at` (epoch ms). */
  | { type: "schedule"; stepId: string; at: number }
  /** Record that a step was executed (the run's history). */
  | { type: "step"; stepId: string; stepType: StepType; at: number; detail?: string }
  /** The run reached its end. */
  | { type: "complete"; at: number };

export interface AdvanceResult {
  run: RunState;
  effects: Effect[];
}

export interface AdvanceOptions {
  /**
   * Multiplies every wait's duration (and every wait_for_reply's timeout). 1 in
   * production; a small factor lets a demo or an integration test see "14 days" pass in
   * seconds without faking time.
   */
  waitScale?: number;
  /**
   * What a branch's field conditions are evaluated against: the run's customer (as it is
   * now), product and the event that started the run. Needed only when a branch tests a
   * field; advance() throws if such a branch is reached without facts. The `replied` fact
   * is not passed in: it comes from RunState.replies.
   */
  facts?: TriggerFacts;
}

/** Facts a trigger's `where` (and a branch's field conditions) are evaluated against. */
export interface TriggerFacts {
  event: { type: string; properties: Record<string, unknown> };
  customer: Record<string, unknown>;
  product?: Record<string, unknown> | undefined;
}

/** Everything a branch condition can test: the trigger facts plus facts about the run. */
export type ConditionFacts = TriggerFacts & { run: { replied: boolean } };
