/**
 * The chaos suite: `npm run test:chaos [-- scenario-name ...]`.
 *
 * Plays each fault in scenarios.ts against real rapport processes (each run its own
 * redis-server and SQLite file or Postgres schema; one fault-injecting SMTP sink in its
 * own process), then has the checker compare accepted events, the sink and the store.
 * Prints one row per run and exits 1 when any verdict fails. CHAOS_WORKERS=N runs an
 * HTTP process and N workers instead of one process; CHAOS_DATABASE_URL=postgres://…
 * puts each run's store in a schema of its own there (options.ts). Set CHAOS_VERBOSE=1
 * to print every run's notes (a failed run always prints the tail of rapport's log).
 */
import { type ChaosOptions, chaosOptions } from "./options.js";
import { startChaosSink } from "./processes.js";
import { RunContext, type Settled } from "./run-context.js";
import { type Scenario, scenarios } from "./scenarios.js";

interface Row {
  scenario: string;
  /** "all" or "http+Nw" (N worker processes), then the store. */
  setup: string;
  accepted: number;
  delivered: number;
  unique: number;
  duplicates: number;
  lost: number;
  settle: string;
  verdict: string;
}

function verdictOf(s: Scenario, ctx: RunContext, settled: Settled, unmarked: number): string[] {
  const why: string[] = [...ctx.problems];
  const t = settled.tally;
  if (t.accepted === 0) why.push("no event was accepted");
  if (t.lost > 0) why.push(`${t.lost} not settled after ${s.limitMs / 1000} s (${t.pending.join("; ")})`);
  if (t.duplicates > 0 && !s.allowDuplicates) why.push(`${t.duplicates} duplicates with no process killed`);
  if (unmarked > 0) why.push(`${unmarked} duplicated messages not marked on the timeline`);
  return why;
}

async function runOne(
  s: Scenario,
  sink: Awaited<ReturnType<typeof startChaosSink>>,
  options: ChaosOptions,
): Promise<Row> {
  const ctx = await RunContext.create(s.name, sink, s.env ?? {}, options);
  let settled: Settled | null = null;
  let unmarked = 0;
  try {
    await s.play(ctx);
    settled = await ctx.settle(s.limitMs);
    for (const dup of settled.tally.duplicated)
      if (!(await ctx.timelineShowsDuplicate(dup.toAddress, dup.id))) unmarked++;
  } catch (err) {
    ctx.problems.push(`run aborted: ${(err as Error).message}`);
  }
  const t = settled?.tally ?? (await ctx.observe().catch(() => null));
  const why = settled ? verdictOf(s, ctx, settled, unmarked) : ctx.problems;
  if (why.length > 0 || process.env.CHAOS_VERBOSE) {
    console.error(`\n[${s.name}] ${s.fault}`);
    for (const n of ctx.notes.slice(0, 10)) console.error(`  note: ${n}`);
    for (const w of why) console.error(`  FAIL: ${w}`);
    // A failure always shows what rapport said (CI keeps nothing else of the run).
    if (why.length > 0) {
      for (const [i, r] of ctx.rapports.entries()) {
        console.error(`  --- rapport ${i} (${roleOf(r)}), last lines:`);
        console.error(r.output().split("\n").slice(-30).join("\n"));
      }
      // What each process said about the messages that went out twice.
      for (const dup of settled?.tally.duplicated ?? [])
        for (const [i, r] of ctx.rapports.entries())
          for (const line of r
            .output()
            .split("\n")
            .filter((l) => l.includes(dup.id)))
            console.error(`  rapport ${i} (${roleOf(r)}) on ${dup.id}: ${line.slice(0, 400)}`);
    }
  }
  await ctx.close().catch((err) => console.error(`[${s.name}] cleanup: ${(err as Error).message}`));
  return {
    scenario: s.name,
    setup: ctx.setup || "-",
    accepted: t?.accepted ?? 0,
    delivered: t?.delivered ?? 0,
    unique: t?.unique ?? 0,
    duplicates: t?.duplicates ?? 0,
    lost: t?.lost ?? 0,
    settle:
      settled?.settleMs != null ? `${(settled.settleMs / 1000).toFixed(1)} s` : `> ${s.limitMs / 1000} s`,
    verdict: why.length === 0 ? "pass" : "FAIL",
  };
}

function printTable(rows: Row[]): void {
  const cols: Array<keyof Row> = [
    "scenario",
    "setup",
    "accepted",
    "delivered",
    "unique",
    "duplicates",
    "lost",
    "settle",
    "verdict",
  ];
  const width = (c: keyof Row) => Math.max(c.length, ...rows.map((r) => String(r[c]).length));
  const line = (cells: string[]) =>
    cells
      .map((v, i) =>
        i === 0 ? v.padEnd(width(cols[i] as keyof Row)) : v.padStart(width(cols[i] as keyof Row)),
      )
      .join("  ");
  console.log(`\n${line(cols)}`);
  for (const r of rows) console.log(line(cols.map((c) => String(r[c]))));
}

const roleOf = (r: RunContext["rapports"][number]) =>
  r.serves.http && r.serves.work ? "all" : r.serves.http ? "http" : `worker pid ${r.child.pid}`;

let options: ChaosOptions;
try {
  options = chaosOptions();
} catch (err) {
  console.error((err as Error).message);
  process.exit(2);
}
const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !scenarios.some((s) => s.name === w));
if (unknown.length > 0) {
  console.error(
    `unknown scenario(s): ${unknown.join(", ")}; known: ${scenarios.map((s) => s.name).join(", ")}`,
  );
  process.exit(2);
}
const chosen = wanted.length > 0 ? scenarios.filter((s) => wanted.includes(s.name)) : scenarios;
const sink = await startChaosSink();
const rows: Row[] = [];
const t0 = Date.now();
try {
  for (const s of chosen) {
    const started = Date.now();
    const row = await runOne(s, sink, options);
    rows.push(row);
    console.error(`[${s.name}] ${row.verdict} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  }
} finally {
  await sink.close();
}
printTable(rows);
console.log(
  `\n${rows.length} runs in ${((Date.now() - t0) / 1000).toFixed(0)} s; setup = one rapport process (all) or an HTTP process and N workers (http+Nw), on SQLite or Postgres; settle = from the end of the fault until every accepted event was delivered (or failed and suppressed for a refused address)`,
);
process.exit(rows.every((r) => r.verdict === "pass") ? 0 : 1);
