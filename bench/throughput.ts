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
  o: { messages: number; sample: RenderedSample; workers: number[]; stores: StoreKind[] },
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
        const raw = await rawNodemailer(sink.port, o.sample, o.messages, (n) => sink.waitFor(n, 300_000));
        let run: Awaited<ReturnType<typeof runRegistrations>>;
        try {
          run = await runRegistrations({ kind, workers, count: o.messages, sink });
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
      }
    }
  } finally {
    await sink.stop();
  }
}
