/**
 * The flow interpreter: given a flow, a run's state, what happened (start or wake-up)
 * and the time, decides the run's next state and what should be done (effects).
 *
 * Contract (see types.ts): advance() is pure and total. From `run.cursor` it executes
 * steps in order:
 *   - send: emits `send` + `step`, moves on;
 *   - wait, not yet waiting on it: wakeAt = now + round(durationMs × waitScale), status
 *     "waiting", emits `schedule` + `step` ("until <ISO time>"), stops;
 *   - wait, waiting on it and now >= wakeAt: the wait is over, moves on (its `step` was
 *     recorded when it began);
 *   - wait, woken early: emits only `schedule` for the same wakeAt and changes nothing,
 *     so a duplicate or early wake-up job is harmless.
 * Past the last step: status "completed", emits `complete`. A completed or failed run
 * gets no effects and is returned unchanged. `start` and `wake` are treated alike: both
 * mean "do what is due now", which makes a retried job idempotent.
 * No clock, no I/O, no randomness: `now` is epoch ms, passed in.
 */
import type { AdvanceInput, AdvanceOptions, AdvanceResult, Effect, Flow, RunState } from "./types.js";

export function initialRun(): RunState {
  return { cursor: 0, status: "active", wakeAt: null };
}

export function advance(
  flow: Flow,
  run: RunState,
  _input: AdvanceInput,
  now: number,
  opts: AdvanceOptions = {},
): AdvanceResult {
  if (run.status === "completed" || run.status === "failed") return { run, effects: [] };
  const scale = opts.waitScale ?? 1;
  if (!Number.isFinite(scale) || scale < 0) {
    throw new RangeError(`waitScale must be a finite number >= 0, got ${String(opts.waitScale)}`);
  }

  const effects: Effect[] = [];
  let cursor = run.cursor;
  // Only the step the run was parked on can be "already waiting"; later waits start fresh.
  let waitingUntil = run.status === "waiting" ? run.wakeAt : null;

  // Each iteration either moves the cursor forward or returns, so this ends within steps.length + 1 rounds.
  for (;;) {
    const step = flow.steps[cursor];
    if (step === undefined) {
      effects.push({ type: "complete", at: now });
      return { run: { cursor, status: "completed", wakeAt: null }, effects };
    }
    switch (step.type) {
      case "send":
        effects.push({ type: "send", stepId: step.id, template: step.template });
        effects.push({
          type: "step",
          stepId: step.id,
          stepType: "send",
          at: now,
          detail: `template ${step.template}`,
        });
        cursor += 1;
        waitingUntil = null;
        break;
      case "wait": {
        if (waitingUntil !== null) {
          if (now < waitingUntil) {
            effects.push({ type: "schedule", stepId: step.id, at: waitingUntil });
            return { run: { cursor, status: "waiting", wakeAt: waitingUntil }, effects };
          }
          cursor += 1;
          waitingUntil = null;
          break;
        }
        const wakeAt = now + Math.round(step.durationMs * scale);
        effects.push({ type: "schedule", stepId: step.id, at: wakeAt });
        effects.push({
          type: "step",
          stepId: step.id,
          stepType: "wait",
          at: now,
          detail: `until ${new Date(wakeAt).toISOString()}`,
        });
        return { run: { cursor, status: "waiting", wakeAt }, effects };
      }
      default: {
        const unknown: never = step;
        throw new Error(`unknown step type in flow ${flow.id}: ${JSON.stringify(unknown)}`);
      }
    }
  }
}
