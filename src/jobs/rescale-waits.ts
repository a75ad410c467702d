/**
 * Demo mode at start: with RAPPORT_WAIT_SCALE other than 1, what already waits in the
 * store (runs scheduled at another scale, messages postponed by the send policy) is
 * rescaled (src/store/rescale-waits.ts) and queued for its new time, so the README's
 * demo tells its whole story even after a start at scale 1. At scale 1 it does nothing.
 */
import type { JobDeps } from "./deps.js";
import { wakeUpDelay } from "./wake-horizon.js";

export async function rescaleWaits(
  deps: Pick<JobDeps, "store" | "queues" | "clock" | "logger" | "waitScale" | "wakeHorizonMs">,
): Promise<{ runs: number; messages: number }> {
  if (deps.waitScale === 1) return { runs: 0, messages: 0 };
  const now = deps.clock.now();
  const moved = await deps.store.rescaleWaits(deps.waitScale, now);
  for (const run of moved.runs) {
    // Beyond the wake horizon the promoter queues it, as any run (wake-horizon.ts).
    const delay = wakeUpDelay(run.wakeAt, now, deps.wakeHorizonMs);
    if (delay !== null) await deps.queues.moveStep(run.id, run.seq, delay);
  }
  for (const id of moved.messages) await deps.queues.addDelivery(id);
  if (moved.runs.length > 0 || moved.messages.length > 0)
    deps.logger.info(
      { runs: moved.runs.length, messages: moved.messages.length, waitScale: deps.waitScale },
      "RAPPORT_WAIT_SCALE: rescaled the runs already waiting and released postponed messages",
    );
  return { runs: moved.runs.length, messages: moved.messages.length };
}
