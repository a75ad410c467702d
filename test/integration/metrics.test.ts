/**
 * /metrics on a real rapport (Redis, SQLite, SMTP sink) after a registration, its
 * messages and a reply: the events received, messages by status and flow, replies by
 * kind, queue depths, send latency, inbound parse time and wake-up lag are there, in
 * Prometheus's text format. With METRICS_TOKEN, /metrics needs it.
 */
import { afterEach, describe, expect, inject, it } from "vitest";
import { silentLogger } from "../../src/infra/logger.js";
import { startRapport } from "../../src/main.js";
import { replyMime } from "../support/mail-in.js";
import { startSmtpSink } from "../support/smtp-sink.js";
import { eventually, postEvent, registration, testEnv } from "../support/test-env.js";

const DAY = 86_400_000;

/** The value of one sample line, e.g. `rapport_messages{status="sent",flow="thank-you"}`. */
function sample(text: string, series: string): number | null {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? null : Number(line.slice(series.length + 1));
}

describe("/metrics", () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn().catch(() => {});
  });

  it("counts a registration, its messages, a reply, the queues and the timings", async () => {
    const sink = await startSmtpSink();
    cleanup.push(() => sink.close());
    // Two weeks in ~1.5 s: the check-in's wake-up runs during the test.
    const t = testEnv(
      inject("redisUrl"),
      { SMTP_URL: sink.url, RAPPORT_WAIT_SCALE: String(1500 / (14 * DAY)), METRICS_CACHE_MS: "0" },
      { flows: ["thank-you"] },
    );
    const rapport = await startRapport({ settings: t.settings, role: "all", logger: silentLogger });
    cleanup.push(() => rapport.close());
    const port = rapport.httpPort as number;
    const scrape = async () => {
      const res = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toContain("text/plain");
      return res.text();
    };

    expect((await postEvent(port, registration({ id: "m-1" }))).status).toBe(202);
    const [thanks] = await sink.waitFor(2); // the thank-you, then the check-in after the wait
    const replyTo = thanks?.parsed.replyTo?.value[0]?.address as string;
    const res = await fetch(`http://127.0.0.1:${port}/v1/inbound`, {
      method: "POST",
      headers: { "content-type": "message/rfc822", authorization: `Bearer ${rapport.apiKeys[0]}` },
      body: replyMime({
        from: "Ada Lovelace <ada@example.com>",
        to: replyTo,
        subject: "Re: thanks",
        messageId: "<metrics-reply-1@mail.example.com>",
        inReplyTo: thanks?.parsed.messageId as string,
        text: "Lovely, thank you!",
      }),
    });
    expect(res.status).toBe(202);

    const text = await eventually(async () => {
      const body = await scrape();
      return sample(body, 'rapport_replies{kind="human_reply"}') === 1 &&
        sample(body, 'rapport_messages{status="sent",flow="thank-you"}') === 2
        ? body
        : null;
    }, "the reply and both messages counted");

    expect(sample(text, 'rapport_events_received_total{type="registration"}')).toBe(1);
    expect(sample(text, 'rapport_send_duration_seconds_count{outcome="sent",channel="email"}')).toBe(2);
    expect(sample(text, "rapport_inbound_parse_seconds_count")).toBe(1);
    // Every message went out once: no possible duplicate (delivery-faults.test.ts makes one).
    expect(sample(text, "rapport_messages_possible_duplicates")).toBe(0);
    expect(sample(text, "rapport_wakeup_lag_seconds_count")).toBeGreaterThanOrEqual(1);
    for (const queue of ["events", "steps", "deliveries", "inbound", "broadcasts"])
      expect(sample(text, `rapport_queue_jobs{queue="${queue}",state="waiting"}`)).not.toBeNull();
    expect(text).toContain("# TYPE rapport_send_duration_seconds histogram");
    expect(text).toContain("# TYPE rapport_messages gauge");
    expect(text).toContain("rapport_process_resident_memory_bytes");

    // An unknown type is counted under "unknown", not as a label value of its own.
    await postEvent(port, { id: "m-2", type: "registraton", customer: { email: "x@example.com" } });
    expect(sample(await scrape(), 'rapport_events_received_total{type="unknown"}')).toBe(1);
  }, 60_000);

  it("with METRICS_TOKEN: 401 without it, 200 with it", async () => {
    const token = "scrape-token-0123456789";
    const t = testEnv(inject("redisUrl"), { METRICS_TOKEN: token }, { flows: ["thank-you"] });
    const rapport = await startRapport({ settings: t.settings, role: "all", logger: silentLogger });
    cleanup.push(() => rapport.close());
    const url = `http://127.0.0.1:${rapport.httpPort}/metrics`;
    expect((await fetch(url)).status).toBe(401);
    expect((await fetch(url, { headers: { authorization: `Bearer ${rapport.apiKeys[0]}` } })).status).toBe(
      401,
    );
    const ok = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain("rapport_queue_jobs");
  });

  it("a `rapport worker` with METRICS_PORT serves /metrics, /healthz and /readyz there", async () => {
    const t = testEnv(inject("redisUrl"), { METRICS_PORT: "0" }, { flows: ["thank-you"] });
    const worker = await startRapport({ settings: t.settings, role: "worker", logger: silentLogger });
    cleanup.push(() => worker.close());
    expect(worker.httpPort).toBeNull();
    const base = `http://127.0.0.1:${worker.metricsPort}`;
    const metrics = await fetch(`${base}/metrics`);
    expect(metrics.status).toBe(200);
    const text = await metrics.text();
    expect(sample(text, 'rapport_queue_jobs{queue="deliveries",state="waiting"}')).not.toBeNull();
    expect(text).toContain("# TYPE rapport_send_duration_seconds histogram");
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect(await (await fetch(`${base}/readyz`)).json()).toEqual({
      status: "ready",
      checks: { redis: "ok", store: "ok" },
    });
    // Only those: the API stays with `rapport start`.
    expect((await fetch(`${base}/v1/events`, { method: "POST" })).status).toBe(404);
  });
});
