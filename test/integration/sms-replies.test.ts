/**
 * Texts coming home, on real parts: a real Kannel (bearerbox + smsbox, fakesmsc as the
 * operator) passes incoming texts to rapport's /sms/inbound (its sms-service get-url,
 * with SMS_INBOUND_SECRET). A reply to the care tip is stored, attributed to the SMS it
 * answers (customer, run, product), on the timeline, and resumes the run waiting for it;
 * a flow branches on its words (reply.text: { matches }); HELP gets the brand's help text; STOP stops the number at once with one confirmation,
 * and the flow's next text is held back; START lifts it.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { inboundGetUrl } from "../../src/channels/sms-links.js";
import { freePort } from "../../src/infra/embedded-redis.js";
import { silentLogger } from "../../src/infra/logger.js";
import { type Rapport, startRapport } from "../../src/main.js";
import type { Store } from "../../src/store/store.js";
import { kannelProblem, startKannel, type TestKannel } from "../support/kannel.js";
import { afternoonZone } from "../support/sms-time.js";
import { eventually, postEvent, testEnv } from "../support/test-env.js";
import { openTestStore } from "../support/test-store.js";

const problem = kannelProblem();
if (problem) console.warn(`test/integration/sms-replies.test.ts skipped: ${problem}`);

const SECRET = "sms-inbound-test-secret-0123456789";
const ADA = "+447911123456";

// Waits are scaled: a "day" is 2 s, so the second tip comes 10 s after the reply: room for
// HELP and STOP to be handled first, however slow the machine.
const FLOW = `name: Care tips by text, answered
trigger:
  event: registration
entry: once_per_product
topic: check_ins
steps:
  - send: { template: care-tip, channel: sms }
    id: tip
  - wait_for_reply: 7 days
    id: answer
    on_reply:
      - tag: answered-by-text
      - branch:
          - if: { reply.text: { matches: '^(yes|y|4040)\\b' } }
            then: [ { tag: wants-tips } ]
  - wait: 5 days
  - send: { template: care-tip, channel: sms }
    id: second-tip
`;

describe.skipIf(problem !== null)("incoming texts through Kannel", () => {
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
        RAPPORT_WAIT_SCALE: String(2000 / (24 * 3600_000)),
      },
      { flows: [] },
    );
    writeFileSync(join(t.env.RAPPORT_CONFIG_DIR as string, "flows", "care-tips-answered.yaml"), FLOW);
    rapport = await startRapport({ settings: t.settings, role: "all", logger: silentLogger });
    store = await openTestStore(t.settings);
  });
  afterAll(async () => {
    await rapport?.close();
    await store?.close();
    await kannel?.close();
  });

  const toAda = () => kannel.sent().filter((s) => s.to === ADA);

  it("refuses an incoming text without the secret", async () => {
    const res = await fetch(
      `http://127.0.0.1:${port}/sms/inbound?secret=wrong&from=${encodeURIComponent(ADA)}&text=hi`,
    );
    expect(res.status).toBe(403);
  });

  it("takes a reply home, resumes the waiting run; HELP answers; STOP holds back the next text; START lifts it", async () => {
    const ada = {
      email: "ada@example.com",
      name: "Ada Lovelace",
      timezone: afternoonZone(),
      phone: ADA,
      consent: { sms: true, source: "registration form" },
    };
    const res = await postEvent(port, {
      id: "r-1",
      type: "registration",
      customer: ada,
      product: { sku: "LYRA-RD-2780", name: "Lyra RD 2780", serial: "RD-1", category: "turntable" },
    });
    expect(res.status).toBe(202);
    await eventually(async () => toAda().length === 1, "the care tip at the operator");
    const tip = await eventually(async () => {
      const tl = await store.timeline(ada.email);
      const run = tl?.runs[0];
      return run?.status === "waiting"
        ? tl?.messages.find((m) => m.stepId === "tip" && m.status === "sent")
        : null;
    }, "the run to wait for a reply after the tip");

    // Ada answers from her phone; Kannel hands it to rapport.
    kannel.inject(ADA, "4040", "Yes please 👍");
    const reply = await eventually(async () => {
      const tl = await store.timeline(ada.email);
      return tl?.interactions.find((i) => i.kind === "human_reply");
    }, "the reply on Ada's timeline");
    expect(reply).toMatchObject({
      text: "Yes please 👍",
      fromAddress: ADA,
      messageId: tip.id,
      runId: tip.runId,
      ownershipId: tip.ownershipId,
      attributedBy: "sms-latest-message",
    });
    await eventually(async () => {
      const customer = await store.findCustomerByEmail(ada.email);
      return customer?.tags.includes("answered-by-text") && customer.tags.includes("wants-tips");
    }, "the run to take the reply (on_reply tags Ada, and her yes matches reply.text)");

    // HELP: the brand's help text, and no reply for the flows.
    kannel.inject(ADA, "4040", "HELP");
    const help = await eventually(
      async () => toAda().find((s) => s.text.includes("Reply STOP to stop")),
      "the help text",
    );
    expect(help.text).toMatch(/^Lyra Audio: texts about the products you registered with us\./);

    // STOP before the second tip is due: one confirmation, and the tip is held back.
    kannel.inject(ADA, "4040", "STOP");
    const confirmation = await eventually(
      async () => toAda().find((s) => s.text.startsWith("Lyra Audio: you will get no more texts")),
      "the STOP confirmation",
    );
    expect(confirmation.from).toBe("4040");
    kannel.inject(ADA, "4040", "stop");
    const second = await eventually(async () => {
      const m = (await store.timeline(ada.email))?.messages.find((x) => x.stepId === "second-tip");
      return m?.status === "suppressed" ? m : null;
    }, "the second tip to be held back");
    expect(second.error).toBe(
      `held back: ${ADA} texted "STOP" on ${new Date().toISOString().slice(0, 10)}; no SMS goes to it`,
    );
    const stops = await eventually(async () => {
      const found =
        (await store.timeline(ada.email))?.interactions.filter((i) => i.kind === "unsubscribe") ?? [];
      return found.length === 2 ? found : null;
    }, "both STOPs on the timeline");
    expect(stops.map((i) => i.text).sort()).toEqual(["STOP", "stop"]);
    // Two STOPs, one confirmation; the tip, the help text and the confirmation are all Ada got.
    expect(toAda()).toHaveLength(3);

    // START lifts the STOP: a new product's tip goes out again.
    kannel.inject(ADA, "4040", "START");
    await eventually(
      async () => (await store.timeline(ada.email))?.interactions.some((i) => i.text === "START"),
      "START on the timeline",
    );
    await postEvent(port, {
      id: "r-2",
      type: "registration",
      customer: { email: ada.email },
      product: { sku: "LYRA-AMP-1", name: "Lyra Amp", serial: "A-1", category: "amplifier" },
    });
    const again = await eventually(
      async () => toAda().find((s) => s.text.includes("Lyra Amp")),
      "the amplifier's tip",
    );
    expect(again.to).toBe(ADA);

    // The dashboard's inbox holds what a person must read: the reply, not HELP, STOP or START.
    expect((await store.inbox(null, 50)).items.map((i) => i.text)).toEqual(["Yes please 👍"]);
    expect(await store.inboxCount()).toBe(1);
    const keywords = (await store.timeline(ada.email))?.interactions.filter((i) => i.detail.keyword) ?? [];
    expect(keywords.map((i) => i.text).sort()).toEqual(["HELP", "START", "STOP", "stop"]);
  });
});
