/**
 * Durability across processes: a rapport killed outright in the middle of a 14-day wait
 * (scaled to seconds by a setting) is replaced by a new process, which sends the
 * check-in — once, with no second thank-you.
 */
import { afterEach, describe, expect, inject, it } from "vitest";
import { type ChildRapport, startChildRapport } from "../support/child-rapport.js";
import { type SmtpSink, startSmtpSink } from "../support/smtp-sink.js";
import { eventually, postEvent, registration, testEnv } from "../support/test-env.js";
import { openTestStore } from "../support/test-store.js";

const FOURTEEN_DAYS = 14 * 24 * 3600_000;

describe("restarts", () => {
  let sink: SmtpSink | null = null;
  const children: ChildRapport[] = [];
  afterEach(async () => {
    for (const c of children.splice(0)) if (c.child.exitCode === null) await c.kill();
    await sink?.close();
  });

  it("a worker killed during a wait still sends the check-in after restart", async () => {
    sink = await startSmtpSink();
    const t = testEnv(
      inject("redisUrl"),
      {
        SMTP_URL: sink.url,
        RAPPORT_WAIT_SCALE: String(6000 / FOURTEEN_DAYS),
        RAPPORT_RETRY_BASE_MS: "300",
      },
      { flows: ["thank-you"] },
    );
    const first = await startChildRapport(t.env);
    children.push(first);
    const res = await postEvent(first.port, registration({ id: "restart-1", email: "margaret@example.com" }));
    expect(res.status).toBe(202);
    await sink.waitFor(1);

    await first.kill(); // no graceful shutdown: the wait is in Redis and SQLite only
    const store = await openTestStore(t.settings);
    const waiting = await store.timeline("margaret@example.com");
    expect(waiting?.runs[0]?.status).toBe("waiting");
    expect(sink.received).toHaveLength(1);

    const second = await startChildRapport(t.env);
    children.push(second);
    const all = await sink.waitFor(2, 25_000);
    expect(all[1]?.envelopeTo).toEqual(["margaret@example.com"]);
    expect(all[1]?.parsed.subject).not.toEqual(all[0]?.parsed.subject);

    await eventually(
      async () => (await store.timeline("margaret@example.com"))?.runs[0]?.status === "completed",
      "run completed",
    );
    await new Promise((r) => setTimeout(r, 500));
    expect(sink.received).toHaveLength(2);
    expect(await second.stop()).toBe(0); // SIGTERM shuts down gracefully
    await store.close();
  });
});
