/** Wake-ups asked for in one turn of the event loop are written together (wake-up-coalescer.ts). */
import { describe, expect, it } from "vitest";
import type { WakeUp } from "../../../src/jobs/wake-batches.js";
import { coalesceWakeUps } from "../../../src/jobs/wake-up-coalescer.js";

const wake = (n: number): WakeUp => ({ runId: `run-${n}`, seq: n, delayMs: 1000 + n });
const nextTurn = () => new Promise<void>((r) => setImmediate(r));

/** A write that records what it was given and finishes when the test says so. */
function recordingWrite() {
  const writes: Array<{ wakes: WakeUp[]; done: () => void; fail: (err: Error) => void }> = [];
  const write = (wakes: WakeUp[]) =>
    new Promise<void>((done, fail) => {
      writes.push({ wakes, done, fail });
    });
  return { writes, write };
}

/** Whether a promise has settled, without waiting for it to. */
function settled(p: Promise<unknown>): () => "pending" | "resolved" | "rejected" {
  let state: "pending" | "resolved" | "rejected" = "pending";
  p.then(
    () => {
      state = "resolved";
    },
    () => {
      state = "rejected";
    },
  );
  return () => state;
}

describe("coalesceWakeUps", () => {
  it("writes the wake-ups of one turn together, and each add resolves only once that write has", async () => {
    const { writes, write } = recordingWrite();
    const coalescer = coalesceWakeUps(write);
    const adds = [1, 2, 3].map((n) => settled(coalescer.add(wake(n))));
    expect(writes).toHaveLength(0); // not before the turn's I/O is in
    await nextTurn();
    expect(writes.map((w) => w.wakes)).toEqual([[wake(1), wake(2), wake(3)]]);
    expect(adds.map((a) => a())).toEqual(["pending", "pending", "pending"]);
    writes[0]?.done();
    await nextTurn();
    expect(adds.map((a) => a())).toEqual(["resolved", "resolved", "resolved"]);
  });

  it("writes wake-ups of different turns apart, even while an earlier write is in flight", async () => {
    const { writes, write } = recordingWrite();
    const coalescer = coalesceWakeUps(write);
    const first = coalescer.add(wake(1));
    await nextTurn();
    const second = coalescer.add(wake(2));
    await nextTurn();
    expect(writes.map((w) => w.wakes)).toEqual([[wake(1)], [wake(2)]]);
    for (const w of writes) w.done();
    await Promise.all([first, second]);
  });

  it("fails every add of a write that fails, with its error, and the next turn's adds still go", async () => {
    const { writes, write } = recordingWrite();
    const coalescer = coalesceWakeUps(write);
    const failing = [1, 2].map((n) => coalescer.add(wake(n)));
    await nextTurn();
    writes[0]?.fail(new Error("Redis is away"));
    for (const add of failing) await expect(add).rejects.toThrow("Redis is away");
    const later = coalescer.add(wake(3));
    await nextTurn();
    expect(writes[1]?.wakes).toEqual([wake(3)]);
    writes[1]?.done();
    await expect(later).resolves.toBeUndefined();
  });

  it.each([
    { adds: 5, maxSize: 2, sizes: [2, 2, 1] },
    { adds: 4, maxSize: 4, sizes: [4] },
    { adds: 3, maxSize: 250, sizes: [3] },
  ])(
    "$adds adds in one turn with at most $maxSize per write: writes of $sizes",
    async ({ adds, maxSize, sizes }) => {
      const { writes, write } = recordingWrite();
      const coalescer = coalesceWakeUps(write, maxSize);
      const all = Array.from({ length: adds }, (_, n) => coalescer.add(wake(n)));
      await nextTurn();
      expect(writes.map((w) => w.wakes.length)).toEqual(sizes);
      expect(writes.flatMap((w) => w.wakes)).toEqual(Array.from({ length: adds }, (_, n) => wake(n)));
      for (const w of writes) w.done();
      await Promise.all(all);
    },
  );

  it("drain writes what is pending at once and waits for every write in flight", async () => {
    const { writes, write } = recordingWrite();
    const coalescer = coalesceWakeUps(write);
    const earlier = coalescer.add(wake(1));
    await nextTurn();
    const pending = coalescer.add(wake(2));
    const drained = settled(coalescer.drain());
    expect(writes.map((w) => w.wakes)).toEqual([[wake(1)], [wake(2)]]); // no turn waited for
    writes[0]?.done();
    await nextTurn();
    expect(drained()).toBe("pending");
    writes[1]?.done();
    await Promise.all([earlier, pending]);
    await nextTurn();
    expect(drained()).toBe("resolved");
  });
});
