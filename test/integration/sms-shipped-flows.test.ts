/**
 * The shipped flows' texts, on a real Kannel (bearerbox + smsbox, fakesmsc as the operator):
 * Grace registered with a phone, SMS consent and texts as her preferred channel. The
 * get-to-know-you question reaches her by text and her texted answer is thanked by text;
 * after the thank-you flow's check-in she is offered care tips by text, texts "yes", is
 * tagged and gets the first tip at once. Waits scaled (demo mode: a day is half a second).
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { inboundGetUrl } from "../../src/channels/sms-links.js";
import { freePort } from "../../src/infra/embedded-redis.js";
import { silentLogger } from "../../src/infra/logger.js";
import { type Rapport, startRapport } from "../../src/main.js";
import type { Store } from "../../src/store/store.js";
import { kannelProblem, startKannel, type TestKannel } from "../support/kannel.js";
import { eventually, postEvent, testEnv } from "../support/test-env.js";
import { openTestStore } from "../support/test-store.js";

const problem = kannelProblem();
if (problem) console.warn(`test/integration/sms-shipped-flows.test.ts skipped: ${problem}`);

const SECRET = "sms-inbound-test-secret-0123456789";
const GRACE = "+447911123457";

describe.skipIf(problem !== null)("the shipped flows by text, through Kannel", () => {
  let kannel: TestKannel;
  let rapport: Rapport;
  let store: Store;
  let port: number;

  beforeAll(async () => {
    port = await freePort();
    kannel = await startKannel({ incomingUrl: inboundGetUrl(`http://127.0.0.1:${port}`, SECRET) });
    const t = testEnv(
      inject("redisUrl"),
      {
        PORT: String(port),
        SMS_GATEWAY_URL: kannel.sendsmsUrl,
        SMS_GATEWAY_USERNAME: kannel.username,
        SMS_GATEWAY_PASSWORD: kannel.password,
        SMS_FROM: "4040",
        SMS_INBOUND_SECRET: SECRET,
        RAPPORT_WAIT_SCALE: String(500 / (24 * 3600_000)),
      },
      // The shipped flows, with the shipped send window and cap (demo mode turns the window off).
      {
        flows: ["thank-you", "get-to-know-you"],
        sending: { window: { start: "09:00", end: "20:00" }, cap: { max: 2, per: "7 days" } },
      },
    );
    rapport = await startRapport({ settings: t.settings, role: "all", logger: silentLogger });
    store = await openTestStore(t.settings);
  });
  afterAll(async () => {
    await rapport?.close();
    await store?.close();
    await kannel?.close();
  });

  const toGrace = () => kannel.sent().filter((s) => s.to === GRACE);

  it("asks by text, thanks a texted answer by text, and offers care tips by text", async () => {
    const grace = {
      email: "grace@example.com",
      name: "Grace Hopper",
      phone: GRACE,
      consent: { sms: true, source: "registration form" },
      attributes: { preferredChannel: "sms" },
    };
    const res = await postEvent(port, {
      id: "g-1",
      type: "registration",
      customer: grace,
      product: { sku: "LYRA-RD-2780", name: "Lyra RD 2780", serial: "RD-9", category: "turntable" },
    });
    expect(res.status).toBe(202);

    const question = await eventually(
      async () => toGrace().find((s) => s.text.includes("what will you play first")),
      "the question by text",
    );
    expect(question.text).toMatch(/^Lyra Audio: hi Grace, what will you play first on your Lyra RD 2780\?/);
    kannel.inject(GRACE, "4040", "Kind of Blue, first thing.");
    await eventually(
      async () => toGrace().find((s) => s.text.includes("thank you for your answer, Grace")),
      "the thanks by text",
    );

    // The thank-you flow: check-in (email) at day 14, the offer by text two days later.
    const offer = await eventually(
      async () => toGrace().find((s) => s.text.includes("care tip for your Lyra RD 2780 by text")),
      "the care tips offer by text",
      30_000,
    );
    expect(offer.text).toContain("Reply YES.");
    kannel.inject(GRACE, "4040", "Yes please!");
    await eventually(
      async () => toGrace().find((s) => s.text.includes("brush the stylus gently")),
      "the first tip at once",
    );
    const tl = await eventually(async () => {
      const x = await store.timeline(grace.email);
      return x?.customer.tags.includes("care-tips-by-text") ? x : null;
    }, "Grace tagged care-tips-by-text");
    const byTemplate = (t: string) => tl.messages.find((m) => m.template === t);
    expect(byTemplate("get-to-know-you")?.channel).toBe("sms");
    expect(byTemplate("thanks-for-answer")?.channel).toBe("sms");
    expect(byTemplate("thank-you")?.channel).toBe("email");
    expect(byTemplate("check-in")?.status).toBe("sent");
    expect(tl.interactions.map((i) => i.text)).toEqual(
      expect.arrayContaining(["Kind of Blue, first thing.", "Yes please!"]),
    );
  }, 90_000);
});
