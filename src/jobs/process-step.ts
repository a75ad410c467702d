/**
 * steps queue: one advance of one run. The interpreter decides (pure); this applies
 * its effects in one store transaction, then queues what follows: deliveries for new
 * outbox rows and the run's next wake-up. A job for a seq the run has moved past is
 * stale and does nothing.
 */
import { advance } from "../flows/interpreter.js";
import type { AdvanceInput, Effect, RunState } from "../flows/types.js";
import type { NewMessage, RunRow } from "../store/store.js";
import type { JobDeps } from "./deps.js";
import type { StepJob } from "./queues.js";

export type StepOutcome = "applied" | "stale" | "finished";

/** Derives the Message-ID header from the outbox row id: replies find their row by it. */
export function messageIdHeaderFor(id: string, domain: string): string {
  return `<${id}@${domain}>`;
}

export async function processStep(data: StepJob, deps: JobDeps): Promise<StepOutcome> {
  const run = await deps.store.getRun(data.runId);
  if (!run || run.seq !== data.seq) return "stale";
  return advanceRun(run, deps);
}

/**
 * One advance of `run` as loaded (at its seq): the steps job's work, also called by the
 * events job for a run it has just started. applyAdvance only writes if the run is
 * still at that seq, so a second advance from the same row is "stale" and does nothing.
 */
export async function advanceRun(run: RunRow, deps: JobDeps): Promise<StepOutcome> {
  const { store, queues, clock } = deps;
  if (run.status === "completed" || run.status === "failed") return "finished";

  const now = clock.now();
  const flow = deps.flows.get(run.flowId);
  if (!flow) {
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

  const input: AdvanceInput = run.seq === 0 ? { type: "start" } : { type: "wake" };
  const result = advance(flow, run.state, input, now, { waitScale: deps.waitScale });

  const { messages, steps, wakeAt } = collectEffects(result.effects, () => {
    const id = deps.newId();
    return { id, messageIdHeader: messageIdHeaderFor(id, deps.brand.replyDomain) };
  });

  const outcome = await store.applyAdvance({
    runId: run.id,
    expectedSeq: run.seq,
    state: result.run,
    steps,
    messages,
    now,
  });
  if (!outcome.applied) return "stale";
  for (const m of outcome.messages) await queues.addDelivery(m.id);
  if (wakeAt !== null) await queues.addStep(run.id, outcome.run.seq, wakeAt - clock.now());
  return "applied";
}

interface CollectedEffects {
  messages: NewMessage[];
  steps: Array<{ stepId: string; stepType: string; at: number; detail: string | null }>;
  wakeAt: number | null;
}

/** Turns the interpreter's effects into the rows one store transaction writes. */
export function collectEffects(
  effects: Effect[],
  newMessageId: () => { id: string; messageIdHeader: string },
): CollectedEffects {
  const out: CollectedEffects = { messages: [], steps: [], wakeAt: null };
  for (const effect of effects) {
    switch (effect.type) {
      case "send":
        out.messages.push({ ...newMessageId(), stepId: effect.stepId, template: effect.template });
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
      default: {
        const never: never = effect;
        throw new Error(`unknown effect ${JSON.stringify(never)}`);
      }
    }
  }
  return out;
}
