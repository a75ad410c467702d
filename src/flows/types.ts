/**
 * Contract of the flow interpreter, shared by src/flows (pure) and src/jobs (I/O).
 *
 * A Flow is what a YAML file in config/flows becomes after parsing and validation.
 * A RunState is the part of a flow run the interpreter reads and writes; the store
 * keeps it as JSON beside the run's row. advance() turns (flow, run, input, now)
 * into a new RunState plus Effects, which src/jobs applies in one store transaction.
 * Nothing here reads the clock or does I/O: `now` is epoch milliseconds, passed in.
 */

export type Scalar = string | number | boolean;

/**
 * A point in time a date condition compares with, as written: "30 days ago", "in 2 weeks",
 * "now", or a calendar date "2026-01-31" (00:00 UTC) / an ISO instant. Relative ones are
 * measured from the `now` the condition is evaluated at.
 */
export type DateBound = string;

/** A condition on one field: equality with a scalar, or an operator object. */
export type FieldCondition =
  | Scalar
  | { in: Scalar[] }
  | { not: Scalar }
  | { exists: boolean }
  /** Numeric comparisons (at least one; all given must hold): `{ gte: 3, lt: 10 }`. A non-number never matches. */
  | { gt?: number; gte?: number; lt?: number; lte?: number }
  /**
   * Date comparisons (at least one; both given: between). The field holds epoch ms or an
   * ISO date/time text; `before: "30 days ago"` = more than 30 days ago.
   */
  | { before?: DateBound; after?: DateBound }
  /** The field is a list holding this value (tags: `customer.tags: { contains: vip }`). */
  | { contains: Scalar }
  /** The field is text matching this regular expression, ignoring case: `reply.text: { matches: "^(yes|4040)$" }`. */
  | { matches: string };

/** `where` block: every listed field must satisfy its condition (AND). Keys are dotted paths. */
export type Where = Record<string, FieldCondition>;

/**
 * How often one customer can enter the flow. The object form (`entry: { at_most_once_in:
 * "30 days" }`) lets a customer in again only when their last run of this flow started
 * at least `windowMs` ago (see entryWindow in rules.ts).
 */
export const ENTRY_RULES = ["once", "once_per_product", "every_time"] as const;
export type EntryRule =
  | (typeof ENTRY_RULES)[number]
  | { rule: "at_most_once_in"; windowMs: number; window: string };

/** What happens to runs under way when a flow's file changes (Flow.runsInFlight). */
export const RUNS_IN_FLIGHT = ["keep", "move"] as const;

export interface EventTrigger {
  /** Event type, e.g. "registration", "purchase". */
  event: string;
  where?: Where;
}

/** The dates a date trigger (and wait_until) can be anchored to. */
export const DATE_FIELDS = ["customer.birthday", "ownership.started"] as const;
export type DateField = (typeof DATE_FIELDS)[number];

/**
 * A yearly date: the customer's birthday, or the anniversary of the run's ownership
 * (registration or purchase), at a local time of day in the customer's time zone.
 * The jobs layer schedules it with nextOccurrence() (dates.ts); `where` narrows it as
 * for events.
 */
export interface DateTrigger {
  date: DateField;
  every: "year";
  /** Local time of day, "HH:MM" (24 h). */
  at: string;
  where?: Where;
}

export type Trigger = EventTrigger | DateTrigger;

/** The kinds of products/customers flows can be written for. */
export const RELATIONSHIPS = ["one_time", "repeat"] as const;
export type Relationship = (typeof RELATIONSHIPS)[number];

/**
 * A branch condition: the `where` language for one field, the `replied` fact (has this
 * run taken a human reply), and the combinators all / any / not. A YAML condition map
 * with several keys becomes `all` of one condition per key (sorted by key, so the
 * flow's version does not depend on the order the keys were written in).
 */
export type Condition =
  | { type: "field"; field: string; is: FieldCondition }
  | { type: "replied"; value: boolean }
  /**
   * The customer owns a product matching every given key (facts.ownerships; disposed
   * ownerships do not count). `owns: { sku: X }`, `owns: { category: turntable }`.
   */
  | { type: "owns"; sku?: Scalar; category?: Scalar }
  | { type: "all"; conditions: Condition[] }
  | { type: "any"; conditions: Condition[] }
  | { type: "not"; condition: Condition };

/** One choice of a `branch`: `when` null is the `else`. */
export interface BranchArm {
  when: Condition | null;
  steps: Step[];
}

export type Step =
  /** `transactional` and `topic` override the flow's for this message (see Flow). */
  | {
      id: string;
      type: "send";
      template: string;
      transactional?: boolean;
      topic?: string;
      /** Absent: email. */
      channel?: SendChannel;
    }
  | { id: string; type: "wait"; durationMs: number; duration: string }
  | {
      id: string;
      type: "wait_for_reply";
      /** How long to wait for a reply before taking onTimeout. */
      timeoutMs: number;
      timeout: string;
      /** keep_as: the customer attribute ("customer.attributes.<name>") the reply's words are kept in. */
      keepAs?: string;
      onReply: Step[];
      onTimeout: Step[];
    }
  /** Send a template to the team (brand settings' team address), not to the customer. */
  | { id: string; type: "notify"; template: string }
  /** The first arm whose condition holds (or the else arm) runs; then the step after the branch. */
  | { id: string; type: "branch"; arms: BranchArm[] }
  /** Ends the run (completed). */
  | { id: string; type: "exit"; reason: string | null }
  /** Waits until a local date/time; see WaitUntil. */
  | { id: string; type: "wait_until"; until: WaitUntil }
  /**
   * Waits for an event of `event` type for this customer, up to the timeout; then
   * onEvent or onTimeout, then the step after it.
   */
  | {
      id: string;
      type: "wait_for";
      event: string;
      timeoutMs: number;
      timeout: string;
      onEvent: Step[];
      onTimeout: Step[];
    }
  /** Adds and removes customer tags (`tag: vip`, `untag: trial`). */
  | { id: string; type: "tag"; add: string[]; remove: string[] }
  /** Sets customer attributes: `set: { customer.attributes.tier: gold }` (fields sorted). */
  | { id: string; type: "set"; values: Array<{ field: string; value: Scalar }> };

/**
 * Where a wait_until ends, in the customer's time zone:
 *   - `date` (optional): a customer/ownership date or a calendar date "YYYY-MM-DD".
 *     customer.birthday means the next birthday (yearly); ownership.started and a
 *     calendar date are one day. `offsetMs` shifts it (whole days move the local date;
 *     a remainder is added to the instant), then `at` is the local time (default 09:00).
 *     A date already past (or missing from the facts) does not wait.
 *   - no `date`: the next `at` (now or later) on one of `days`.
 *   - `days` (optional, Monday = 0): with `date`, moves it forward to the next such day.
 */
export interface WaitUntil {
  date?: DateField | string;
  offsetMs?: number;
  offset?: string;
  /** "HH:MM", local. */
  at: string;
  /** Allowed weekdays, 0 = Monday ... 6 = Sunday, sorted; absent: any day. */
  days?: number[];
}

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
  /**
   * Only for products (or customers) of this relationship: the flow starts only when
   * product.relationship (else customer.attributes.relationship) equals it.
   */
  relationship?: Relationship;
  /**
   * Its messages answer something the customer did (an acknowledgement): they are sent at
   * once, exempt from the send window and the frequency cap (send-policy.ts).
   */
  transactional?: boolean;
  /**
   * What its messages are about, as the customer chooses it (a topic of config/rapport.yaml):
   * a customer who turned the topic off gets none of them (transactional ones excepted).
   * A send step may name its own. Checked against the brand's topics by check.ts.
   */
  topic?: string;
  /**
   * What happens to runs under way when the file changes: "keep" (default: they finish on
   * their version) or "move" (to the new version, at the step with the same id; see
   * migrate.ts). Not part of `version`: it says how to change versions, not what a run does.
   */
  runsInFlight?: (typeof RUNS_IN_FLIGHT)[number];
  /** Checked before every step: when it holds, the run ends ("exited"). */
  exitWhen?: Condition;
  /** Checked before every step (before exitWhen): when it holds, the run ends "converted". */
  goal?: Condition;
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
  /** A send step's own `topic:` value, when it has one. */
  topic?: SourcePosition;
  /** A branch's arms: each one's `if:` condition (or `else:` list), in order. */
  arms?: SourcePosition[];
}

export interface FlowPositions {
  /** One entry per step, nested steps included, in reading order (a step before its sub-steps). */
  steps: StepPosition[];
  /** The flow's `topic:` value, when it has one. */
  topic?: SourcePosition;
  /** The trigger's event name (or date), and its `where:`, `exit_when:` and `goal:` when given: where checks of their conditions point. */
  trigger?: SourcePosition;
  where?: SourcePosition;
  exitWhen?: SourcePosition;
  goal?: SourcePosition;
}

export type RunStatus = "active" | "waiting" | "completed" | "failed";

/**
 * How a completed run ended when a flow-level rule ended it: exit_when held ("exited") or
 * its goal was reached ("converted"). Runs that ended by their steps have none.
 */
export type RunOutcome = "exited" | "converted";

/**
 * Where a run is in its flow's (possibly nested) step lists. [i] is flow.steps[i]; each
 * further pair (list, index) enters a sub-list of the step reached so far, then a step in
 * it. Sub-lists of a step: wait_for_reply: 0 = on_reply, 1 = on_timeout; branch: the
 * arm's number (0-based, in file order, else being the last). Example: [2, 0, 1] is the
 * second step of on_reply of the wait_for_reply at flow.steps[2]. wait_for: 0 = on_event,
 * 1 = on_timeout. An index one past the
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
  /** Its new text (at most 1000 characters), for `reply.text` in branch conditions; absent before it was kept. */
  text?: string;
}

export interface RunState {
  /** The step to execute next, or the one being waited on. */
  cursor: Cursor;
  status: RunStatus;
  /** Epoch ms when a waiting run should be woken (a wait's end, a wait_for_reply's timeout); null when not waiting. */
  wakeAt: number | null;
  /**
   * What a waiting run waits for: the end of a `wait` / `wait_until` ("time"), a reply
   * ("reply"), or an event ("event", of type waitingForEvent); null when not waiting.
   */
  waitingFor: "time" | "reply" | "event" | null;
  /** The event type a run with waitingFor "event" waits for; absent (or null) otherwise. */
  waitingForEvent?: string | null;
  /** Epoch ms when the current wait began; null when not waiting. A reply from before it does not answer it. */
  waitingSince: number | null;
  /** Replies this run took, oldest first: the `replied` fact, and a guard against taking one reply twice. */
  replies: RunReply[];
  /**
   * Events this run took (each answered a wait_for), oldest first: a guard against taking
   * one twice. Absent when none (and in states stored before wait_for existed).
   */
  events?: RunEvent[];
  /** Set when a flow-level rule (goal, exit_when) completed the run; absent otherwise. */
  outcome?: RunOutcome;
  /**
   * "broadcast": a broadcast (product news to every owner) started the run, so its messages
   * are news (MessageCategory). Absent for runs started by the customer's own events or dates.
   */
  origin?: "broadcast";
  /**
   * The RAPPORT_WAIT_SCALE the current wait was scheduled at, when not 1 (written by the
   * jobs layer, never read by the interpreter): a start at another scale rescales what is
   * left of the wait (src/store/rescale-waits.ts). Absent: 1.
   */
  waitScale?: number;
}

/** An event a run took (it answered a wait_for). */
export interface RunEvent {
  stepId: string;
  eventType: string;
  eventId: string;
  at: number;
}

export type AdvanceInput =
  | { type: "start" }
  | { type: "wake" }
  /** A human reply (an interaction recorded by the jobs layer) arrived at `at` (epoch ms). */
  | { type: "reply"; interactionId: string; at: number; text?: string }
  /** An event of the run's customer (stored by the jobs layer) happened at `at` (epoch ms). */
  | { type: "event"; eventType: string; eventId: string; at: number };

/**
 * What kind of mail a message is, which decides what the customer's choices can stop:
 *   - transactional: answers something the customer did (the step's or flow's
 *     `transactional: true`); goes despite an unsubscribe, outside the window and the cap;
 *   - news: sent because of a broadcast (product news to every owner);
 *   - relationship: everything else (check-ins, birthdays, anniversaries).
 */
export const MESSAGE_CATEGORIES = ["transactional", "relationship", "news"] as const;
/** email (the default), sms, or preferred (the customer's choice, else email): what a send step names. */
export const SEND_CHANNELS = ["email", "sms", "preferred"] as const;
export type SendChannel = (typeof SEND_CHANNELS)[number];

export type MessageCategory = (typeof MESSAGE_CATEGORIES)[number];

export type Effect =
  /**
   * Queue an outgoing message to the customer, rendered from `template`. transactional:
   * exempt from the send window and the frequency cap (the step's, else the flow's);
   * category follows from it and the run's origin; topic: the step's, else the flow's.
   */
  | {
      type: "send";
      stepId: string;
      template: string;
      transactional?: true;
      category: MessageCategory;
      topic?: string;
      /** Absent: email. */
      channel?: SendChannel;
    }
  /** Queue an outgoing message to the team (the brand's team address), rendered from `template`. */
  | { type: "notify"; stepId: string; template: string }
  /** Wake this run again at `at` (epoch ms). */
  | { type: "schedule"; stepId: string; at: number }
  /** Add and remove tags on the run's customer (either list may be empty). */
  | { type: "tag"; stepId: string; add: string[]; remove: string[] }
  /** Set one field of the run's customer; `field` is always "customer.attributes.<name>". */
  | { type: "set"; stepId: string; field: string; value: Scalar }
  /**
   * Record that a step was executed (the run's history). stepType "goal" / "exit_when"
   * (stepId the same word) records a flow-level rule that ended the run.
   */
  | { type: "step"; stepId: string; stepType: StepType | "goal" | "exit_when"; at: number; detail?: string }
  /** The run reached its end; `outcome` when a flow-level rule (goal, exit_when) ended it. */
  | { type: "complete"; at: number; outcome?: RunOutcome };

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
  /**
   * With no `facts`: throw FactsNeededError at the first point the advance would read them
   * (a field condition, a wait_until being entered), rather than decide without them. The
   * caller then reads the facts and advances again: most wake-ups (a wait that is over,
   * then a send) never need them, and reading them is most of a wake-up's store work.
   */
  factsOnDemand?: boolean;
  /**
   * The brand's time zone (IANA), used by wait_until when facts.customer.timezone is
   * missing or not a zone Intl knows (the brand's; a required argument: no zone is
   * guessed in src/flows).
   */
  defaultTimezone: string;
}

/**
 * Facts a trigger's `where` (and a branch's field conditions) are evaluated against.
 *
 * customer: email, name, locale, timezone (IANA), birthday ("YYYY-MM-DD" or "MM-DD"),
 * tags (string[]), attributes.
 * product: sku, name, category, serial, relationship ("one_time" | "repeat").
 * ownership: the run's ownership (the product registered or bought): status ("active" |
 * "disposed"), started (epoch ms or ISO text), kind ("registration" | "purchase").
 * ownerships: all the customer's ownerships, for `owns` conditions (needed only then).
 * For a date trigger, event is { type: "date", properties: { field, occurrence } }.
 */
export interface TriggerFacts {
  event: { type: string; properties: Record<string, unknown> };
  customer: Record<string, unknown>;
  product?: Record<string, unknown> | undefined;
  ownership?: Record<string, unknown> | undefined;
  ownerships?: OwnershipFact[] | undefined;
  /** The latest reply the run took (branch conditions only): `reply.text`. */
  reply?: { text: string } | undefined;
}

export interface OwnershipFact {
  sku: string;
  category: string | null;
  status: "active" | "disposed" | string;
  /** Epoch ms or ISO text. */
  startedAt: number | string;
  kind: "registration" | "purchase" | string;
}

/** Everything a branch condition can test: the trigger facts plus facts about the run. */
export type ConditionFacts = TriggerFacts & { run: { replied: boolean } };
