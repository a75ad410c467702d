/**
 * A message that fails is logged once at error level with its id and the reason, not
 * only written to the timeline: a thank-you whose subject reads a customer attribute the
 * customer does not have (Handlebars runs strict), on a real rapport (Redis, SQLite, SMTP sink).
 * (Events, runs and inbound mail whose attempts run out, and messages given up on:
 * exhausted.test.ts and exhausted-jobs.test.ts assert their error lines.)
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { pino } from "pino";
import { afterEach, describe, expect, inject, it } from "vitest";
import { startRapport } from "../../src/main.js";
import { startSmtpSink } from "../support/smtp-sink.js";
import { eventually, postEvent, registration, testEnv } from "../support/test-env.js";
import { openTestStore } from "../support/test-store.js";

type LogLine = { level: number; msg: string } & Record<string, unknown>;
const ERROR = 50;

describe("failures in the log", () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn().catch(() => {});
  });

  it("a message that cannot be rendered: one error line with its id and why", async () => {
    const sink = await startSmtpSink();
    cleanup.push(() => sink.close());
    const t = testEnv(
      inject("redisUrl"),
      { SMTP_URL: sink.url, RAPPORT_SWEEP_INTERVAL_MS: "200" },
      { flows: ["thank-you"] },
    );
    // A subject that reads a customer attribute this customer does not have: Handlebars
    // runs strict, so it cannot be rendered (validation cannot know which attributes come).
    writeFileSync(
      join(t.settings.RAPPORT_CONFIG_DIR, "templates", "thank-you", "subject.hbs"),
      "Your plan: {{customer.attributes.plan}}\n",
    );
    const lines: LogLine[] = [];
    const logger = pino({ level: "info" }, { write: (s: string) => lines.push(JSON.parse(s) as LogLine) });
    const rapport = await startRapport({ settings: t.settings, role: "all", logger });
    cleanup.push(() => rapport.close());
    const store = await openTestStore(t.settings);
    cleanup.push(() => store.close());

    const res = await postEvent(
      rapport.httpPort as number,
      registration({ id: "no-plan-1", email: "grace@example.com", name: "Grace Hopper" }),
    );
    expect(res.status).toBe(202);
    const failed = await eventually(async () => {
      const m = (await store.timeline("grace@example.com"))?.messages[0];
      return m?.status === "failed" ? m : null;
    }, "the message failed");
    const errors = () => lines.filter((l) => l.level >= ERROR && l.messageId === failed.id);
    await eventually(async () => errors().length > 0, "the failure logged at error level");
    expect(errors()[0]?.reason).toBe(failed.error);
    expect(String(failed.error)).toMatch(/plan/);
    // Once: the sweeper (every 200 ms here) leaves a failed message alone and says nothing
    // more of it; closing waits for work under way.
    await rapport.close();
    expect(errors()).toHaveLength(1);
  });
});
