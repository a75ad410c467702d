/**
 * sql/call-batch.ts: a lone call runs alone at once; calls arriving while one is in flight
 * are answered by one `many`, at most `max` each, never two of one key together; when
 * `many` fails, each of its calls runs again alone and keeps its own outcome; a batch in
 * flight too long lets the next one go.
 */
import { describe, expect, it, vi } from "vitest";
import { callBatcher, inKeyOrder, STALLED_BATCH_MS } from "../../../src/store/sql/call-batch.js";

/** A batcher over numbers whose calls wait for `release()`; `failing` items fail alone, and fail any batch. */
function recording(options: { max?: number; failing?: Set<number>; keyOf?: (n: number) => string } = {}) {
  const calls: Array<{ kind: "many" | "alone"; items: number[] }> = [];
  let open: () => void = () => {};
  let gate = new Promise<void>((ok) => {
    open = ok;
  });
  const release = () => {
    open();
    gate = Promise.resolve();
  };
  const check = (n: number) => {
    if (options.failing?.has(n)) throw new Error(`item ${n} failed`);
  };
  const call = callBatcher<number, string>(
    async (items) => {
      calls.push({ kind: "many", items });
      await gate;
      items.forEach(check);
      return items.map((n) => `many:${n}`);
    },
    {
      max: options.max ?? 100,
      alone: async (n) => {
        calls.push({ kind: "alone", items: [n] });
        await gate;
        check(n);
        return `alone:${n}`;
      },
      ...(options.keyOf ? { keyOf: options.keyOf } : {}),
    },
  );
  return { call, calls, release };
}

const settle = <T>(ps: Array<Promise<T>>) =>
  Promise.allSettled(ps).then((rs) =>
    rs.map((r) => (r.status === "fulfilled" ? r.value : `error:${(r.reason as Error).message}`)),
  );

describe("callBatcher", () => {
  it("runs a lone call alone, then answers the calls made meanwhile with one many", async () => {
    const b = recording();
    const results = settle([1, 2, 3, 4].map(b.call));
    b.release();
    expect(await results).toEqual(["alone:1", "many:2", "many:3", "many:4"]);
    expect(b.calls).toEqual([
      { kind: "alone", items: [1] },
      { kind: "many", items: [2, 3, 4] },
    ]);
  });

  it("starts again alone once idle", async () => {
    const b = recording();
    b.release();
    expect(await b.call(1)).toBe("alone:1");
    expect(await b.call(2)).toBe("alone:2");
    expect(b.calls.map((c) => c.kind)).toEqual(["alone", "alone"]);
  });

  it.each([
    { max: 2, items: [1, 2, 3, 4, 5, 6], batches: [[1], [2, 3], [4, 5], [6]] },
    { max: 3, items: [1, 2, 3, 4, 5, 6], batches: [[1], [2, 3, 4], [5, 6]] },
    { max: 100, items: [1, 2, 3], batches: [[1], [2, 3]] },
  ])("answers at most $max calls with one many", async ({ max, items, batches }) => {
    const b = recording({ max });
    const results = settle(items.map(b.call));
    b.release();
    await results;
    expect(b.calls.map((c) => c.items)).toEqual(batches);
  });

  it("never puts two calls of one key in one many: the second waits for the next", async () => {
    // Keys: the number's tens, so 11 and 12 share one.
    const b = recording({ keyOf: (n) => String(Math.floor(n / 10)) });
    const results = settle([1, 11, 12, 21, 13].map(b.call));
    b.release();
    expect(await results).toEqual(["alone:1", "many:11", "alone:12", "many:21", "alone:13"]);
    expect(b.calls.map((c) => c.items)).toEqual([[1], [11, 21], [12], [13]]);
  });

  it("when many fails, runs each of its calls alone: only the failing one fails", async () => {
    const b = recording({ failing: new Set([3]) });
    const results = settle([1, 2, 3, 4].map(b.call));
    b.release();
    expect(await results).toEqual(["alone:1", "alone:2", "error:item 3 failed", "alone:4"]);
    expect(b.calls).toEqual([
      { kind: "alone", items: [1] },
      { kind: "many", items: [2, 3, 4] },
      { kind: "alone", items: [2] },
      { kind: "alone", items: [3] },
      { kind: "alone", items: [4] },
    ]);
  });

  it("a failed lone call does not stop the calls after it", async () => {
    const b = recording({ failing: new Set([1]) });
    const results = settle([1, 2, 3].map(b.call));
    b.release();
    expect(await results).toEqual(["error:item 1 failed", "many:2", "many:3"]);
  });

  it("keeps to max and to keys together", async () => {
    const b = recording({ max: 2, keyOf: (n) => String(n % 10) });
    const results = settle([1, 11, 2, 3, 12, 4].map(b.call));
    b.release();
    await results;
    expect(b.calls.map((c) => c.items)).toEqual([[1], [11, 2], [3, 12], [4]]);
  });

  it("runs each call alone when many answers for fewer calls than it had", async () => {
    const calls: string[] = [];
    let open: () => void = () => {};
    const gate = new Promise<void>((ok) => {
      open = ok;
    });
    const call = callBatcher<number, string>(
      async (items) => {
        calls.push(`many ${items.join(",")}`);
        return items.slice(1).map(String);
      },
      {
        max: 10,
        alone: async (n) => {
          calls.push(`alone ${n}`);
          await gate;
          return `alone:${n}`;
        },
      },
    );
    const results = settle([1, 2, 3].map(call));
    open();
    expect(await results).toEqual(["alone:1", "alone:2", "alone:3"]);
    expect(calls).toEqual(["alone 1", "many 2,3", "alone 2", "alone 3"]);
  });

  it(`lets the next batch go when one has been in flight ${STALLED_BATCH_MS} ms (a lock wait, a stuck connection)`, async () => {
    const b = recording();
    // Nothing is released: the first call's statement hangs.
    const first = b.call(1);
    const next = b.call(2);
    const after = b.call(3);
    expect(b.calls).toEqual([{ kind: "alone", items: [1] }]);
    // The calls behind it go once it counts as stalled, without waiting for it.
    await vi.waitFor(() => expect(b.calls).toHaveLength(2), { timeout: 5_000 });
    expect(b.calls[1]).toEqual({ kind: "many", items: [2, 3] });
    b.release();
    expect(await Promise.all([first, next, after])).toEqual(["alone:1", "many:2", "many:3"]);
  });

  it.each([
    { ids: ["b", "a", "c"], sorted: ["a", "b", "c"] },
    { ids: ["r-10", "r-9", "r-1"], sorted: ["r-1", "r-10", "r-9"] },
    { ids: ["z"], sorted: ["z"] },
    { ids: [], sorted: [] },
  ])("puts $ids in key order for the statement (locks taken in one order)", ({ ids, sorted }) => {
    const items = ids.map((id) => ({ id }));
    expect(inKeyOrder(items, (i) => i.id).map((i) => i.id)).toEqual(sorted);
    // The caller's array is left as it was: results are matched back in its order.
    expect(items.map((i) => i.id)).toEqual(ids);
  });
});
