/**
 * The wake horizon (RAPPORT_WAKE_HORIZON_MS): a run waking within it gets its delayed
 * step job in Redis at once; one waking later gets none and lives only in the store
 * (flow_runs: status 'waiting', wake_at) until the promoter (wake-promoter.ts) reaches
 * it, so Redis holds nothing per run for waits of days or months.
 *
 * Why nothing is missed: the step reads the clock for this decision after its advance
 * has committed, and the promoter reads the clock before it lists runs. A run the
 * promoter's listing did not see was committed after that read, so its wake time is
 * beyond the step's now + horizon, hence beyond the promoter's: past the watermark the
 * promoter leaves, and found by its next tick.
 */

/** The delay of a run's wake-up job, or null when the run waits beyond the horizon (no job). */
export function wakeUpDelay(wakeAt: number, now: number, horizonMs: number | undefined): number | null {
  const delay = wakeAt - now;
  if (horizonMs === undefined || delay <= horizonMs) return delay;
  return null;
}
