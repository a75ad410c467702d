/**
 * rapport's Prometheus metrics (prom-client), on a registry of their own per process
 * (no global default registry: two rapports in one process, as in tests, stay apart).
 *
 * Two kinds:
 *   - measured here as things happen (this process's counters and histograms): events
 *     received by type, send latency by outcome and channel, inbound parse time, the
 *     parsing worker's peak memory per message, wake-up lag;
 *   - read at scrape time from the shared truth, so every process reports the same whole:
 *     messages by status and flow and replies by kind from the store (grouped counts,
 *     cached for `cacheMs` and shared by concurrent scrapes, so Prometheus never makes the
 *     store count more often than that), queue depths from BullMQ.
 * Plus Node's process metrics (memory, event-loop lag, GC) under the rapport_ prefix.
 *
 * Contract: createMetrics(opts) → Metrics. The record* functions never throw and cost a
 * few hundred nanoseconds; render() answers the exposition text (and its content type).
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { ChannelName } from "../channels/channel.js";
import type { Clock } from "../infra/clock.js";

/** Where the scrape-time numbers come from (main.ts wires the store and the queues). */
export interface MetricSources {
  messageCounts?: () => Promise<Array<{ status: string; flowId: string | null; count: number }>>;
  interactionCounts?: () => Promise<Array<{ kind: string; count: number }>>;
  /** Messages sent more than once (a claim taken over after its lease: see store/messages.ts). */
  possibleDuplicates?: () => Promise<number>;
  /** Job counts per queue and state (waiting, active, delayed, failed, …). */
  queueCounts?: () => Promise<Array<{ queue: string; counts: Record<string, number> }>>;
}

export interface MetricsOptions {
  clock: Clock;
  /** How long store counts are reused between scrapes (METRICS_CACHE_MS). */
  cacheMs: number;
  /** Event types that get their own label value; others count as "unknown" (bounded labels). */
  knownEventTypes?: readonly string[];
  /** Node process metrics (default on; tests may turn them off). */
  processMetrics?: boolean;
}

export interface Metrics {
  eventReceived(type: string): void;
  /**
   * A send attempt's duration, by outcome: sent, refused (for good: an SMTP 5xx, a gateway's
   * 4xx), failed (anything else); and by channel, email when not said (callers from before SMS).
   */
  sendFinished(seconds: number, outcome: "sent" | "refused" | "failed", channel?: ChannelName): void;
  /** How long understanding one inbound message took. */
  inboundParsed(seconds: number): void;
  /** Peak resident memory of the worker process that understood one inbound message. */
  inboundParserPeakRss(bytes: number): void;
  /** How late a run's wake-up ran against the time it was due. */
  wakeUpRan(lagSeconds: number): void;
  /** Sets where scrape-time numbers are read from (the store and queues exist after the metrics). */
  setSources(sources: MetricSources): void;
  render(): Promise<{ contentType: string; body: string }>;
}

/** A cached async read: one call at a time, reused for `ttlMs`. */
function cached<T>(read: () => Promise<T>, ttlMs: number, clock: Clock): () => Promise<T> {
  let value: { at: number; data: T } | null = null;
  let pending: Promise<T> | null = null;
  return () => {
    if (value && clock.now() - value.at < ttlMs) return Promise.resolve(value.data);
    pending ??= read()
      .then((data) => {
        value = { at: clock.now(), data };
        return data;
      })
      .finally(() => {
        pending = null;
      });
    return pending;
  };
}

export function createMetrics(opts: MetricsOptions): Metrics {
  const registry = new Registry();
  if (opts.processMetrics !== false) collectDefaultMetrics({ register: registry, prefix: "rapport_" });
  const known = new Set(opts.knownEventTypes ?? []);
  let sources: MetricSources = {};
  let messageCounts: MetricSources["messageCounts"];
  let interactionCounts: MetricSources["interactionCounts"];
  let possibleDuplicates: MetricSources["possibleDuplicates"];

  const events = new Counter({
    name: "rapport_events_received_total",
    help: "Events accepted by POST /v1/events in this process, by type (types no flow knows: unknown).",
    labelNames: ["type"],
    registers: [registry],
  });
  const sends = new Histogram({
    name: "rapport_send_duration_seconds",
    // channel came with SMS: queries on outcome alone still match (they sum over channels).
    help: "Duration of one send attempt in this process, by outcome and channel (email: SMTP or outbox; sms: the gateway).",
    labelNames: ["outcome", "channel"],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });
  const parse = new Histogram({
    name: "rapport_inbound_parse_seconds",
    help: "Time to parse, classify and extract one inbound message in this process.",
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30],
    registers: [registry],
  });
  const parserRss = new Histogram({
    name: "rapport_inbound_parser_peak_rss_bytes",
    help: "Peak resident memory of the worker process while it understood one inbound message.",
    buckets: [32, 64, 96, 128, 192, 256, 384, 512, 1024].map((mb) => mb * 1024 * 1024),
    registers: [registry],
  });
  const wakeLag = new Histogram({
    name: "rapport_wakeup_lag_seconds",
    help: "How late a run's timed wake-up ran against when it was due, in this process.",
    buckets: [0.1, 0.5, 1, 5, 15, 30, 60, 300, 900, 3600],
    registers: [registry],
  });
  new Gauge({
    name: "rapport_messages",
    help: "Messages in the store by status and flow (whole store; counted at most every METRICS_CACHE_MS).",
    labelNames: ["status", "flow"],
    registers: [registry],
    async collect() {
      this.reset();
      for (const r of (await messageCounts?.()) ?? [])
        this.set({ status: r.status, flow: r.flowId ?? "" }, r.count);
    },
  });
  new Gauge({
    name: "rapport_replies",
    help: "What came back, by kind (human_reply, auto_reply, bounce, complaint, unsubscribe); whole store.",
    labelNames: ["kind"],
    registers: [registry],
    async collect() {
      this.reset();
      for (const r of (await interactionCounts?.()) ?? []) this.set({ kind: r.kind }, r.count);
    },
  });
  new Gauge({
    name: "rapport_messages_possible_duplicates",
    help: "Messages sent with an uncertain earlier attempt (the recipient may have two copies); whole store.",
    registers: [registry],
    async collect() {
      const n = await possibleDuplicates?.();
      if (n !== undefined) this.set(n);
    },
  });
  new Gauge({
    name: "rapport_queue_jobs",
    help: "BullMQ jobs per queue and state (waiting, active, delayed, prioritized, failed, …).",
    labelNames: ["queue", "state"],
    registers: [registry],
    async collect() {
      this.reset();
      for (const q of (await sources.queueCounts?.()) ?? [])
        for (const [state, n] of Object.entries(q.counts)) this.set({ queue: q.queue, state }, n);
    },
  });

  const safe = (fn: () => void) => {
    try {
      fn();
    } catch {
      // A metric must never fail the work it measures.
    }
  };
  return {
    eventReceived: (type) =>
      safe(() => events.inc({ type: known.size === 0 || known.has(type) ? type : "unknown" })),
    sendFinished: (seconds, outcome, channel = "email") =>
      safe(() => sends.observe({ outcome, channel }, seconds)),
    inboundParsed: (seconds) => safe(() => parse.observe(seconds)),
    inboundParserPeakRss: (bytes) => safe(() => parserRss.observe(bytes)),
    wakeUpRan: (lag) => safe(() => wakeLag.observe(Math.max(0, lag))),
    setSources(next) {
      sources = next;
      messageCounts = next.messageCounts && cached(next.messageCounts, opts.cacheMs, opts.clock);
      interactionCounts = next.interactionCounts && cached(next.interactionCounts, opts.cacheMs, opts.clock);
      possibleDuplicates =
        next.possibleDuplicates && cached(next.possibleDuplicates, opts.cacheMs, opts.clock);
    },
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
