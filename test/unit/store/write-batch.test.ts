/**
 * Group commit (src/store/sql/tx-batch.ts, write-batch.ts) on a fake database that records
 * what it was asked: a lone write runs on its own, writes arriving meanwhile share one
 * transaction, and when a shared transaction fails each of its calls runs again alone.
 */
import { describe, expect, it } from "vitest";
import type { Database, Sql, Values } from "../../../src/store/sql/handle.js";
import { adhoc, type Query } from "../../../src/store/sql/query.js";
import { txBatcher } from "../../../src/store/sql/tx-batch.js";
import { MAX_BATCH, writeBatcher } from "../../../src/store/sql/write-batch.js";

type Call = { kind: "write"; ids: unknown[] } | { kind: "tx"; ids: unknown[] };

/** A database whose writes wait for `release()`, failing the ids in `failing`. */
function fakeDatabase(failing: Set<unknown> = new Set()) {
  const calls: Call[] = [];
  let gate: Promise<void> = Promise.resolve();
  let open: () => void = () => {};
  const hold = () => {
    gate = new Promise((ok) => {
      open = ok;
    });
  };
  const runOne = (values: Values | undefined) => {
    if (failing.has(values?.id)) throw new Error(`write of ${String(values?.id)} failed`);
    return 1;
  };
  const db: Database = {
    dialect: "sqlite",
    location: ":fake:",
    async write(_q: Query<unknown>, values?: Values) {
      calls.push({ kind: "write", ids: [values?.id] });
      await gate;
      return runOne(values);
    },
    async tx<T>(fn: (t: Sql) => Promise<T>) {
      const call: Call = { kind: "tx", ids: [] };
      calls.push(call);
      await gate;
      const t: Sql = {
        dialect: "sqlite",
        all: async () => [],
        get: async () => undefined,
        run: async (_q, values) => {
          call.ids.push(values?.id);
          return runOne(values);
        },
      };
      return fn(t);
    },
    getLarge: async () => undefined,
    writeReturning: async () => undefined,
    writeReturningAll: async () => [],
    read: (fn) => fn({} as Sql),
    close: async () => {},
  };
  return { db, calls, hold, release: () => open() };
}

const q = adhoc(
  // Never rendered: the fake database does not look at it.
  {} as never,
);

describe("writeBatcher", () => {
  it.each([
    { name: "one call", n: 1, expected: [{ kind: "write", ids: [0] }] },
    {
      name: "calls arriving while the first is written",
      n: 4,
      expected: [
        { kind: "write", ids: [0] },
        { kind: "tx", ids: [1, 2, 3] },
      ],
    },
    {
      name: "more than one batch holds",
      n: MAX_BATCH + 3,
      expected: [
        { kind: "write", ids: [0] },
        { kind: "tx", ids: Array.from({ length: MAX_BATCH }, (_, i) => i + 1) },
        { kind: "tx", ids: [MAX_BATCH + 1, MAX_BATCH + 2] },
      ],
    },
  ])("$name: $n writes", async ({ n, expected }) => {
    const f = fakeDatabase();
    f.hold();
    const write = writeBatcher(f.db, q);
    const done = Promise.all(Array.from({ length: n }, (_, id) => write({ id })));
    f.release();
    expect(await done).toEqual(Array.from({ length: n }, () => 1));
    expect(f.calls).toEqual(expected);
  });

  it("a failed shared transaction is run again call by call: only the call that fails fails; later calls go on", async () => {
    const f = fakeDatabase(new Set([2]));
    f.hold();
    const write = writeBatcher(f.db, q);
    const results = Array.from({ length: 4 }, (_, id) => write({ id }).then(String, (e: Error) => e.message));
    f.release();
    expect(await Promise.all(results)).toEqual(["1", "1", "write of 2 failed", "1"]);
    expect(f.calls).toEqual([
      { kind: "write", ids: [0] },
      // The shared transaction stops at 2 and rolls back; each of its calls then runs alone.
      { kind: "tx", ids: [1, 2] },
      { kind: "write", ids: [1] },
      { kind: "write", ids: [2] },
      { kind: "write", ids: [3] },
    ]);
    expect(await write({ id: 9 })).toBe(1);
  });
});

describe("txBatcher", () => {
  it("runs a lone call in its own transaction and calls arriving meanwhile in one, each with its own result", async () => {
    const f = fakeDatabase();
    f.hold();
    const record = txBatcher(f.db, async (t, id: number) => {
      await t.run(q, { id });
      return `stored ${id}`;
    });
    const done = Promise.all([0, 1, 2].map((id) => record(id)));
    f.release();
    expect(await done).toEqual(["stored 0", "stored 1", "stored 2"]);
    expect(f.calls).toEqual([
      { kind: "tx", ids: [0] },
      { kind: "tx", ids: [1, 2] },
    ]);
  });
});
