/**
 * Postgres: the two statements of a flow step that writes only its run (a wait, most
 * steps of a long flow), shared by the steps in flight at once (sql/call-batch.ts).
 *   - getRun: the runs asked for together are read by one `id = any(…)` select (sql/rows-by-id.ts).
 *   - an advance that writes only the run and its history (run-advance.ts,
 *     writesOnlyTheRun): the advances asked for together are one statement, an
 *     UPDATE … FROM unnest(…) with their history rows inserted in it, so one commit.
 * Each advance keeps its optimistic concurrency: a run is updated only if it is still at
 * the seq its step loaded, and its history is inserted only if it was. Two advances of
 * one run never share a statement (which of them took would be undefined).
 */
import { sql } from "drizzle-orm";
import { toRun } from "./rows.js";
import { runAdvanceValues, writeRunOnlyAdvance } from "./run-advance.js";
import { flowRuns, runSteps } from "./schema.js";
import { callBatcher, inKeyOrder } from "./sql/call-batch.js";
import { columnsOf } from "./sql/columns.js";
import type { Database } from "./sql/handle.js";
import { query } from "./sql/query.js";
import { rowsById } from "./sql/rows-by-id.js";
import { unnestArrays } from "./sql/unnest-arrays.js";
import type { AdvanceOutcome, RunAdvance, RunRow } from "./store.js";

type RunRecord = typeof flowRuns.$inferSelect;
const p = sql.placeholder;

/** Most runs one statement reads or advances. */
export const MAX_RUNS_PER_STATEMENT = 100;

const runsByIds = query<RunRecord>(sql`
  select ${columnsOf(flowRuns)} from ${flowRuns} where id = any(cast(${p("ids")} as text[]))`);

// Arrays, one element per advance (and per history row), so the statement's text and its
// prepared plan are the same whatever the batch's size.
const advanceRuns = query<RunRecord>(sql`
  with input as (
    select * from unnest(cast(${p("runIds")} as text[]), cast(${p("expectedSeqs")} as bigint[]),
      cast(${p("states")} as text[]), cast(${p("statuses")} as text[]), cast(${p("wakeAts")} as bigint[]),
      cast(${p("places")} as text[]), cast(${p("outcomes")} as text[]), cast(${p("nows")} as bigint[]),
      cast(${p("completedAts")} as bigint[]), cast(${p("errors")} as text[]), cast(${p("flowVersions")} as text[]))
      as i (run_id, expected_seq, state, status, wake_at, place, outcome, now, completed_at, error, flow_version)
  ),
  moved as (
    update ${flowRuns} set state = i.state, status = i.status, wake_at = i.wake_at, place = i.place,
      outcome = i.outcome, seq = i.expected_seq + 1, updated_at = i.now, completed_at = i.completed_at,
      error = i.error, flow_version = coalesce(i.flow_version, ${flowRuns}.flow_version)
    from input i
    where ${flowRuns}.id = i.run_id and ${flowRuns}.seq = i.expected_seq
    returning ${columnsOf(flowRuns)}
  ),
  history as (
    insert into ${runSteps} (run_id, seq, step_id, step_type, at, detail)
    select moved.id, moved.seq, h.step_id, h.step_type, h.at, h.detail
    from unnest(cast(${p("stepRunIds")} as text[]), cast(${p("stepIds")} as text[]),
      cast(${p("stepTypes")} as text[]), cast(${p("stepAts")} as bigint[]), cast(${p("stepDetails")} as text[]))
      with ordinality as h (run_id, step_id, step_type, at, detail, n)
    inner join moved on moved.id = h.run_id
    -- The history's ids count in the order of the steps, as one advance's own insert would.
    order by h.n
  )
  select * from moved`);

/** advanceRuns' arrays for these advances: each one's values as advanceRun's, and its history rows. */
function advanceArrays(advances: RunAdvance[]): Record<string, unknown[]> {
  const runs = unnestArrays(advances.map(runAdvanceValues), {
    runIds: "runId",
    expectedSeqs: "expectedSeq",
    states: "state",
    statuses: "status",
    wakeAts: "wakeAt",
    places: "place",
    outcomes: "outcome",
    nows: "now",
    completedAts: "completedAt",
    errors: "error",
    flowVersions: "flowVersion",
  });
  const history = unnestArrays(
    advances.flatMap((a) => a.steps.map((step) => ({ runId: a.runId, ...step }))),
    { stepRunIds: "runId", stepIds: "stepId", stepTypes: "stepType", stepAts: "at", stepDetails: "detail" },
  );
  return { ...runs, ...history };
}

export interface RunBatches {
  getRun(id: string): Promise<RunRow | null>;
  /** For advances that write only the run and its history (writesOnlyTheRun). */
  applyRunOnlyAdvance(advance: RunAdvance): Promise<AdvanceOutcome>;
}

export function runBatches(db: Database): RunBatches {
  const getRunBatched = rowsById(db, runsByIds, toRun);
  // The shared call is the statement alone: what comes after it is each caller's own, so
  // a failure there cannot make a batch that committed run again (and find itself stale).
  const advanceBatched = callBatcher<RunAdvance, RunRecord | undefined>(
    async (advances) => {
      const sorted = inKeyOrder(advances, (a) => a.runId);
      const moved = await db.writeReturningAll(advanceRuns, advanceArrays(sorted));
      const byId = new Map(moved.map((r) => [r.id, r]));
      return advances.map((a) => byId.get(a.runId));
    },
    {
      max: MAX_RUNS_PER_STATEMENT,
      alone: (a) => writeRunOnlyAdvance(db, a),
      keyOf: (a) => a.runId,
    },
  );
  return {
    getRun: getRunBatched,
    async applyRunOnlyAdvance(a) {
      const moved = await advanceBatched(a);
      if (moved) return { applied: true, run: toRun(moved), messages: [] };
      // Not applied (moved on since it was loaded): the run as it is now.
      return { applied: false, run: await getRunBatched(a.runId) };
    },
  };
}
