/**
 * The faults, one scenario each. play() brings rapport up (ctx.up(): one process, or an
 * HTTP process and CHAOS_WORKERS workers), fires registrations, plays the fault on a
 * process doing the work (ctx.live), and calls ctx.faultOver() when the fault has ended
 * (settling is timed from there). limitMs is the stated settle time; allowDuplicates is
 * true only where a process is killed outright (the one window: killed between the
 * server's 250 and the ledger).
 */
import { readFileSync } from "node:fs";
import { type RunContext, sleep } from "./run-context.js";

export interface Scenario {
  name: string;
  /** What is played, for the report. */
  fault: string;
  limitMs: number;
  allowDuplicates: boolean;
  env?: Record<string, string>;
  play(ctx: RunContext): Promise<void>;
}

const EVENTS = 200;
/** Registrations in many-workers (issue 9: 5,000). */
const MANY = 5000;

/**
 * CPU seconds each working process has used (Linux /proc; "?" elsewhere): every worker
 * well above the others' idle cost shows the work was shared.
 */
function cpuSeconds(ctx: RunContext): string {
  return ctx.workers
    .map((r) => {
      try {
        // Fields after the command name's closing parenthesis; utime and stime are the 12th and 13th.
        const fields = readFileSync(`/proc/${r.child.pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
        return ((Number(fields[11]) + Number(fields[12])) / 100).toFixed(1);
      } catch {
        return "?";
      }
    })
    .join(", ");
}

/** SIGTERM, timed; a process still there after `withinMs` is a finding (then killed). */
async function stopWithin(ctx: RunContext, withinMs: number): Promise<void> {
  const r = ctx.live;
  const t0 = Date.now();
  const code = await Promise.race([r.stop(), sleep(withinMs).then(() => "timeout" as const)]);
  const ms = Date.now() - t0;
  if (code === "timeout") {
    ctx.problems.push(`SIGTERM: still running after ${withinMs} ms (then SIGKILL)`);
    await r.kill();
  } else {
    ctx.notes.push(`SIGTERM: exit ${code} in ${ms} ms`);
    if (code !== 0) ctx.problems.push(`SIGTERM: exit code ${code}`);
  }
}

export const scenarios: Scenario[] = [
  {
    name: "kill-9",
    fault: "kill -9 a worker twice during sends, restart each time",
    // Claims the killed process held lapse after the 40 s lease, and the jobs it held active
    // come back through BullMQ's stalled check (lock 30 s, checked every 30 s): up to about a
    // minute after the kill, then a sweep. Seen: 44 to 60 s; a loaded machine adds to it.
    limitMs: 100_000,
    allowDuplicates: true,
    async play(ctx) {
      await ctx.up();
      await ctx.fire(EVENTS);
      for (const at of [40, 120]) {
        await ctx.delivered(at);
        await ctx.live.kill();
        await ctx.startWorker();
      }
      ctx.faultOver();
    },
  },
  {
    name: "redis-wiped",
    fault: "kill -9 Redis during sends (no persistence: wiped), empty Redis back after 2 s",
    limitMs: 30_000,
    allowDuplicates: false,
    async play(ctx) {
      await ctx.up();
      await ctx.fire(EVENTS);
      await ctx.delivered(40);
      await ctx.redis.kill();
      await sleep(2000);
      await ctx.redis.start();
      ctx.faultOver();
    },
  },
  {
    name: "smtp-4xx",
    fault: "451 at RCPT for 8 s while events arrive",
    limitMs: 30_000,
    allowDuplicates: false,
    async play(ctx) {
      await ctx.up();
      await ctx.sink.setMode("4xx");
      await ctx.fire(EVENTS);
      await sleep(8000);
      await ctx.sink.setMode("accept");
      ctx.faultOver();
    },
  },
  {
    name: "smtp-down-past-attempts",
    fault: "SMTP port closed 20 s (delivery attempts run out within ~3 s of a message), then back",
    limitMs: 45_000,
    allowDuplicates: false,
    // 6 attempts from a 5 ms base run out in ~0.2 s; where the attempts cannot be set,
    // 10 (the default) in ~2.5 s. Messages are written in the first ~10 s of the outage.
    env: { RAPPORT_RETRY_BASE_MS: "5", RAPPORT_DELIVERY_ATTEMPTS: "6" },
    async play(ctx) {
      await ctx.up();
      await ctx.sink.setMode("down");
      await ctx.fire(EVENTS);
      await sleep(20_000);
      await ctx.sink.setMode("accept");
      ctx.faultOver();
    },
  },
  {
    name: "smtp-stall",
    fault: "MAIL FROM unanswered for 20 s; ingest must go on meanwhile",
    limitMs: 30_000,
    allowDuplicates: false,
    async play(ctx) {
      await ctx.up();
      await ctx.sink.setMode("stall");
      await ctx.fire(EVENTS);
      // Events are answered before the stall matters; they must also be processed (runs
      // started, messages written) while SMTP hangs: first sends must not hold their slots.
      await sleep(20_000);
      const stuck = await ctx.unprocessedEvents();
      if (stuck > 0) ctx.problems.push(`ingest frozen: ${stuck} events unprocessed after 20 s of stall`);
      await ctx.sink.setMode("accept");
      ctx.faultOver();
    },
  },
  {
    name: "drop-after-250",
    fault: "every 3rd message: 250, then the connection cut",
    limitMs: 30_000,
    allowDuplicates: false,
    async play(ctx) {
      await ctx.up();
      await ctx.sink.setMode("drop-after-250", { every: 3 });
      await ctx.fire(EVENTS);
      await ctx.delivered(EVENTS, 60_000).catch(() => {});
      await ctx.sink.setMode("accept");
      ctx.faultOver();
    },
  },
  {
    name: "drop-before-250",
    fault: "every 3rd message: data read, connection cut before the answer",
    limitMs: 30_000,
    allowDuplicates: false,
    async play(ctx) {
      await ctx.up();
      await ctx.sink.setMode("drop-before-250", { every: 3 });
      await ctx.fire(EVENTS);
      await sleep(10_000);
      await ctx.sink.setMode("accept");
      ctx.faultOver();
    },
  },
  {
    name: "smtp-5xx-rcpt",
    fault: "550 at RCPT for 1 address in 5; a second registration of each later",
    limitMs: 30_000,
    allowDuplicates: false,
    async play(ctx) {
      await ctx.up();
      await ctx.sink.setMode("5xx", { refuse: "^refuse" });
      const refused = (i: number) => i % 5 === 0;
      await ctx.fire(EVENTS, { refused });
      await ctx.settle(30_000);
      // Once refused, an address is suppressed: its next thank-you is not tried again.
      const before = (await ctx.sink.refusals()).length;
      await ctx.fire(EVENTS / 5, {
        tag: "b",
        refused: () => true,
        email: (i) => `refuse${i * 5}@example.com`,
      });
      ctx.faultOver();
      await ctx.settle(30_000);
      const again = (await ctx.sink.refusals()).length - before;
      if (again > 0)
        ctx.problems.push(`${again} refused addresses tried again after their 5xx (not suppressed)`);
    },
  },
  {
    name: "sigstop-past-lock",
    fault: "SIGSTOP one of two (or CHAOS_WORKERS) workers for 35 s (BullMQ lock 30 s), then SIGCONT",
    limitMs: 30_000,
    allowDuplicates: false,
    // The stop outlasts BullMQ's lock but not the claims' lease: a message claimed (or sent,
    // its ledger write not yet made) up to 25 s before the stop is still the frozen worker's
    // when it wakes. A stop longer than the lease is a death (kill-9: duplicates allowed,
    // marked); with the 40 s lease a claim made 5 s before the stop would lapse during it.
    env: { RAPPORT_SEND_LEASE_MS: "60000" },
    async play(ctx) {
      const [first] = await ctx.up();
      if (!first) throw new Error("no worker started");
      if (ctx.workers.length < 2) await ctx.startWorker();
      await ctx.fire(EVENTS);
      await ctx.delivered(40);
      first.child.kill("SIGSTOP");
      await sleep(35_000);
      first.child.kill("SIGCONT");
      ctx.faultOver();
    },
  },
  {
    name: "sigterm-in-stall",
    fault:
      "SMTP stalled, SIGTERM (exit within 12 s: 3 s grace, 5 s to close the rest, 4 s slack), SMTP back, restart",
    // Sends abandoned at shutdown wait for their claims' 40 s lease, and their jobs come back
    // through BullMQ's stalled check (lock 30 s, checked every 30 s), as in kill-9. Seen:
    // 50 to 60 s, more on a loaded machine.
    limitMs: 100_000,
    allowDuplicates: false,
    async play(ctx) {
      await ctx.up();
      await ctx.sink.setMode("stall");
      await ctx.fire(EVENTS / 2);
      await sleep(2000);
      await stopWithin(ctx, 12_000);
      await ctx.sink.setMode("accept");
      await ctx.startWorker();
      ctx.faultOver();
    },
  },
  {
    name: "many-workers",
    fault: `3 workers share ${MANY} registrations; one killed -9 mid-run and not restarted`,
    // The dead worker's claims lapse after the 40 s lease, its queue jobs after BullMQ's
    // 30 s lock; the two left must finish its share and the rest of the run.
    limitMs: 120_000,
    allowDuplicates: true,
    async play(ctx) {
      await ctx.up(3);
      const firing = ctx.fire(MANY, { parallel: 16 });
      await ctx.delivered(MANY / 4, 180_000);
      const atSink = (await ctx.sink.messages()).length;
      ctx.notes.push(`kill -9 at ${atSink} messages at the sink, ${ctx.accepted.length} events accepted`);
      ctx.notes.push(`CPU seconds of the workers at the kill (the killed one last): ${cpuSeconds(ctx)}`);
      await ctx.live.kill();
      await firing;
      // The HTTP process is not faulted: an event it did not take (a store too busy, say) is a finding.
      const refused = MANY - ctx.accepted.length;
      if (refused > 0) ctx.problems.push(`${refused} of ${MANY} registrations not accepted`);
      ctx.faultOver();
    },
  },
];
