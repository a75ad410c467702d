/**
 * SMS through the Twilio transport, on real parts (rapport's HTTP server, Redis queues,
 * SQLite store) with Twilio played by a local server that checks each request as Twilio
 * documents it (test/support/twilio.ts): Twilio itself is never called.
 *
 *   send: a flow's text goes out as Twilio's Messages API request (Basic auth, form), with
 *     a signed StatusCallback; status callbacks update the message (sent, delivered; an
 *     undelivered 30005 fails it and suppresses the number); unsigned, forged or moved
 *     callbacks are refused (403).
 *   refusals at send: 21211 (invalid number) fails the message and suppresses the number;
 *     21610 (the number texted STOP at Twilio) stops it as a STOP.
 *   inbound: a reply comes home like Kannel's (timeline, attributed, resumes the waiting
 *     run, branches on its words), answered with an empty TwiML <Response/>; keywords
 *     Twilio answers itself (HELP, STOP) get no second answer; others (HILFE, STOPP) are
 *     answered in TwiML, the STOP confirmation once; STOPP holds the next text back.
 *     With TWILIO_OPT_OUT_HANDLING=rapport, rapport answers HELP and STOP itself.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { twilioSignature } from "../../src/channels/twilio-signature.js";
import { silentLogger } from "../../src/infra/logger.js";
import { type Rapport, startRapport } from "../../src/main.js";
import type { Store } from "../../src/store/store.js";
import { afternoonZone } from "../support/sms-time.js";
import { eventually, postEvent, testEnv } from "../support/test-env.js";
import { openTestStore } from "../support/test-store.js";
import { type FakeTwilio, startFakeTwilio } from "../support/twilio.js";

const FROM = "+447700900123";
const ADA = "+447911123456";

// A "day" is 2 s: the second tip comes 10 s after the reply, room for the keywords first.
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

describe("SMS through Twilio (a local server that checks requests as Twilio would)", () => {
  let twilio: FakeTwilio;
  let rapport: Rapport;
  let store: Store;
  let port: number;

  beforeAll(async () => {
    twilio = await startFakeTwilio();
    const t = testEnv(
      inject("redisUrl"),
      {
        SMS_TRANSPORT: "twilio",
        TWILIO_ACCOUNT_SID: twilio.accountSid,
        TWILIO_AUTH_TOKEN: twilio.authToken,
        TWILIO_FROM: FROM,
        TWILIO_API_URL: twilio.apiUrl,
        RAPPORT_WAIT_SCALE: String(2000 / (24 * 3600_000)),
      },
      { flows: [] },
    );
    writeFileSync(join(t.env.RAPPORT_CONFIG_DIR as string, "flows", "care-tips-answered.yaml"), FLOW);
    rapport = await startRapport({ settings: t.settings, role: "all", logger: silentLogger });
    store = await openTestStore(t.settings);
    port = rapport.httpPort as number;
  });
  afterAll(async () => {
    await rapport?.close();
    await store?.close();
    await twilio?.close();
  });

  const inboundUrl = () => `http://127.0.0.1:${port}/sms/twilio/inbound`;
  const text = (from: string, body: string) =>
    twilio.post(inboundUrl(), {
      AccountSid: twilio.accountSid,
      ApiVersion: "2010-04-01",
      Body: body,
      From: from,
      MessageSid: `SM${Math.random().toString(16).slice(2).padEnd(32, "0").slice(0, 32)}`,
      NumMedia: "0",
      NumSegments: "1",
      SmsStatus: "received",
      To: FROM,
    });
  const register = (
    id: string,
    customer: Record<string, unknown>,
    sku = "LYRA-RD-2780",
    name = "Lyra RD 2780",
  ) =>
    postEvent(port, {
      id,
      type: "registration",
      customer,
      product: { sku, name, serial: id, category: "turntable" },
    });
  const person = (email: string, name: string, phone: string) => ({
    email,
    name,
    timezone: afternoonZone(),
    phone,
    consent: { sms: true, source: "registration form" },
  });
  const tipsOf = async (email: string) =>
    (await store.timeline(email))?.messages.filter((m) => m.template === "care-tip") ?? [];

  it("refuses callbacks that Twilio did not sign", async () => {
    const unsigned = await fetch(inboundUrl(), {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: `From=${encodeURIComponent(ADA)}&Body=STOP`,
    });
    expect(unsigned.status).toBe(403);
    const forged = await twilio.post(
      inboundUrl(),
      { From: ADA, Body: "STOP" },
      { signature: "bm90IGEgc2lnbmF0dXJl" },
    );
    expect(forged.status).toBe(403);
    expect((await forged.json()) as { message: string }).toMatchObject({
      message: `X-Twilio-Signature: missing or not Twilio's signature of ${inboundUrl()}`,
    });
    // Signed for another URL (Twilio signs the URL it calls): refused.
    const elsewhere = await fetch(inboundUrl(), {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        "x-twilio-signature": twilioSignature(
          twilio.authToken,
          "https://elsewhere.example/sms/twilio/inbound",
          [
            ["Body", "STOP"],
            ["From", ADA],
          ],
        ),
      },
      body: `From=${encodeURIComponent(ADA)}&Body=STOP`,
    });
    expect(elsewhere.status).toBe(403);
    expect(await store.timeline("ada@example.com")).toBeNull();
  });

  it("sends, follows the status callbacks, takes a reply home and answers keywords in TwiML", async () => {
    const ada = person("ada@example.com", "Ada Lovelace", ADA);
    expect((await register("r-ada", ada)).status).toBe(202);
    const sent = await eventually(
      async () => twilio.messages().find((m) => m.to === ADA),
      "Ada's text at Twilio",
    );
    expect(sent).toMatchObject({ from: FROM, messagingServiceSid: null });
    expect(sent.body).toBe(
      "Hi Ada, a care tip from Lyra Audio for your Lyra RD 2780: brush the stylus gently, back to front, before each side. Reply STOP to opt out.",
    );
    const tip = await eventually(async () => {
      const tl = await store.timeline(ada.email);
      return tl?.runs[0]?.status === "waiting"
        ? tl.messages.find((m) => m.stepId === "tip" && m.status === "sent")
        : null;
    }, "the run to wait for a reply after the tip");
    expect(tip.smtpResponse).toBe(`201 ${sent.sid} queued`);
    expect(sent.statusCallback).toMatch(
      new RegExp(`^http://127\\.0\\.0\\.1:${port}/sms/twilio/status/${tip.id}/[A-Za-z0-9_-]{22}$`),
    );

    // Status callbacks: sent (handed to the carrier), then delivered.
    expect((await twilio.report(sent.sid, "sent")).status).toBe(200);
    expect((await tipsOf(ada.email)).find((m) => m.id === tip.id)?.deliveryStatus).toBe("accepted");
    expect((await twilio.report(sent.sid, "delivered")).status).toBe(200);
    expect((await tipsOf(ada.email)).find((m) => m.id === tip.id)?.deliveryStatus).toBe("delivered");
    // Forged, or signed but moved to another message's URL: refused; the message keeps "delivered".
    const callback = sent.statusCallback as string;
    const forged = await twilio.post(
      callback,
      { MessageSid: sent.sid, MessageStatus: "failed", ErrorCode: "30005" },
      { signature: "AAAA" },
    );
    expect(forged.status).toBe(403);
    const moved = await twilio.post(callback.replace(tip.id, "another-message"), {
      MessageSid: sent.sid,
      MessageStatus: "failed",
      ErrorCode: "30005",
    });
    expect(moved.status).toBe(403);
    expect((await tipsOf(ada.email)).find((m) => m.id === tip.id)).toMatchObject({
      status: "sent",
      deliveryStatus: "delivered",
    });

    // Ada answers: an empty TwiML response; the reply is home and resumes her run.
    const answered = await text(ADA, "Yes please 👍");
    expect(answered.status).toBe(200);
    expect(answered.headers.get("content-type")).toMatch(/^text\/xml/);
    expect(await answered.text()).toBe('<?xml version="1.0" encoding="UTF-8"?><Response/>');
    const reply = await eventually(
      async () => (await store.timeline(ada.email))?.interactions.find((i) => i.kind === "human_reply"),
      "the reply on Ada's timeline",
    );
    expect(reply).toMatchObject({
      text: "Yes please 👍",
      fromAddress: ADA,
      messageId: tip.id,
      runId: tip.runId,
      attributedBy: "sms-latest-message",
    });
    await eventually(async () => {
      const customer = await store.findCustomerByEmail(ada.email);
      return customer?.tags.includes("answered-by-text") && customer.tags.includes("wants-tips");
    }, "the run to take the reply and branch on its words");

    // HELP: Twilio's opt-out handling answers it; rapport records it and answers nothing.
    expect(await (await text(ADA, "HELP")).text()).toBe('<?xml version="1.0" encoding="UTF-8"?><Response/>');
    // HILFE: Twilio does not know it; rapport's help text is the TwiML message.
    expect(await (await text(ADA, "Hilfe")).text()).toMatch(
      /^<\?xml version="1\.0" encoding="UTF-8"\?><Response><Message>Lyra Audio: texts about the products you registered with us\..*Reply STOP to stop, START to start again\.<\/Message><\/Response>$/,
    );
    // STOPP: stopped at once, confirmed once.
    expect(await (await text(ADA, "STOPP")).text()).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Response><Message>Lyra Audio: you will get no more texts from us. Reply START to start again.</Message></Response>',
    );
    expect(await (await text(ADA, "stopp")).text()).toBe('<?xml version="1.0" encoding="UTF-8"?><Response/>');
    const second = await eventually(async () => {
      const m = (await tipsOf(ada.email)).find((x) => x.stepId === "second-tip");
      return m?.status === "suppressed" ? m : null;
    }, "the second tip to be held back");
    expect(second.error).toBe(
      `held back: ${ADA} texted "STOPP" on ${new Date().toISOString().slice(0, 10)}; no SMS goes to it`,
    );
    const recorded = await eventually(async () => {
      const tl = await store.timeline(ada.email);
      const texts = tl?.interactions.map((i) => i.text) ?? [];
      return ["HELP", "Hilfe", "STOPP", "stopp"].every((t) => texts.includes(t)) ? tl : null;
    }, "every keyword on the timeline");
    expect(recorded.interactions.filter((i) => i.kind === "unsubscribe")).toHaveLength(2);
    // The tip is all rapport sent through Twilio: the answers went back in TwiML, none twice.
    expect(twilio.messages().filter((m) => m.to === ADA)).toHaveLength(1);
  });

  it("suppresses a number Twilio calls invalid or unknown, and stops one that opted out at Twilio", async () => {
    const bob = person("bob@example.com", "Bob Byte", "+447911123457");
    const cy = person("cy@example.com", "Cy Night", "+447911123458");
    const dee = person("dee@example.com", "Dee Tail", "+447911123459");
    twilio.refuse(bob.phone, 21211);
    twilio.refuse(dee.phone, 21610);
    for (const [id, c] of [
      ["r-bob", bob],
      ["r-cy", cy],
      ["r-dee", dee],
    ] as const)
      expect((await register(id, c)).status).toBe(202);

    const bobs = await eventually(async () => {
      const [m] = await tipsOf(bob.email);
      // The number is suppressed (delivery failed, the operator's reason) before the message
      // is failed with the gateway's refusal.
      return m?.status === "failed" && m.error?.startsWith("refused") ? m : null;
    }, "Bob's text refused by Twilio");
    expect(bobs).toMatchObject({
      deliveryStatus: "failed",
      error: "refused by the SMS gateway: Twilio 400 21211 The 'To' number is not a valid phone number.",
    });
    const dees = await eventually(async () => {
      const [m] = await tipsOf(dee.email);
      return m?.status === "failed" && m.error?.startsWith("refused") ? m : null;
    }, "Dee's text refused by Twilio");
    expect(dees.error).toBe(
      "refused by the SMS gateway: Twilio 400 21610 Attempt to send to unsubscribed recipient",
    );

    // Cy's text goes; the carrier reports it undelivered, 30005: unknown handset.
    const sent = await eventually(
      async () => twilio.messages().find((m) => m.to === cy.phone),
      "Cy's text at Twilio",
    );
    await eventually(
      async () => (await tipsOf(cy.email))[0]?.status === "sent",
      "Cy's text recorded as sent",
    );
    expect((await twilio.report(sent.sid, "undelivered", 30005)).status).toBe(200);
    expect((await tipsOf(cy.email))[0]).toMatchObject({
      status: "failed",
      deliveryStatus: "failed",
      error: "failed at the operator: undelivered: Twilio error 30005 (unknown destination handset)",
    });

    // Each one's next text is held back, for its reason.
    for (const [id, c] of [
      ["r-bob-2", bob],
      ["r-cy-2", cy],
      ["r-dee-2", dee],
    ] as const)
      expect((await register(id, c, "LYRA-AMP-1", "Lyra Amp")).status).toBe(202);
    const heldBack = async (email: string) =>
      eventually(
        async () => (await tipsOf(email)).find((m) => m.status === "suppressed") ?? null,
        `${email}'s second text held back`,
      );
    expect((await heldBack(bob.email)).error).toMatch(
      /^not sent: \+447911123457 failed for good at the operator on .* \(Twilio 400 21211/,
    );
    expect((await heldBack(cy.email)).error).toMatch(/^not sent: \+447911123458 failed for good .*30005/);
    expect((await heldBack(dee.email)).error).toMatch(
      /^held back: \+447911123459 texted "STOP \(at the gateway: Twilio 400 21610/,
    );
    expect(
      twilio
        .messages()
        .filter((m) => m.to !== ADA)
        .map((m) => m.to),
    ).toEqual([cy.phone]);
  });
});

describe("SMS through Twilio with Twilio's opt-out handling off (TWILIO_OPT_OUT_HANDLING=rapport)", () => {
  let twilio: FakeTwilio;
  let rapport: Rapport;
  let store: Store;
  let port: number;

  beforeAll(async () => {
    twilio = await startFakeTwilio();
    const t = testEnv(
      inject("redisUrl"),
      {
        SMS_TRANSPORT: "twilio",
        TWILIO_ACCOUNT_SID: twilio.accountSid,
        TWILIO_AUTH_TOKEN: twilio.authToken,
        TWILIO_MESSAGING_SERVICE_SID: `MG${"c".repeat(32)}`,
        TWILIO_API_URL: twilio.apiUrl,
        TWILIO_OPT_OUT_HANDLING: "rapport",
      },
      { flows: [] },
    );
    rapport = await startRapport({ settings: t.settings, role: "all", logger: silentLogger });
    store = await openTestStore(t.settings);
    port = rapport.httpPort as number;
  });
  afterAll(async () => {
    await rapport?.close();
    await store?.close();
    await twilio?.close();
  });

  it("answers HELP and a new STOP itself, in TwiML, and a repeated STOP with nothing", async () => {
    const ada = { email: "ada@example.com", name: "Ada Lovelace", phone: ADA };
    expect(
      (
        await postEvent(port, {
          id: "r-ada",
          type: "registration",
          customer: ada,
          product: { sku: "LYRA-RD-2780", name: "Lyra RD 2780", serial: "RD-1", category: "turntable" },
        })
      ).status,
    ).toBe(202);
    await eventually(
      async () => (await store.findCustomerByEmail(ada.email))?.phone === ADA,
      "Ada on record",
    );
    const url = `http://127.0.0.1:${port}/sms/twilio/inbound`;
    const say = async (body: string) => {
      const res = await twilio.post(url, { Body: body, From: ADA, MessageSid: `SM${body}`, To: FROM });
      expect(res.status).toBe(200);
      return res.text();
    };
    expect(await say("HELP")).toMatch(/<Response><Message>Lyra Audio: texts about the products/);
    expect(await say("STOP")).toMatch(/<Response><Message>Lyra Audio: you will get no more texts from us\./);
    expect(await say("Stop")).toBe('<?xml version="1.0" encoding="UTF-8"?><Response/>');
    // All three on Ada's timeline (by her number); the answers went in TwiML, none through the API.
    const texts = await eventually(async () => {
      const found = (await store.timeline("ada@example.com"))?.interactions.map((i) => i.text) ?? [];
      return found.length === 3 ? found : null;
    }, "the three texts on Ada's timeline");
    expect(texts.sort()).toEqual(["HELP", "STOP", "Stop"]);
    expect(twilio.messages()).toEqual([]);
  });
});
