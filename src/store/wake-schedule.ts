/**
 * Runs waiting on time, by wake time, for the wake-up promoter (src/jobs/wake-promoter.ts),
 * and the promoter's watermark. A run waiting beyond the wake horizon has no job in
 * Redis: flow_runs (status 'waiting', wake_at; index flow_runs_status_wake) is where it
 * lives until the promoter hands it to BullMQ.
 */
import { sql } from "drizzle-orm";
import { flowRuns, wakePromotions } from "./schema.js";
import type { Database, Sql } from "./sql/handle.js";
import { query } from "./sql/query.js";
import type { WakeCursor, WakeStore, WakingRun } from "./store.js";

const p = sql.placeholder;
/** The one promoter there is: the steps queue's. */
const PROMOTER = "steps";

const runsWakingThrough = query<WakingRun>(sql`
  select id, seq, wake_at as "wakeAt" from ${flowRuns}
  where status = 'waiting' and wake_at <= ${p("through")}
  order by wake_at, id limit ${p("limit")}`);
// Keyset on (wake_at, id): `wake_at >= after` bounds the index range, the `or` drops
// the runs at that very time already listed (many runs can share a millisecond).
const runsWakingAfter = query<WakingRun>(sql`
  select id, seq, wake_at as "wakeAt" from ${flowRuns}
  where status = 'waiting' and wake_at >= ${p("afterWake")} and wake_at <= ${p("through")}
    and (wake_at > ${p("afterWake")} or id > ${p("afterId")})
  order by wake_at, id limit ${p("limit")}`);
const watermark = query<{ promotedThrough: number }>(sql`
  select promoted_through as "promotedThrough" from ${wakePromotions} where id = ${p("id")}`);
const upsertWatermark = query(sql`
  insert into ${wakePromotions} (id, promoted_through, updated_at)
  values (${p("id")}, ${p("through")}, ${p("now")})
  on conflict (id) do update set promoted_through = excluded.promoted_through, updated_at = excluded.updated_at`);

export async function listRunsWaking(
  t: Sql,
  after: WakeCursor | null,
  through: number,
  limit: number,
): Promise<WakingRun[]> {
  const rows = after
    ? await t.all(runsWakingAfter, { afterWake: after.wakeAt, afterId: after.id, through, limit })
    : await t.all(runsWakingThrough, { through, limit });
  // Numbers on both backends (int8 is parsed as a number on Postgres); seq is an integer.
  return rows.map((r) => ({ id: r.id, seq: Number(r.seq), wakeAt: Number(r.wakeAt) }));
}

export async function getWakeWatermark(t: Sql): Promise<number | null> {
  const row = await t.get(watermark, { id: PROMOTER });
  return row ? Number(row.promotedThrough) : null;
}

/**
 * Last writer wins, on purpose: a promoter only ever writes a value it has promoted up
 * to, and one lower than another's (a slow tick overlapping a faster one) only makes the
 * next tick re-add wake-ups: a job still there is not added twice, and one added again
 * finds its run moved on (promote-wake-ups.ts).
 */
export async function setWakeWatermark(t: Sql, through: number, now: number): Promise<void> {
  await t.run(upsertWatermark, { id: PROMOTER, through, now });
}

export function wakeScheduleStore(db: Database): WakeStore {
  return {
    listRunsWaking: (after, through, limit) => db.read((t) => listRunsWaking(t, after, through, limit)),
    getWakeWatermark: () => db.read((t) => getWakeWatermark(t)),
    setWakeWatermark: (through, now) => db.tx((t) => setWakeWatermark(t, through, now)),
  };
}
