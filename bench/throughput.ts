/**
 * registrations → delivered thank-you through the whole path (HTTP process, store,
 * BullMQ, N `rapport worker` processes, pooled SMTP) on SQLite and on Postgres, with 1
 * and with 2 workers, each beside raw pooled nodemailer to the same sink measured just
 * before it (the machine is shared: the nearest baseline is the fairest). Prints msgs/s,
 * the ratio to raw, CPU ms per message, and each process's CPU over the stretch: on 2
 * cores the sink and the load generator share the CPU with rapport.
 */
import { postgresUnavailable, type StoreKind } from "./bench-store.js";
import { startupProblem } from "./deployment.js";
import { type CpuReport, describeCpu } from "./proc-stats.js";
import { rawNodemailer } from "./raw-nodemailer.js";
import { runRegistrations } from "./registrations.js";
import type { RenderedSample } from "./rendering.js";
import { startSinkProcess } from "./sink-client.js";
import { fmt, type Table } from "./table.js";

const AIM = 0.8;

/** What held the rate back: the machine's CPU when it was (nearly) full, else the busiest process. */
export function limitOf(cpu: CpuReport): string {
  const [name, ms] = [...cpu.perProcess].sort((a, b) => b[1] - a[1])[0] ?? ["?", 0];
  const busiest = `${name} ${Math.round((ms / cpu.wallMs) * 100)}% of a core`;
  return cpu.machineBusyPct >= 180
    ? `machine CPU full (${Math.round(cpu.machineBusyPct)}%); busiest: ${busiest}`
    : `busiest: ${busiest}`;
}

export async function benchThroughput(
  table: Table,
  o: { messages: number; warm: number; sample: RenderedSample; workers: number[]; stores: StoreKind[] },
) {
  console.log(`Registrations → delivered thank-you (${fmt(o.messages)} each; HTTP process + N workers)`);
  const sink = await startSinkProcess();
  try {
    for (const kind of o.stores) {
      let why = kind === "postgres" ? await postgresUnavailable() : null;
      for (const workers of o.workers) {
        const figure = `thank-you msgs/s, ${kind}, ${workers} worker${workers > 1 ? "s" : ""}`;
        if (why) {
          console.log(`  ${figure}: skipped: ${why}`);
          table.skipped(figure, why);
          continue;
        }
        await sink.reset();
        const raw = await rawNodemailer(sink.port, o.sample, o.messages, o.warm, (n) =>
          sink.waitFor(n, 300_000),
        );
        let run: Awaited<ReturnType<typeof runRegistrations>>;
        try {
          run = await runRegistrations({ kind, workers, count: o.messages, warm: o.warm, sink });
        } catch (err) {
          why = startupProblem(err);
          if (!why) throw err;
          console.log(`  ${figure}: skipped: ${why}`);
          table.skipped(figure, why);
          continue;
        }
        const ratio = run.rate / raw.rate;
        console.log(
          `  ${kind}, ${workers} worker(s): ${fmt(run.rate)} /s (${fmt(run.cpuMs, 2)} ms CPU/msg) vs raw ${fmt(raw.rate)} /s (${fmt(raw.cpuMs, 2)} ms CPU/msg): ${fmt(ratio, 2)}×; HTTP accepted ${fmt(run.acceptRate)} /s`,
        );
        const cpuRatio = raw.cpuMs / run.workerCpuMs;
        console.log(
          `    worker CPU/msg ${fmt(run.workerCpuMs, 2)} ms vs raw ${fmt(raw.cpuMs, 2)} ms: ${fmt(cpuRatio, 2)}× (raw ÷ worker; the machine is shared, so this is the steadier figure)`,
        );
        console.log(
          `    worker CPU/msg by thread${workers > 1 ? " (worker1's, times the workers)" : ""}: ${run.workerThreads
            .filter(([, ms]) => ms >= 0.01)
            .map(([name, ms]) => `${name} ${fmt(ms, 2)} ms`)
            .join(", ")}`,
        );
        const total = run.redisCalls.reduce((a, [, n]) => a + n, 0);
        console.log(
          `    Redis commands/msg ${fmt(total, 1)}: ${run.redisCalls
            .slice(0, 8)
            .map(([c, n]) => `${c} ${fmt(n, 1)}`)
            .join(", ")}`,
        );
        console.log(`    CPU: ${describeCpu(run.cpu)}`);
        console.log(`    limit: ${limitOf(run.cpu)}`);
        table.add({
          figure,
          rapport: `${fmt(run.rate)}/s, ${fmt(run.cpuMs, 2)} ms CPU/msg`,
          baseline: `${fmt(raw.rate)}/s, ${fmt(raw.cpuMs, 2)} ms CPU/msg (raw nodemailer)`,
          ratio,
          aim: `≥ ${AIM}× raw`,
          met: ratio >= AIM,
        });
        table.add({
          figure: `worker CPU/msg, ${kind}, ${workers} worker${workers > 1 ? "s" : ""}`,
          rapport: `${fmt(run.workerCpuMs, 2)} ms (HTTP process +${fmt(run.cpuMs - run.workerCpuMs, 2)} ms)`,
          baseline: `${fmt(raw.cpuMs, 2)} ms (raw nodemailer)`,
          ratio: cpuRatio,
          // Read beside the rate: the issue's aim is on messages delivered per second (its
          // "0.63× raw" was 213/s vs 339/s). The worker does the store, queue and rendering
          // work besides the sending raw nodemailer does, on a machine both share.
          aim: "",
        });
      }
    }
  } finally {
    await sink.stop();
  }
}
