/**
 * The Database on Postgres (node-postgres pool). Each transaction holds one pooled
 * connection from BEGIN to COMMIT and hands the repository a handle on that connection
 * only. Isolation is READ COMMITTED; the invariants that many writers could break are
 * held by the database itself: unique indexes (entry keys, idempotency keys), row locks
 * (the customer row an ingest upserts, `FOR UPDATE` where a decision reads then writes)
 * and conditional updates (claims). A deadlock or serialization failure rolls back and
 * runs the transaction again, which is why `fn` must not do I/O beyond its handle.
 */
import pg from "pg";
import { type Database, HandleClosedError, type Sql, type Values } from "./handle.js";
import { bind, type Query } from "./query.js";

export interface PostgresOptions {
  /** Connections in the pool (DATABASE_POOL_SIZE). */
  poolSize: number;
  /** The schema rapport's tables live in (the URL's `?schema=`), else the server's search_path. */
  schema: string | null;
}

/** int8 (counts, epoch ms) and numeric (sums) as numbers: every one rapport stores fits in 2^53. */
const INT8 = 20;
const NUMERIC = 1700;
const types = {
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    oid === INT8 || oid === NUMERIC
      ? (v: string) => Number(v)
      : pg.types.getTypeParser(oid, format as "text")) as typeof pg.types.getTypeParser,
};

/** Serialization failure and deadlock: the transaction did nothing and may simply run again. */
const RETRYABLE = new Set(["40001", "40P01"]);
const MAX_TX_ATTEMPTS = 5;

export function postgresConfig(url: string, opts: PostgresOptions): pg.PoolConfig {
  return {
    connectionString: url,
    max: opts.poolSize,
    types,
    ...(opts.schema ? { options: `-c search_path=${quoteIdent(opts.schema)}` } : {}),
  };
}

export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function handleOn(client: pg.PoolClient): { handle: Sql; end(): void } {
  let open = true;
  const exec = async (q: Query<unknown>, values: Values | undefined) => {
    if (!open) throw new HandleClosedError();
    const bound = bind(q, "postgres", values);
    const params = bound.values.map((v) => (v === undefined ? null : v));
    return bound.name
      ? client.query({ name: bound.name, text: bound.text, values: params })
      : client.query(bound.text, params);
  };
  const handle: Sql = {
    dialect: "postgres",
    async all<Row>(q: Query<Row>, values?: Values) {
      return (await exec(q, values)).rows as Row[];
    },
    async get<Row>(q: Query<Row>, values?: Values) {
      return (await exec(q, values)).rows[0] as Row | undefined;
    },
    async run(q: Query<unknown>, values?: Values) {
      return (await exec(q, values)).rowCount ?? 0;
    },
  };
  return {
    handle,
    end: () => {
      open = false;
    },
  };
}

export function postgresDatabase(pool: pg.Pool, location: string): Database {
  const withClient = async <T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> => {
    const client = await pool.connect();
    let broken: Error | undefined;
    try {
      return await fn(client);
    } catch (err) {
      // A connection that failed mid-protocol is not handed to the next caller.
      if ((err as { code?: string }).code === undefined) broken = err as Error;
      throw err;
    } finally {
      client.release(broken);
    }
  };
  /** `fn` on a pooled connection, outside any transaction: each statement is its own. */
  const onOwn = <T>(fn: (t: Sql) => Promise<T>): Promise<T> =>
    withClient(async (client) => {
      const { handle, end } = handleOn(client);
      try {
        return await fn(handle);
      } finally {
        end();
      }
    });
  return {
    dialect: "postgres",
    location,
    async tx<T>(fn: (t: Sql) => Promise<T>): Promise<T> {
      for (let attempt = 1; ; attempt++) {
        try {
          return await withClient(async (client) => {
            const { handle, end } = handleOn(client);
            await client.query("BEGIN");
            try {
              const result = await fn(handle);
              await client.query("COMMIT");
              return result;
            } catch (err) {
              await client.query("ROLLBACK").catch(() => {});
              throw err;
            } finally {
              end();
            }
          });
        } catch (err) {
          const code = (err as { code?: string }).code;
          if (!code || !RETRYABLE.has(code) || attempt >= MAX_TX_ATTEMPTS) throw err;
        }
      }
    },
    // Autocommit: the statement is its own transaction. Not retried: a single statement
    // fails on a deadlock only when it waited on a lock, and the caller's job retries.
    write: (q, values) => onOwn((t) => t.run(q, values)),
    writeReturning: (q, values) => onOwn((t) => t.get(q, values)),
    writeReturningAll: (q, values) => onOwn((t) => t.all(q, values)),
    // An ordinary statement: the driver's I/O is asynchronous already.
    getLarge: (q, values) => onOwn((t) => t.get(q, values)),
    read: onOwn,
    close: () => pool.end(),
  };
}
