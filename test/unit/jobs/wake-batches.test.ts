import { describe, expect, it } from "vitest";
import { groupWakeUps, type WakeUp, wakeBatchJobId } from "../../../src/jobs/wake-batches.js";

const w = (runId: string, delayMs: number, seq = 1): WakeUp => ({ runId, seq, delayMs });
/** The groups as "run,run@delay" strings: batches first, then the single wake-ups. */
const shape = (wakes: WakeUp[], max?: number, spread?: number) => {
  const { single, batches } = groupWakeUps(wakes, max, spread);
  return [
    ...batches.map((b) => `${b.wakes.map((x) => x.runId).join(",")}@${b.delayMs}`),
    ...single.map((s) => `${s.runId}@${s.delayMs}`),
  ];
};

describe("wake-up batches: which wake-ups share a job", () => {
  it.each([
    { name: "nothing", wakes: [], groups: [] },
    { name: "one alone keeps a job of its own", wakes: [w("a", 5)], groups: ["a@5"] },
    {
      name: "runs due at the same instant share one",
      wakes: [w("b", 100), w("a", 100), w("c", 100)],
      groups: ["a,b,c@100"],
    },
    {
      name: "a batch is due at its last wake-up (nobody woken early)",
      wakes: [w("a", 0), w("b", 400), w("c", 1000)],
      groups: ["a,b,c@1000"],
    },
    {
      name: "one more than the spread after the first starts the next",
      wakes: [w("a", 0), w("b", 1000), w("c", 1001), w("d", 1500)],
      groups: ["a,b@1000", "c,d@1500"],
    },
    {
      name: "far apart: each alone",
      wakes: [w("a", 0), w("b", 5000), w("c", -3000)],
      groups: ["c@-3000", "a@0", "b@5000"],
    },
  ])("$name", ({ wakes, groups }) => {
    expect(shape(wakes)).toEqual(groups);
  });

  it("cuts at the largest size, keeping every wake-up exactly once", () => {
    const wakes = Array.from({ length: 7 }, (_, i) => w(`r${i}`, 10));
    expect(shape(wakes, 3)).toEqual(["r0,r1,r2@10", "r3,r4,r5@10", "r6@10"]);
    const { single, batches } = groupWakeUps(
      Array.from({ length: 1001 }, (_, i) => w(`r${String(i).padStart(4, "0")}`, i % 3)),
    );
    const all = [...batches.flatMap((b) => b.wakes.map((x) => x.runId)), ...single.map((s) => s.runId)];
    expect(all).toHaveLength(1001);
    expect(new Set(all).size).toBe(1001);
    expect(batches.map((b) => b.wakes.length)).toEqual([250, 250, 250, 250]);
    expect(single).toHaveLength(1);
  });

  it("names a batch by what it holds: the same runs at the same seqs, the same id", () => {
    const a = {
      wakes: [
        { runId: "r1", seq: 1 },
        { runId: "r2", seq: 4 },
      ],
    };
    expect(wakeBatchJobId(a)).toBe(wakeBatchJobId({ wakes: a.wakes.map((x) => ({ ...x })) }));
    expect(wakeBatchJobId(a)).toMatch(/^wakes-[0-9a-f]{40}$/);
    expect(wakeBatchJobId(a)).not.toBe(wakeBatchJobId({ wakes: [...a.wakes, { runId: "r3", seq: 1 }] }));
    expect(wakeBatchJobId(a)).not.toBe(
      wakeBatchJobId({
        wakes: [
          { runId: "r1", seq: 2 },
          { runId: "r2", seq: 4 },
        ],
      }),
    );
    // No run id or seq can run into the next: "r1" seq 12 is not "r11" seq 2.
    expect(wakeBatchJobId({ wakes: [{ runId: "r1", seq: 12 }] })).not.toBe(
      wakeBatchJobId({ wakes: [{ runId: "r11", seq: 2 }] }),
    );
  });
});
