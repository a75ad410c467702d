/**
 * SMS sent by a flow, on real parts: rapport (HTTP, Redis queues, SQLite store) and a real
 * Kannel (bearerbox + smsbox) with fakesmsc as the operator. A registration with a phone
 * and SMS consent gets the care tip by text; without consent it is held back with the
 * reason; at 03:00 in the customer's time zone it waits for the SMS quiet hours.
 *
 * Time zones are chosen from the hour the test runs (Etc/GMT±N), so "afternoon" and
 * "night" hold whenever it runs.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { createDlrTokens } from "../../src/channels/sms-tokens.js";
import { silentLogger } from "../../src/infra/logger.js";
import { type Rapport, startRapport } from "../../src/main.js";
import type { Store } from "../../src/store/store.js";
import { kannelProblem, startKannel, type TestKannel } from "../support/kannel.js";
import { eventually, postEvent, testEnv } from "../support/test-env.js";
import { openTestStore } from "../support/test-store.js";

const problem = kannelProblem();
if (problem) console.warn(`test/integration/sms-delivery.test.ts skipped: ${problem}`);

/** An IANA zone where it is now about `hour` o'clock (Etc/GMT-N is UTC+N). */
function zoneAtHour(hour: number, now = Date.now()): string {
  let offset = hour - new Date(now).getUTCHours();
  if (offset > 12) offset -= 24;
  if (offset < -12) offset += 24;
  return offset === 0 ? "Etc/GMT" : `Etc/GMT${offset > 0 ? "-" : "+"}${Math.abs(offset)}`;
}

const SECRET = "sms-delivery-test-secret-0123456789abcdef";

const SMS_FLOW = `name: Care tips by text
trigger:
  event: registration
entry: once_per_product
topic: check_ins
steps:
  - send: { template: care-tip, channel: sms }
`;

describe.skipIf(problem !== null)("SMS from a flow through Kannel", () => {
  let kannel: TestKannel;
  let rapport: Rapport | null = null;
  let store: Store | null = null;

  beforeAll(async () => {
    // Incoming texts are another test's concern; Kannel needs somewhere to send them.
    kannel = await startKannel({ incomingUrl: "http://127.0.0.1:9/unused?from=%p" });
  });
  afterAll(async () => {
    await kannel?.close();
  });
  afterEach(async () => {
    await rapport?.close();
    await store?.close();
    rapport = store = null;
  });

  async function boot() {
    const t = testEnv(
      inject("redisUrl"),
      {
        SMS_GATEWAY_URL: kannel.sendsmsUrl,
        SMS_GATEWAY_USERNAME: kannel.username,
        SMS_GATEWAY_PASSWORD: kannel.password,
        SMS_FROM: "4040",
        RAPPORT_SECRET: SECRET,
      },
      { flows: [] },
    );
    writeFileSync(join(t.env.RAPPORT_CONFIG_DIR as string, "flows", "care-tips-sms.yaml"), SMS_FLOW);
    rapport = await startRapport({ settings: t.settings, role: "all", logger: silentLogger });
    store = await openTestStore(t.settings);
    return { port: rapport.httpPort as number, store };
  }

  const register = (port: number, id: string, customer: Record<string, unknown>) =>
    postEvent(port, {
      id,
      type: "registration",
      customer,
      product: { sku: "LYRA-RD-2780", name: "Lyra RD 2780", serial: id, category: "turntable" },
    });

  const smsOf = async (s: Store, email: string) =>
    (await s.timeline(email))?.messages.find((m) => m.template === "care-tip") ?? null;

  it("texts a customer who gave a phone and consent; holds back one without consent; waits out the night", async () => {
    const { port, store } = await boot();
    const consent = { sms: true, source: "registration form" };
    const ada = {
      email: "ada@example.com",
      name: "Ada Lovelace",
      timezone: zoneAtHour(15),
      phone: "+44 7911 123456",
      consent,
    };
    const bob = {
      email: "bob@example.com",
      name: "Bob Byte",
      timezone: zoneAtHour(15),
      phone: "+447911123457",
    };
    const cy = {
      email: "cy@example.com",
      name: "Cy Night",
      timezone: zoneAtHour(3),
      phone: "+447911123458",
      consent,
    };
    for (const [id, c] of [
      ["r-ada", ada],
      ["r-bob", bob],
      ["r-cy", cy],
    ] as const)
      expect((await register(port, id, c)).status).toBe(202);

    const got = await eventually(
      async () => kannel.sent().find((s) => s.to === "+447911123456"),
      "Ada's text at the operator",
    );
    expect(got).toMatchObject({ from: "4040", type: "text" });
    expect(got.text).toBe(
      "Hi Ada, a care tip from Lyra Audio for your Lyra RD 2780: brush the stylus gently, back to front, before each side. Reply STOP to opt out.",
    );
    const sent = await eventually(async () => {
      const m = await smsOf(store, ada.email);
      return m?.status === "sent" ? m : null;
    }, "Ada's SMS to be recorded as sent");
    expect(sent).toMatchObject({ channel: "sms", toAddress: "+447911123456", subject: got.text });
    expect(sent.smtpResponse).toMatch(/^202 /);
    // Timed like an email send, under its own channel label.
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toContain('rapport_send_duration_seconds_count{outcome="sent",channel="sms"} 1\n');
    expect(metrics).not.toContain('channel="email"');

    const held = await eventually(async () => {
      const m = await smsOf(store, bob.email);
      return m?.status === "suppressed" ? m : null;
    }, "Bob's SMS to be held back");
    expect(held.error).toBe("held back: Bob has not agreed to marketing SMS");

    const waiting = await eventually(async () => {
      const m = await smsOf(store, cy.email);
      return m?.status === "queued" && m.notBefore !== null ? m : null;
    }, "Cy's SMS to wait for the quiet hours to end");
    // 03:00 local: the next 10:00 there, seven hours on (to the minute the hour began).
    const local = new Date(waiting.notBefore as number).toLocaleString("en-GB", {
      timeZone: cy.timezone,
      hour: "2-digit",
      minute: "2-digit",
      hour12: false,
    });
    expect(local).toBe("10:00");
    expect(waiting.error).toMatch(/^postponed to .* \(SMS quiet hours or frequency cap\)$/);
    expect(kannel.sent().filter((s) => s.to !== "+447911123456")).toEqual([]);

    // fakesmsc acknowledges every text: Kannel reports it accepted, then delivered, to the signed dlr-url.
    const delivered = await eventually(async () => {
      const m = await smsOf(store, ada.email);
      return m?.deliveryStatus === "delivered" ? m : null;
    }, "Ada's delivery report");
    expect(delivered.status).toBe("sent");

    // A report without the message's token is refused; a late "accepted" does not undo "delivered".
    const dlr = (id: string, token: string, status: number, answer = "") =>
      fetch(
        `http://127.0.0.1:${port}/sms/dlr/${id}/${token}?status=${status}&answer=${encodeURIComponent(answer)}`,
      );
    expect((await dlr(sent.id, "forged-token-000000000", 2)).status).toBe(403);
    const tokens = createDlrTokens(SECRET);
    expect((await dlr(sent.id, tokens.make(sent.id), 8)).status).toBe(200);
    expect((await smsOf(store, ada.email))?.deliveryStatus).toBe("delivered");
    expect((await dlr(sent.id, tokens.make(sent.id), 3)).status).toBe(400);

    // A permanent failure (as Kannel reports an operator's refusal of the number) fails the
    // message with the operator's answer and suppresses the number: Cy's next text is held back.
    expect(
      (await dlr(waiting.id, tokens.make(waiting.id), 2, "NACK/0x0000000b/Invalid Destination Address"))
        .status,
    ).toBe(200);
    const failed = await smsOf(store, cy.email);
    expect(failed).toMatchObject({
      status: "failed",
      deliveryStatus: "failed",
      error: "failed at the operator: NACK/0x0000000b/Invalid Destination Address",
    });
    expect((await register(port, "r-cy-2", cy)).status).toBe(202);
    const second = await eventually(async () => {
      const ms = (await store.timeline(cy.email))?.messages.filter((m) => m.template === "care-tip") ?? [];
      return ms.find((m) => m.id !== waiting.id && m.status === "suppressed") ?? null;
    }, "Cy's second text to be held back");
    expect(second.error).toMatch(
      /^not sent: \+447911123458 failed for good at the operator on \d{4}-\d{2}-\d{2} \(NACK/,
    );
  });
});
