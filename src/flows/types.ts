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

export type Step =
  | { id: string; type: "send"; template: string }
  | { id: string; type: "wait"; durationMs: number; duration: string };

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

export interface FlowPositions {
  /** One entry per step, same order as Flow.steps: the step itself and its send/wait value. */
  steps: Array<{ step: SourcePosition; value: SourcePosition }>;
}

export type RunStatus = "active" | "waiting" | "completed" | "failed";

export interface RunState {
  /** Index into flow.steps of the step to execute next (or being waited on). */
  cursor: number;
  status: RunStatus;
  /** Epoch ms when a waiting run should be woken; null when not waiting. */
  wakeAt: number | null;
}

export type AdvanceInput = { type: "start" } | { type: "wake" };

export type Effect =
  /** Queue an outgoing message rendered from `template`. */
  | { type: "send"; stepId: string; template: string }
  /** Wake this run again at `at` (epoch ms). */
  | { type: "schedule"; stepId: string; at: number }
  /** Record that a step was executed (the run's history). */
  | { type: "step"; stepId: string; stepType: Step["type"]; at: number; detail?: string }
  /** The run reached its end. */
  | { type: "complete"; at: number };

export interface AdvanceResult {
  run: RunState;
  effects: Effect[];
}

export interface AdvanceOptions {
  /**
   * Multiplies every wait's duration. 1 in production; a small factor lets a
   * demo or an integration test see "14 days" pass in seconds without faking time.
   */
  waitScale?: number;
}

/** Facts a trigger's `where` is evaluated against. */
export interface TriggerFacts {
  event: { type: string; properties: Record<string, unknown> };
  customer: Record<string, unknown>;
  product?: Record<string, unknown> | undefined;
}
