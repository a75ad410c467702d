/**
 * Demo mode (RAPPORT_WAIT_SCALE) on a store that already holds waits: a rapport started at
 * one scale finds runs waiting and messages postponed at another (the README's demo starts
 * at 1, then again scaled down), and the days they still wait are scaled too.
 *
 * Contract: rescaleWaits(scale, now), in one transaction:
 *   - every run waiting on a time after `now` whose state was scheduled at another scale
 *     (RunState.waitScale, absent: 1) wakes at now + (wakeAt - now) × scale / its scale,
 *     in its state and its wake_at, and its state records the new scale, so a second start
 *     at the same scale changes nothing;
 *   - every queued message postponed past `now` (the send window, the cap) loses its
 *     not-before: its delivery asks the (scaled) policy again.
 * It returns what it moved, for the caller to queue. Only demo starts call it (scale ≠ 1):
 * it reads every waiting run.
 */
import { sql } from "drizzle-orm";
import type { RunState } from "../flows/types.js";
import { flowRuns, messages } from "./schema.js";
import type { Database } from "./sql/handle.js";
import { query } from "./sql/query.js";
import type { RescaledWaits } from "./store.js";

const p = sql.placeholder;

const waitingAfter = query<{ id: string; seq: number; state: string; wakeAt: number }>(sql`
  select id, seq, state, wake_at as "wakeAt" from ${flowRuns}
  where status = 'waiting' and wake_at > ${p("now")}`);
const moveRun = query(sql`
  update ${flowRuns} set state = ${p("state")}, wake_at = ${p("wakeAt")}, updated_at = ${p("now")}
  where id = ${p("id")} and seq = ${p("seq")}`);
const release = query<{ id: string }>(sql`
  update ${messages} set not_before = null, updated_at = ${p("now")}
  where status = 'queued' and not_before > ${p("now")}
  returning id`);

export function rescaleWaitsStore(db: Database) {
  return {
    rescaleWaits: (scale: number, now: number): Promise<RescaledWaits> =>
      db.tx(async (t) => {
        const runs: RescaledWaits["runs"] = [];
        for (const row of await t.all(waitingAfter, { now })) {
          const state = JSON.parse(row.state) as RunState;
          const was = state.waitScale ?? 1;
          if (was === scale) continue;
          const wakeAt = now + Math.round((Number(row.wakeAt) - now) * (scale / was));
          const moved: RunState = { ...state, wakeAt, waitScale: scale };
          await t.run(moveRun, { id: row.id, seq: row.seq, state: JSON.stringify(moved), wakeAt, now });
          runs.push({ id: row.id, seq: Number(row.seq), wakeAt });
        }
        const released = (await t.all(release, { now })).map((r) => r.id);
        return { runs, messages: released };
      }),
  };
}
