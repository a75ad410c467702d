/**
 * How the chaos runs are deployed, from the environment:
 *   CHAOS_WORKERS=N         1 (default): one `rapport start` process does everything, as in
 *                           production's smallest setup; N ≥ 2: one `rapport start --role http`
 *                           process takes the events and N `rapport worker` processes share
 *                           the work, on the run's Redis and store.
 *   CHAOS_DATABASE_URL=URL  unset (default): a SQLite file per run; a postgres:// URL: each
 *                           run gets a schema of its own on that database (dropped after).
 * A bad value is an error naming the variable and what was expected.
 */

export interface ChaosOptions {
  workers: number;
  /** The Postgres database runs get their schemas on; null: a SQLite file per run. */
  postgresUrl: string | null;
}

export function chaosOptions(env: Record<string, string | undefined> = process.env): ChaosOptions {
  const rawWorkers = env.CHAOS_WORKERS?.trim() || "1";
  const workers = Number(rawWorkers);
  if (!Number.isInteger(workers) || workers < 1 || workers > 16)
    throw new Error(`CHAOS_WORKERS: expected a whole number from 1 to 16, got "${rawWorkers}"`);
  const url = env.CHAOS_DATABASE_URL?.trim() || null;
  if (url !== null && !/^postgres(ql)?:\/\//.test(url))
    throw new Error(
      `CHAOS_DATABASE_URL: expected a postgres:// URL (unset: a SQLite file per run), got "${url}"`,
    );
  return { workers, postgresUrl: url };
}
