/**
 * What a process costs, read from /proc (Linux): CPU time and resident memory by pid,
 * the whole machine's busy time, and the load average. The benchmark reads them before
 * and after a measured stretch, so each figure can say which process used the CPU.
 */
import { readdirSync, readFileSync } from "node:fs";
import { loadavg } from "node:os";

/** Clock ticks per second of /proc's CPU times (USER_HZ: 100 on Linux). */
const TICK_MS = 10;

/** User + system CPU of one process, in ms; null when it is gone or /proc is missing. */
export function cpuMsOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the ")" closing the command name: state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return null;
  }
}

/** A process's resident memory now and at its peak (VmRSS, VmHWM), in MB; null when gone. */
export function rssMbOf(pid: number): { now: number; peak: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? 0);
    return { now: kb("VmRSS") / 1024, peak: kb("VmHWM") / 1024 };
  } catch {
    return null;
  }
}

/** Pids of every process whose command name is `name` (e.g. all postgres backends). */
export function pidsNamed(name: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, "utf8").trim() === name) pids.push(Number(entry));
    } catch {
      // Ended between the listing and the read.
    }
  }
  return pids;
}

/** Busy and total CPU time of the machine (all cores), in ms, from /proc/stat. */
export function machineCpuMs(): { busy: number; total: number } {
  const line = readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "";
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const total = v.reduce((a, b) => a + b, 0);
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  return { busy: (total - idle) * TICK_MS, total: total * TICK_MS };
}

export const loadAverage = () =>
  loadavg()
    .map((n) => n.toFixed(1))
    .join(" ");

/** A named set of processes whose CPU is measured over a stretch of time. */
export interface CpuWatch {
  /** CPU ms each named process used since the watch started, the machine's busy %, and the wall time. */
  stop(): CpuReport;
}

export interface CpuReport {
  wallMs: number;
  /** Name → CPU ms over the stretch (a group, e.g. postgres, is summed). */
  perProcess: Map<string, number>;
  /** The machine's busy time over the stretch, as a percentage of ONE core (200% = 2 cores full). */
  machineBusyPct: number;
  loadAverage: string;
}

/**
 * Starts watching `procs` (name → pid, or a function listing pids for a group read at
 * both ends). A process that ends before stop() counts what it had used when last seen.
 */
export function watchCpu(procs: Record<string, number | (() => number[])>): CpuWatch {
  const read = () => {
    const out = new Map<string, Map<number, number>>();
    for (const [name, p] of Object.entries(procs)) {
      const byPid = new Map<number, number>();
      for (const pid of typeof p === "number" ? [p] : p()) {
        const ms = cpuMsOf(pid);
        if (ms !== null) byPid.set(pid, ms);
      }
      out.set(name, byPid);
    }
    return out;
  };
  const before = read();
  const machine = machineCpuMs();
  const started = performance.now();
  return {
    stop() {
      const wallMs = performance.now() - started;
      const after = read();
      const m = machineCpuMs();
      const perProcess = new Map<string, number>();
      for (const [name, byPid] of after) {
        let sum = 0;
        for (const [pid, ms] of byPid) sum += ms - (before.get(name)?.get(pid) ?? 0);
        perProcess.set(name, sum);
      }
      const cores = m.total - machine.total;
      const busyShare = cores > 0 ? (m.busy - machine.busy) / cores : 0;
      return {
        wallMs,
        perProcess,
        // /proc/stat sums every core: its share of all cores times the core count is % of one core.
        machineBusyPct: busyShare * 100 * coreCount(),
        loadAverage: loadAverage(),
      };
    },
  };
}

function coreCount(): number {
  const stat = readFileSync("/proc/stat", "utf8");
  return stat.split("\n").filter((l) => /^cpu\d+ /.test(l)).length || 1;
}

/** "http 31% · worker 84% · sink 22% · … · machine 196% of 200%": where the CPU went. */
export function describeCpu(r: CpuReport): string {
  const parts = [...r.perProcess].map(([name, ms]) => `${name} ${Math.round((ms / r.wallMs) * 100)}%`);
  // What the machine did besides the processes named: other work on a shared machine.
  const named = [...r.perProcess.values()].reduce((a, b) => a + b, 0);
  parts.push(`everything else ${Math.max(0, Math.round(r.machineBusyPct - (named / r.wallMs) * 100))}%`);
  parts.push(`machine ${Math.round(r.machineBusyPct)}% of ${coreCount() * 100}%`);
  return `${parts.join(" · ")}  (load ${r.loadAverage})`;
}

/** CPU ms of a process's main thread and of its other threads together (/proc/PID/task). */
export function threadCpuMsOf(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      // Node names none of its threads: the main one apart, the rest (the SMTP sender thread,
      // V8's GC and compiler helpers, SQLite's checkpoint thread, libuv's pool) go together.
      const name = tid === String(pid) ? "main" : "other threads";
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const ms = (Number(fields[11]) + Number(fields[12])) * TICK_MS;
      out.set(name, (out.get(name) ?? 0) + ms);
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return out;
}

/** Per thread name: CPU used between two threadCpuMsOf readings (threads that ended count from `before` as 0 used). */
export function threadCpuBetween(
  before: Map<string, number>,
  after: Map<string, number>,
): Array<[string, number]> {
  return [...after]
    .map(([name, ms]): [string, number] => [name, Math.max(0, ms - (before.get(name) ?? 0))])
    .sort((a, b) => b[1] - a[1]);
}
