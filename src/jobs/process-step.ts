/**
 * steps queue: one advance of one run. The interpreter decides (pure); this applies
 * its effects in one store transaction, then queues the run's next wake-up (unless it
 * is beyond the wake horizon: wake-horizon.ts) and sends the new outbox rows (a failed
 * send continues on the deliveries queue). A wake-up job for a seq the run has moved
 * past is stale and does nothing.
 *
 * A reply job (data.reply) or an event job (data.event, for wait_for) is different: it
 * must reach the run whatever seq the run is at by then, so it loads the current state.
 * One the run does not take (it is not waiting for it, or already took it) changes
 * nothing and writes nothing, so the run's pending wake-up stays valid. If another job
 * moved the run between load and write, the job fails and BullMQ retries it: a reply or
 * an event is never dropped on a race.
 */
import { addressOf } from "../config/brand.js";
import { flowHasConditions, flowReadsReplies, flowTestsOwnerships } from "../flows/conditions.js";
import { advance, FactsNeededError } from "../flows/interpreter.js";
import { moveRun, stepAtCursor } from "../flows/migrate.js";
import { foldTagChanges } from "../flows/tags.js";
import type { AdvanceInput, Effect, Flow, RunState, TriggerFacts } from "../flows/types.js";
import type {
  AppliedAdvance,
  CustomerChanges,
  EventRow,
  IngestedEvent,
  NewMessage,
  RunAdvance,
  RunRow,
} from "../store/store.js";
import type { JobDeps } from "./deps.js";
import { deliverNow, outsideTheCap } from "./process-delivery.js";
import type { StepJob } from "./queues.js";
import { triggerFacts } from "./trigger-facts.js";
import { wakeUpDelay } from "./wake-horizon.js";

export type StepOutcome = "applied" | "stale" | "finished" | "ignored";

/** A reply or event job lost a race with another step of the same run; it is retried. */
export class RunMovedError extends Error {
  constructor(runId: string) {
    super(`run ${runId} moved on while a reply or event was being applied; retrying`);
    this.name = "RunMovedError";
  }
}

/** Who a notify step writes to: the brand's team address, else its support address. */
export function teamAddressOf(brand: JobDeps["brand"]): string | null {
  const mailbox = brand.teamAddress ?? brand.supportAddress;
  return mailbox ? addressOf(mailbox) : null;
}

/**
 * The definition a run advances with, and its state in that definition's terms: the
 * version it started on (from the record of flow versions) when the file has changed
 * since, so an edit never moves a waiting run to a step it was not at; or, for a flow
 * with `runs_in_flight: move`, the current version at the step with the same id
 * (migrate.ts), when the run can move. A version missing from the record (runs older
 * than it) falls back to the current definition.
 */
async function flowOfRun(
  run: RunRow,
  current: Flow,
  deps: JobDeps,
): Promise<{ flow: Flow; state: RunState; movedFrom?: string }> {
  if (current.version === run.flowVersion) return { flow: current, state: run.state };
  const key = `${run.flowId}@${run.flowVersion}`;
  const past = deps.pastFlows?.get(key) ?? (await deps.store.getFlowVersion(run.flowId, run.flowVersion));
  if (!past) {
    deps.logger.warn(
      { runId: run.id, version: run.flowVersion },
      "run's flow version is not on record; using the current one",
    );
    return { flow: current, state: run.state };
  }
  deps.pastFlows?.set(key, past);
  if (current.runsInFlight === "move") {
    const moved = moveRun(past, current, run.state);
    if (moved.ok) return { flow: current, state: moved.state, movedFrom: run.flowVersion };
    deps.logger.warn(
      { runId: run.id, reason: moved.reason },
      "run cannot move to the new version; it keeps its own",
    );
  }
  return { flow: past, state: run.state };
}

/** Derives the Message-ID header from the outbox row id: replies find their row by it. */
export function messageIdHeaderFor(id: string, domain: string): string {
  return `<${id}@${domain}>`;
}

export async function processStep(data: StepJob, deps: JobDeps): Promise<StepOutcome> {
  const run = await deps.store.getRun(data.runId);
  if (!run) return "stale";
  if (data.reply) {
    // The reply's words, for `reply.text` conditions and keep_as; only flows that use them read them.
    const current = deps.flows.get(run.flowId);
    const text =
      current && flowReadsReplies(current)
        ? await deps.store.interactionText(data.reply.interactionId)
        : null;
    return advanceRun(run, deps, { type: "reply", ...data.reply, ...(text !== null ? { text } : {}) });
  }
  if (data.event) return advanceRun(run, deps, { type: "event", ...data.event });
  if (run.seq !== data.seq) return "stale";
  return advanceRun(run, deps);
}

/**
 * The facts of a run its caller already holds: the event that started it and what that
 * event's ingest wrote, in the transaction that created the run (the events job, a
 * moment ago). A first step given them reads none of it back from the store.
 */
export interface KnownFacts {
  event: Pick<EventRow, "type" | "body">;
  ingested: IngestedEvent;
}

/**
 * One advance of `run` as loaded (at its seq): the steps job's work, also called by the
 * events job for a run it has just started. applyAdvance only writes if the run is
 * still at that seq, so a second advance from the same row is "stale" and does nothing.
 * With `arrival`, the advance brings a reply or an event to the run (see the top of this file).
 * With `known`, conditions are decided on those facts instead of a store read, unless the
 * flow tests the customer's other ownerships (`owns`), which `known` does not hold.
 */
export async function advanceRun(
  run: RunRow,
  deps: JobDeps,
  arrival?: Extract<AdvanceInput, { type: "reply" | "event" }>,
  known?: KnownFacts,
): Promise<StepOutcome> {
  const { store, clock } = deps;
  if (run.status === "completed" || run.status === "failed") return "finished";

  const now = clock.now();
  const current = deps.flows.get(run.flowId);
  if (!current) {
    const failed: RunState = { ...run.state, status: "failed", wakeAt: null };
    await store.applyAdvance({
      runId: run.id,
      expectedSeq: run.seq,
      state: failed,
      steps: [],
      messages: [],
      now,
      error: `flow "${run.flowId}" is no longer in config/flows`,
    });
    deps.logger.error({ runId: run.id, flowId: run.flowId }, "run's flow is gone; run failed");
    return "applied";
  }
  const { flow, state, movedFrom } = await flowOfRun(run, current, deps);

  const input: AdvanceInput = arrival ? arrival : run.seq === 0 ? { type: "start" } : { type: "wake" };
  // A timed wake-up: how late it runs against when it was due (queue delay, promoter, sweeper).
  if (input.type === "wake" && state.waitingFor === "time" && typeof state.wakeAt === "number")
    deps.metrics?.wakeUpRan((now - state.wakeAt) / 1000);
  // Conditions and wait_until read the customer as they are now. Only an advance that
  // reaches one pays for the lookup: it is first decided without the facts (factsOnDemand),
  // and decided again with them if it stopped where it needed them.
  const decide = (facts: TriggerFacts | undefined, factsOnDemand = false) =>
    advance(flow, state, input, now, {
      waitScale: deps.waitScale,
      facts,
      factsOnDemand,
      defaultTimezone: deps.brand.defaultTimezone,
    });
  let result: ReturnType<typeof advance>;
  if (!flowHasConditions(flow)) result = decide(undefined);
  else if (known && !flowTestsOwnerships(flow)) result = decide(triggerFacts(known.event, known.ingested));
  else {
    try {
      result = decide(undefined, true);
    } catch (err) {
      if (!(err instanceof FactsNeededError)) throw err;
      result = decide(await storedFacts(run, deps));
    }
  }
  if (arrival && result.effects.length === 0) return "ignored";

  // What a step sends because the customer wrote answers what they wrote: it threads under it.
  const answering =
    arrival?.type === "reply" ? await store.interactionMessageId(arrival.interactionId) : null;
  const planned = plannedWrite(run, flow, state, result, now, deps, answering, movedFrom);
  const outcome = await store.applyAdvance(planned.advance);
  if (!outcome.applied) {
    if (arrival) throw new RunMovedError(run.id);
    return "stale";
  }
  await afterAdvance(outcome, planned.wakeAt, deps);
  return "applied";
}

/** An advance decided: the rows one store transaction writes, and the wake-up to queue after it. */
export interface PlannedAdvance {
  advance: RunAdvance;
  wakeAt: number | null;
}

/** The interpreter's result as the write applyAdvance makes. */
function plannedWrite(
  run: RunRow,
  flow: Flow,
  state: RunState,
  result: ReturnType<typeof advance>,
  now: number,
  deps: Pick<JobDeps, "brand" | "newId" | "waitScale">,
  answering: string | null,
  movedFrom?: string,
): PlannedAdvance {
  const { messages, steps, wakeAt, customer } = collectEffects(
    result.effects,
    () => {
      const id = deps.newId();
      return { id, messageIdHeader: messageIdHeaderFor(id, deps.brand.replyDomain) };
    },
    teamAddressOf(deps.brand),
    answering,
  );
  if (movedFrom) {
    // On the run's record, before what it does on the new version.
    steps.unshift({
      stepId: stepAtCursor(flow, state.cursor)?.id ?? "(start)",
      stepType: "version",
      at: now,
      detail: `moved from version ${movedFrom} to ${flow.version}`,
    });
  }
  return {
    advance: {
      runId: run.id,
      expectedSeq: run.seq,
      state: withWaitScale(result.run, deps.waitScale),
      steps,
      messages,
      ...(customer ? { customer } : {}),
      ...(movedFrom ? { flowVersion: flow.version } : {}),
      now,
    },
    wakeAt,
  };
}

/**
 * A new run's first step decided from the facts its creator holds, with no store read and
 * no I/O, so the creator can write it in the transaction that creates the run (one commit
 * fewer per run). Null when that cannot be done here: the flow is gone or tests the
 * customer's other ownerships (a read), or deciding throws; the step is then taken after
 * the commit by advanceRun, where a failure goes to the steps queue and its retries.
 */
export function planFirstAdvance(
  run: RunRow,
  deps: Pick<JobDeps, "flows" | "brand" | "newId" | "waitScale">,
  known: KnownFacts,
  now: number,
): PlannedAdvance | null {
  const flow = deps.flows.get(run.flowId);
  if (!flow || flow.version !== run.flowVersion || run.seq !== 0 || run.status !== "active") return null;
  if (flowHasConditions(flow) && flowTestsOwnerships(flow)) return null;
  try {
    const facts = flowHasConditions(flow) ? triggerFacts(known.event, known.ingested) : undefined;
    const result = advance(flow, run.state, { type: "start" }, now, {
      waitScale: deps.waitScale,
      facts,
      defaultTimezone: deps.brand.defaultTimezone,
    });
    return plannedWrite(run, flow, run.state, result, now, deps, null);
  } catch {
    return null;
  }
}

/**
 * After an advance committed: its next wake-up queued (unless beyond the wake horizon) and
 * its new messages sent. A crash before either leaves the run or the message to the sweeper.
 */
export async function afterAdvance(
  outcome: AppliedAdvance,
  wakeAt: number | null,
  deps: JobDeps,
): Promise<void> {
  try {
    if (wakeAt !== null) {
      // Read after the commit: see wake-horizon.ts for why the promoter then misses nothing.
      const delay = wakeUpDelay(wakeAt, deps.clock.now(), deps.wakeHorizonMs);
      if (delay !== null) await deps.queues.addNextStep(outcome.run.id, outcome.run.seq, delay);
    }
  } finally {
    // The new messages are due now: sent here, not by a deliveries job (see deliverNow).
    // Sent even when queuing the wake-up failed (the job fails, its retry finds the run
    // moved on, and the wake-up is the sweeper's): a message need not wait for that too.
    for (const m of outcome.messages) await deliverNow(m.id, deps, { uncapped: outsideTheCap(m) });
  }
}

/**
 * The state as stored: a wait scheduled at a RAPPORT_WAIT_SCALE other than 1 says so, so
 * that a start at another scale can rescale what is left of it (src/store/rescale-waits.ts).
 */
export function withWaitScale(state: RunState, waitScale: number): RunState {
  const { waitScale: _was, ...rest } = state;
  return waitScale !== 1 && rest.wakeAt !== null ? { ...rest, waitScale } : rest;
}

/** The facts a run's conditions are decided on, as the store has them now (its other ownerships included). */
async function storedFacts(run: RunRow, deps: JobDeps) {
  const context = await deps.store.runContext(run.id);
  return context ? triggerFacts(context.event, context.ingested, context.ownerships) : undefined;
}

interface CollectedEffects {
  messages: NewMessage[];
  steps: Array<{ stepId: string; stepType: string; at: number; detail: string | null }>;
  wakeAt: number | null;
  /** Set when the effects change the customer (tag, untag, set). */
  customer?: CustomerChanges;
}

/** Turns the interpreter's effects into the rows one store transaction writes. */
export function collectEffects(
  effects: Effect[],
  newMessageId: () => { id: string; messageIdHeader: string },
  teamAddress: string | null = null,
  /** The Message-ID of the person's mail this advance answers (the reply it took): In-Reply-To of what it sends them. */
  inReplyTo: string | null = null,
): CollectedEffects {
  const out: CollectedEffects = { messages: [], steps: [], wakeAt: null };
  for (const effect of effects) {
    switch (effect.type) {
      case "send":
        out.messages.push({
          ...newMessageId(),
          stepId: effect.stepId,
          template: effect.template,
          ...(effect.transactional ? { transactional: true } : {}),
          category: effect.category,
          topic: effect.topic ?? null,
          ...(effect.channel ? { channel: effect.channel } : {}),
          ...(inReplyTo ? { inReplyTo } : {}),
        });
        break;
      case "schedule":
        out.wakeAt = effect.at;
        break;
      case "step":
        out.steps.push({
          stepId: effect.stepId,
          stepType: effect.stepType,
          at: effect.at,
          detail: effect.detail ?? null,
        });
        break;
      case "complete":
        break;
      case "notify":
        // `rapport validate` refuses notify steps without a team address; this guards a hand-built brand.
        if (!teamAddress) throw new Error("a notify step needs brand.teamAddress or brand.supportAddress");
        out.messages.push({
          ...newMessageId(),
          stepId: effect.stepId,
          template: effect.template,
          audience: "team",
          toAddress: teamAddress,
          // A note to the team is not mail the customer could opt out of.
          category: "transactional",
        });
        break;
      case "tag": {
        out.customer ??= { addTags: [], removeTags: [], attributes: {} };
        const c = out.customer;
        // In order (tags.ts): a later untag of a tag added earlier in the same advance wins, and the reverse.
        const net = foldTagChanges([{ add: c.addTags, remove: c.removeTags }, effect]);
        c.addTags = net.add;
        c.removeTags = net.remove;
        break;
      }
      case "set": {
        out.customer ??= { addTags: [], removeTags: [], attributes: {} };
        const c = out.customer;
        c.attributes[effect.field.replace(/^customer\.attributes\./, "")] = effect.value;
        break;
      }
      default: {
        const never: never = effect;
        throw new Error(`unknown effect ${JSON.stringify(never)}`);
      }
    }
  }
  return out;
}
