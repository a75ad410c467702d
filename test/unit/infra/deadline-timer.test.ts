import { MessageChannel } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import { setDeadline } from "../../../src/infra/deadline-timer.js";

/** Holds the event loop, as a stopped (SIGSTOP) or blocked process does. */
function block(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // busy: nothing else runs
  }
}

/** An answer that arrives (is queued) while the loop is held, like a server's 250 during a stop. */
function answerDuring(blockMs: number, order: string[]): Promise<void> {
  const { port1, port2 } = new MessageChannel();
  const answered = new Promise<void>((ok) =>
    port2.once("message", () => {
      order.push("answer");
      port1.close();
      ok();
    }),
  );
  port1.postMessage("250 OK");
  block(blockMs);
  return answered;
}

describe("setDeadline: a deadline never beats an answer that came while the process was held", () => {
  it.each([
    { blockMs: 50, graceMs: 0, why: "a short hold: the deadline waits for this turn's I/O" },
    { blockMs: 1500, graceMs: 0, why: "a long hold (a stop): the I/O queued meanwhile is read first" },
    { blockMs: 1500, graceMs: 100, why: "a long hold with a grace: the same, a little later" },
  ])("$why", async ({ blockMs, graceMs }) => {
    const order: string[] = [];
    let fired!: () => void;
    const deadline = new Promise<void>((ok) => {
      fired = ok;
    });
    setDeadline(
      10,
      () => {
        order.push("deadline");
        fired();
      },
      { lateMs: 1000, graceMs },
    );
    await answerDuring(blockMs, order);
    await deadline;
    expect(order).toEqual(["answer", "deadline"]);
  });

  it("fires once when nothing answers, and never after it is cancelled", async () => {
    let fires = 0;
    await new Promise<void>((ok) =>
      setDeadline(5, () => {
        fires++;
        ok();
      }),
    );
    const cancel = setDeadline(5, () => fires++);
    cancel();
    await new Promise((r) => setTimeout(r, 50)); // nothing more arrives
    expect(fires).toBe(1);
  });
});

describe("setDeadline: the grace after a stop, and its bound", () => {
  /** A hold (a stop) of 1.5 s, then an answer 50 ms after waking: what a server's 250 to what the woken process wrote looks like. */
  async function order(graceUntil: number | undefined): Promise<string[]> {
    const seen: string[] = [];
    let done!: () => void;
    const both = new Promise<void>((ok) => {
      done = ok;
    });
    const note = (what: string) => {
      seen.push(what);
      if (seen.length === 2) done();
    };
    const start = Date.now();
    setDeadline(10, () => note("deadline"), {
      lateMs: 1000,
      graceMs: 1000,
      ...(graceUntil !== undefined ? { graceUntil: start + graceUntil } : {}),
    });
    setTimeout(() => note("answer"), 1550);
    block(1500);
    await both;
    return seen;
  }

  it.each([
    {
      graceUntil: undefined,
      expected: ["answer", "deadline"],
      why: "no bound: the answer after waking is waited for",
    },
    { graceUntil: 60_000, expected: ["answer", "deadline"], why: "a bound well ahead: the same" },
    {
      graceUntil: 0,
      expected: ["deadline", "answer"],
      why: "a bound already passed: no grace, the deadline fires on waking",
    },
  ])("$why", async ({ graceUntil, expected }) => {
    expect(await order(graceUntil)).toEqual(expected);
  });
});
