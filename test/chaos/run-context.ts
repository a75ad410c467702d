/**
 * One chaos run: its own temp dir (config, a SQLite file or a Postgres schema), its own
 * redis-server, the shared SMTP sink reset to accept, and the rapport processes started
 * for it: one `rapport start`, or (CHAOS_WORKERS ≥ 2, or a scenario asking for several)
 * one `rapport start --role http` and N `rapport worker` processes on the same Redis and
 * store. Scenarios drive it; settle() then waits for the checker to find every accepted
 * event where it must be.
 */
import { rmSync } from "node:fs";
import { type ChildRapport, startChildRapport } from "../support/child-rapport.js";
import { postEvent, registration, TEST_API_KEY, testEnv } from "../support/test-env.js";
import { type AcceptedEvent, type Tally, tally } from "./checker.js";
import type { ChaosOptions } from "./options.js";
import { type ChaosRedis, type ChaosSink, startChaosRedis } from "./processes.js";
import { openRunStore, type RunStore } from "./run-store.js";

/**
 * Settings every run uses: fast retries and sweeps, and SMTP deadlines well under a
 * second-scale lease. Names other than those in src/config/settings.ts are ignored by
 * a rapport that does not know them (the settings schema drops unknown keys).
 */
export const BASE_ENV: Record<string, string> = {
  RAPPORT_RETRY_BASE_MS: "100",
  RAPPORT_SWEEP_INTERVAL_MS: "1000",
  RAPPORT_CONCURRENCY: "8",
  SMTP_POOL_SIZE: "4",
  SMTP_CONNECTION_TIMEOUT_MS: "2000",
  SMTP_GREETING_TIMEOUT_MS: "2000",
  SMTP_SOCKET_TIMEOUT_MS: "3000",
  SMTP_SEND_DEADLINE_MS: "5000",
  RAPPORT_SHUTDOWN_GRACE_MS: "3000",
  // The shortest lease a 5 s send deadline allows (deadline + 2 s grace + 30 s margin, see
  // process-delivery.ts): a claim left by a killed process lapses after 40 s, not 5 min.
  RAPPORT_SEND_LEASE_MS: "40000",
};

/** Not exited (a SIGSTOPped process is running). */
const running = (c: ChildRapport) => c.child.exitCode === null && c.child.signalCode === null;

export interface Settled {
  tally: Tally;
  /** ms from the end of the fault until nothing was pending; null when the limit passed first. */
  settleMs: number | null;
}

export class RunContext {
  readonly accepted: AcceptedEvent[] = [];
  readonly rapports: ChildRapport[] = [];
  /** Findings that fail the run whatever the tally says (e.g. no exit within the deadline). */
  readonly problems: string[] = [];
  readonly notes: string[] = [];
  faultEndedAt = 0;
  /** How the run was deployed, for the report: "all" or "http+Nw", then the store's kind. */
  setup = "";
  /** Whether the HTTP API runs in a process of its own (then workers are `rapport worker`). */
  private split = false;

  private constructor(
    readonly name: string,
    readonly redis: ChaosRedis,
    readonly sink: ChaosSink,
    readonly store: RunStore,
    readonly env: Record<string, string>,
    readonly dir: string,
    private readonly options: ChaosOptions,
  ) {}

  static async create(
    name: string,
    sink: ChaosSink,
    env: Record<string, string>,
    options: ChaosOptions,
  ): Promise<RunContext> {
    await sink.reset();
    const t = testEnv("redis://placeholder:1", {}, { flows: ["thank-you"] });
    const redis = await startChaosRedis(t.dir);
    const store = await openRunStore(options.postgresUrl, t.dir).catch(async (err: unknown) => {
      await redis.kill();
      rmSync(t.dir, { recursive: true, force: true });
      throw err;
    });
    const full = {
      ...t.env,
      DATABASE_URL: store.url,
      REDIS_URL: redis.url,
      SMTP_URL: sink.url,
      ...BASE_ENV,
      ...env,
    };
    return new RunContext(name, redis, sink, store, full, t.dir, options);
  }

  /**
   * Brings the run's rapport up with `workers` processes doing the work (default
   * CHAOS_WORKERS): one `rapport start` for 1, else an HTTP-only process and `workers`
   * `rapport worker` processes. Resolves with the working processes once all are up.
   */
  async up(workers = this.options.workers): Promise<ChildRapport[]> {
    if (this.rapports.length > 0) throw new Error(`${this.name}: up() called twice`);
    this.split = workers > 1;
    this.setup = `${this.split ? `http+${workers}w` : "all"}/${this.store.kind}`;
    // The first process migrates the store alone; the others start together.
    await this.spawn(this.split ? ["start", "--role", "http"] : ["start"]);
    const more = this.split ? workers : workers - 1;
    await Promise.all(Array.from({ length: more }, () => this.startWorker()));
    return this.workers;
  }

  /** Starts one more process doing the work: `rapport worker` beside an HTTP process, else `rapport start`. */
  startWorker(): Promise<ChildRapport> {
    if (!this.setup) throw new Error(`${this.name}: startWorker() before up()`);
    return this.spawn(this.split ? ["worker"] : ["start"]);
  }

  private async spawn(args: string[]): Promise<ChildRapport> {
    const r = await startChildRapport(this.env, args, 90_000);
    this.rapports.push(r);
    return r;
  }

  /** The processes doing the work that have not exited (a stopped one included), oldest first. */
  get workers(): ChildRapport[] {
    return this.rapports.filter((c) => c.serves.work && running(c));
  }

  /** The newest process doing the work that is still running: the one faults are played on. */
  get live(): ChildRapport {
    const r = this.workers.at(-1);
    if (!r) throw new Error(`${this.name}: no rapport worker is running`);
    return r;
  }

  /** The HTTP port of the newest running process that serves the API. */
  get apiPort(): number {
    const r = this.rapports.filter((c) => c.serves.http && running(c)).at(-1);
    if (!r) throw new Error(`${this.name}: no rapport serving HTTP is running`);
    return r.port;
  }

  /**
   * Posts `n` registrations, `parallel` at a time, to the rapport serving HTTP; the 202s are
   * the promises checked later. `refused(i)` picks addresses the sink refuses.
   */
  async fire(
    n: number,
    opts: {
      tag?: string;
      refused?: (i: number) => boolean;
      email?: (i: number) => string;
      parallel?: number;
    } = {},
  ): Promise<void> {
    const tag = opts.tag ?? "a";
    let next = 0;
    const one = async () => {
      for (let i = next++; i < n; i = next++) {
        const refused = opts.refused?.(i) ?? false;
        const email = opts.email?.(i) ?? `${refused ? "refuse" : "c"}${i}@example.com`;
        const id = `${this.name}-${tag}-${i}`;
        const body = registration({ id, email, name: `Chaos ${i}` });
        body.product = { ...body.product, sku: `CHAOS-${tag}`, serial: `${tag}-${i}` };
        const res = await postEvent(this.apiPort, body, TEST_API_KEY).catch(() => null);
        if (res?.status === 202) this.accepted.push({ eventId: id, email, refused });
        else this.notes.push(`event ${id} not accepted (${res ? res.status : "no answer"})`);
      }
    };
    await Promise.all(Array.from({ length: opts.parallel ?? 8 }, one));
  }

  /** Waits until the sink has answered 250 for at least `n` messages. */
  async delivered(n: number, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const got = (await this.sink.messages()).filter((m) => m.acked).length;
      if (got >= n) return;
      if (Date.now() > deadline) throw new Error(`${this.name}: ${got} of ${n} messages reached the sink`);
      await sleep(100);
    }
  }

  /** The fault is over (the settle clock starts). */
  faultOver(): void {
    this.faultEndedAt = Date.now();
  }

  async observe(): Promise<Tally> {
    return tally({
      accepted: this.accepted,
      store: await this.store.messages(),
      suppressed: await this.store.suppressed(),
      sink: await this.sink.messages(),
    });
  }

  /** Events not yet processed (status received): ingest stuck behind something. */
  unprocessedEvents(): Promise<number> {
    return this.store.unprocessedEvents();
  }

  /**
   * Waits until nothing is pending (or limitMs after the fault ended), then a quiet
   * second and a half to see that nothing more arrives.
   */
  async settle(limitMs: number): Promise<Settled> {
    if (!this.faultEndedAt) this.faultOver();
    const deadline = this.faultEndedAt + limitMs;
    let settleMs: number | null = null;
    for (;;) {
      const t = await this.observe();
      if (t.lost === 0) {
        settleMs = Date.now() - this.faultEndedAt;
        break;
      }
      if (Date.now() > deadline) break;
      await sleep(250);
    }
    await sleep(1500);
    return { tally: await this.observe(), settleMs };
  }

  /**
   * Whether the timeline API says message `id` (to `email`) may have gone out more than
   * once: a field of its entry named like uncertain…/duplicate…/send count that is true
   * or above 0 (sent twice is one uncertain attempt before the sent one).
   */
  async timelineShowsDuplicate(email: string, id: string): Promise<boolean> {
    const res = await fetch(
      `http://127.0.0.1:${this.apiPort}/v1/customers/${encodeURIComponent(email)}/timeline`,
      {
        headers: { authorization: `Bearer ${TEST_API_KEY}` },
      },
    );
    if (!res.ok) return false;
    const timeline = (await res.json()) as { messages?: Array<Record<string, unknown>> };
    const entry = timeline.messages?.find((m) => m.id === id);
    return Object.entries(entry ?? {}).some(
      ([k, v]) =>
        /uncertain|duplicat|sendCount|sentCount/i.test(k) && (v === true || (typeof v === "number" && v > 0)),
    );
  }

  async close(): Promise<void> {
    await Promise.all(
      this.rapports.filter(running).map(async (r) => {
        r.child.kill("SIGCONT");
        const code = await Promise.race([r.stop(), sleep(15_000).then(() => "timeout" as const)]);
        if (code === "timeout") await r.kill();
      }),
    );
    // After the processes: a Postgres schema is dropped only once nobody holds it.
    await this.store.close().catch((err: unknown) => {
      console.error(`[${this.name}] store cleanup: ${(err as Error).message}`);
    });
    await this.redis.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
