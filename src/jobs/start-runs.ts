/**
 * Taking the first step of runs just committed to the store, for every cause of a run
 * (src/flows/run-start.ts decides which runs; this moves them). Two ways, one rule each:
 *   - "inline": the job that created the runs advances each at once (one queue hop fewer
 *     per run: events and dates, a handful of runs). A first step that fails goes to the
 *     steps queue and its retries;
 *   - "queued": one bulk add of their first steps (broadcasts: a page of hundreds of runs,
 *     in batch jobs of FIRST_STEPS_PER_BATCH, queues.ts, which the step workers spread).
 * Either way a run committed but not moved (a crash between the two) is the sweeper's,
 * which re-queues active runs without a wake-up after its grace period.
 */
import type { RunRow } from "../store/store.js";
import type { JobDeps } from "./deps.js";
import { advanceRun, type KnownFacts } from "./process-step.js";

export type FirstSteps = "inline" | "queued";

export async function takeFirstSteps(
  runs: readonly RunRow[],
  deps: JobDeps,
  how: "inline",
  /** The facts the runs started on, when the caller has them (process-step.ts: KnownFacts). */
  known?: KnownFacts,
): Promise<void>;
export async function takeFirstSteps(
  runs: ReadonlyArray<Pick<RunRow, "id">>,
  deps: Pick<JobDeps, "queues">,
  how: "queued",
): Promise<void>;
export async function takeFirstSteps(
  runs: ReadonlyArray<Pick<RunRow, "id">> | readonly RunRow[],
  deps: Pick<JobDeps, "queues"> | JobDeps,
  how: FirstSteps,
  known?: KnownFacts,
): Promise<void> {
  if (how === "queued") {
    await deps.queues.addFirstSteps(runs.map((r) => r.id));
    return;
  }
  const all = deps as JobDeps;
  for (const run of runs as readonly RunRow[]) {
    try {
      await advanceRun(run, all, undefined, known);
    } catch (err) {
      all.logger.warn(
        { runId: run.id, err: err instanceof Error ? err.message : String(err) },
        "first step failed; queued for retry",
      );
      await all.queues.addStep(run.id, run.seq);
    }
  }
}
