/**
 * wait_until on real parts: a run waits for the next weekday 10:00 in the customer's time
 * zone, and wakes when that moment comes (rapport's clock is moved forward; the sweeper
 * wakes runs whose time has come, as it does after any lost wake-up).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, inject, it } from "vitest";
import { silentLogger } from "../../src/infra/logger.js";
import { type Rapport, startRapport } from "../../src/main.js";
import type { Store } from "../../src/store/store.js";
import { movableClock } from "../support/clock.js";
import { type SmtpSink, startSmtpSink } from "../support/smtp-sink.js";
import { eventually, postEvent, registration, testEnv } from "../support/test-env.js";
import { openTestStore } from "../support/test-store.js";

const FLOW = `name: Weekday hello
trigger: { event: registration }
topic: check_ins
steps:
  - wait_until: { at: "10:00", days: [mon, tue, wed, thu, fri] }
    id: monday-morning
  - send: check-in
`;

describe("wait_until a local time on allowed days", () => {
  let sink: SmtpSink | null = null;
  let rapport: Rapport | null = null;
  let store: Store | null = null;
  afterEach(async () => {
    await rapport?.close();
    await sink?.close();
    await store?.close();
    rapport = sink = store = null;
  });

  it("waits from Saturday noon to Monday 10:00 in the customer's zone, then goes on", async () => {
    sink = await startSmtpSink();
    const t = testEnv(
      inject("redisUrl"),
      { SMTP_URL: sink.url, RAPPORT_SWEEP_INTERVAL_MS: "100", RAPPORT_RETRY_BASE_MS: "300" },
      { flows: [] },
    );
    writeFileSync(join(t.dir, "config", "flows", "weekday-hello.yaml"), FLOW);
    const clock = movableClock();
    clock.set(Date.UTC(2030, 5, 15, 12)); // Saturday 2030-06-15 12:00 UTC
    rapport = await startRapport({ settings: t.settings, role: "all", logger: silentLogger, clock });
    store = await openTestStore(t.settings);

    await postEvent(rapport.httpPort as number, {
      ...registration({ id: "wu-1" }),
      customer: { email: "ada@example.com", name: "Ada Lovelace", timezone: "Europe/Berlin" },
    });
    const monday10Berlin = Date.UTC(2030, 5, 17, 8); // 10:00 CEST
    const run = await eventually(async () => {
      const r = (await store?.timeline("ada@example.com"))?.runs[0];
      return r?.status === "waiting" ? r : null;
    }, "the run to wait");
    expect(run.wakeAt).toBe(monday10Berlin);

    await new Promise((ok) => setTimeout(ok, 400));
    expect(sink.received).toHaveLength(0); // still Saturday for rapport

    clock.set(monday10Berlin + 1000);
    const [mail] = await sink.waitFor(1);
    expect(mail?.parsed.subject).toMatch(/How is your Lyra RD 2780/);
  });
});
