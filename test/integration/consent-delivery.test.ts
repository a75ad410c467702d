/**
 * The customer's choices enforced when a message is about to go out, on real parts (HTTP,
 * Redis queues, SQLite store, SMTP sink): a check-in queued before "stop everything" is
 * held back with the reason on the timeline while transactional mail still goes; a topic
 * turned off holds back a broadcast of that topic, not a message of another topic; one
 * unticked on the preference page (its form, from the link in a delivered email) holds back
 * the next broadcast of it but not a transactional message, and a flow of the brand's starts
 * on the preference_changed event; the customer's own limit postpones a message the brand's
 * cap would let go.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, inject, it } from "vitest";
import { silentLogger } from "../../src/infra/logger.js";
import { connectRedis } from "../../src/infra/redis.js";
import { processDelivery } from "../../src/jobs/process-delivery.js";
import { createQueues, type Queues } from "../../src/jobs/queues.js";
import { type Rapport, startRapport } from "../../src/main.js";
import type { Store } from "../../src/store/store.js";
import { type DeliveryHarness, deliveryHarness } from "../support/delivery-harness.js";
import { type SmtpSink, startSmtpSink } from "../support/smtp-sink.js";
import { eventually, postEvent, registration, TEST_API_KEY, testEnv } from "../support/test-env.js";
import { openTestStore } from "../support/test-store.js";

const DAY = 24 * 3600_000;
const pad = (n: number) => String(n).padStart(2, "0");
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The thank-you, then the check-in at once (no 14 days between them). */
const THANKS_THEN_CHECK_IN = `
name: Thanks, then a check-in
trigger: { event: registration }
entry: once_per_product
topic: check_ins
steps:
  - send: thank-you
    transactional: true
  - send: check-in
`;

/** The platter-mat news to every turntable owner (a broadcast of the shipped product-news flow). */
const broadcastMatNews = (port: number) =>
  fetch(`http://127.0.0.1:${port}/v1/broadcasts`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${TEST_API_KEY}` },
    body: JSON.stringify({
      id: "mat-news",
      flow: "product-news",
      audience: { category: "turntable" },
      properties: { headline: "A new platter mat", body: "Cork and rubber, cut to fit." },
    }),
  });

describe("consent at delivery time", () => {
  let sink: SmtpSink | null = null;
  let rapport: Rapport | null = null;
  let store: Store | null = null;
  let queues: Queues | null = null;
  let redis: ReturnType<typeof connectRedis> | null = null;
  afterEach(async () => {
    await rapport?.close();
    await queues?.close();
    redis?.disconnect();
    await sink?.close();
    await store?.close();
    rapport = sink = store = queues = redis = null;
  });

  /** `flows`: shipped flows by name, or the text of a flow of the test's own. */
  async function boot(flows: string[] | string, sending: unknown, dayMs: number) {
    sink = await startSmtpSink();
    const t = testEnv(
      inject("redisUrl"),
      { SMTP_URL: sink.url, RAPPORT_WAIT_SCALE: String(dayMs / DAY), RAPPORT_RETRY_BASE_MS: "300" },
      { flows: typeof flows === "string" ? [] : flows, sending },
    );
    if (typeof flows === "string")
      writeFileSync(join(t.env.RAPPORT_CONFIG_DIR as string, "flows", "consent-test.yaml"), flows);
    rapport = await startRapport({ settings: t.settings, role: "all", logger: silentLogger });
    store = await openTestStore(t.settings);
    redis = connectRedis(inject("redisUrl"));
    queues = createQueues(redis, t.settings.RAPPORT_QUEUE_PREFIX, 300);
    return { sink, port: rapport.httpPort as number, store, queues };
  }

  const messagesOf = async (s: Store, email: string) => (await s.timeline(email))?.messages ?? [];

  it("holds back a check-in queued before 'stop everything'; transactional mail still goes", async () => {
    // A send window that opens in two hours: the check-in waits in the outbox, queued.
    const opening = new Date(Date.now() + 2 * 3600_000);
    const window = {
      start: `${pad(opening.getUTCHours())}:00`,
      end: `${pad((opening.getUTCHours() + 1) % 24)}:00`,
      days: ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
    };
    // At scale 1: demo mode (RAPPORT_WAIT_SCALE) would take the window away.
    const { sink, port, store, queues } = await boot(THANKS_THEN_CHECK_IN, { window }, DAY);
    const ada = { email: "ada@example.com", name: "Ada Lovelace", timezone: "UTC" };
    await postEvent(port, { ...registration({ id: "c-1" }), customer: ada });
    const [thanks] = await sink.waitFor(1);
    expect(thanks?.parsed.subject).toMatch(/^Thank you for registering/);
    const checkIn = await eventually(async () => {
      const m = (await messagesOf(store, ada.email)).find((x) => x.template === "check-in");
      return m?.status === "queued" && m.notBefore !== null ? m : null;
    }, "the check-in to wait in the outbox for the window");
    expect(checkIn).toMatchObject({ category: "relationship", topic: "check_ins" });

    // Ada stops everything (as the one-click endpoint does), after the check-in was queued.
    const customer = await store.findCustomerByEmail(ada.email);
    const changedAt = Date.now();
    const change = await store.changePreferences(
      customer?.id as string,
      { all: false },
      "one_click",
      changedAt,
    );
    expect(change?.eventId).toEqual(expect.any(String));
    await queues.addEvent(change?.eventId as string);
    // The check-in's next attempt (here now rather than when the window opens) holds it back.
    expect((await queues.requeue.delivery(checkIn.id)).added).toBe(true);
    const held = await eventually(async () => {
      const m = (await messagesOf(store, ada.email)).find((x) => x.id === checkIn.id);
      return m?.status === "suppressed" ? m : null;
    }, "the check-in to be held back");
    expect(held.error).toBe(
      `held back: Ada stopped all but transactional emails on ${day(changedAt)} (one-click unsubscribe)`,
    );
    const timeline = await eventually(async () => {
      const tl = await store.timeline(ada.email);
      return tl?.events.find((e) => e.type === "preference_changed")?.status === "processed" ? tl : null;
    }, "the preference_changed event to be processed like any event");
    expect(timeline.suppression).toMatchObject({ reason: "unsubscribe" });

    // A second product: its thank-you answers the registration and goes; its check-in does not.
    await postEvent(port, {
      ...registration({ id: "c-2" }),
      customer: ada,
      product: { sku: "LYRA-AMP-1", name: "Lyra Amp", serial: "A-1", category: "amplifier" },
    });
    const [, second] = await sink.waitFor(2);
    expect(second?.parsed.subject).toMatch(/^Thank you for registering/);
    expect(second?.envelopeTo).toEqual([ada.email]);
    await eventually(async () => {
      const checkIns = (await messagesOf(store, ada.email)).filter((x) => x.template === "check-in");
      return checkIns.length === 2 && checkIns.every((m) => m.status === "suppressed");
    }, "the second check-in to be held back too");
    await new Promise((ok) => setTimeout(ok, 300));
    expect(sink.received).toHaveLength(2);
  });

  it("holds back a broadcast of a topic the customer turned off, not a message of another topic", async () => {
    // A day lasts 100 ms: the check-in comes 1.4 s after the registration.
    const { sink, port, store } = await boot(["thank-you", "product-news"], undefined, 100);
    await postEvent(port, {
      ...registration({ id: "t-ada" }),
      customer: { email: "ada@example.com", name: "Ada Lovelace" },
    });
    await postEvent(port, {
      ...registration({ id: "t-bob", email: "bob@example.com", name: "Bob Moog" }),
      product: { sku: "LYRA-RD-2780", name: "Lyra RD 2780", serial: "RD-000456", category: "turntable" },
    });
    await sink.waitFor(2);
    const ada = await store.findCustomerByEmail("ada@example.com");
    const changedAt = Date.now();
    await store.changePreferences(
      ada?.id as string,
      { topics: { product_news: false } },
      "preference_page",
      changedAt,
    );

    expect((await broadcastMatNews(port)).status).toBe(202);

    const news = await eventually(async () => {
      const m = (await messagesOf(store, "ada@example.com")).find((x) => x.template === "product-news");
      return m?.status === "suppressed" ? m : null;
    }, "Ada's product news to be held back");
    expect(news).toMatchObject({
      category: "news",
      topic: "product_news",
      error: `held back: Ada turned off Product news on ${day(changedAt)} (preference page)`,
    });
    // Bob chose nothing: his news goes. Ada's check-in is of another topic: it goes.
    await eventually(async () => {
      const to = (address: string) => sink.received.filter((m) => m.envelopeTo.includes(address));
      const bobsNews = to("bob@example.com").some((m) => m.parsed.subject?.includes("platter mat"));
      const adasCheckIn = (await messagesOf(store, "ada@example.com")).some(
        (m) => m.template === "check-in" && m.status === "sent",
      );
      return bobsNews && adasCheckIn && to("ada@example.com").length === 2;
    }, "Bob's news and Ada's check-in to arrive");
    const adas = sink.received.filter((m) => m.envelopeTo.includes("ada@example.com"));
    expect(adas.some((m) => m.parsed.subject?.includes("platter mat"))).toBe(false);
  });

  it("a topic unticked on the preference page: the next broadcast of it held back, a transactional message not; a flow starts on the change", async () => {
    sink = await startSmtpSink();
    // No waits shortened: the check-ins stay 14 days away, so what reaches the sink is the
    // thank-yous (transactional) and the news.
    const t = testEnv(
      inject("redisUrl"),
      { SMTP_URL: sink.url, RAPPORT_RETRY_BASE_MS: "300" },
      { flows: ["thank-you", "product-news"] },
    );
    // A flow of the brand's own on the change, reading customer.preferences.* in its trigger.
    writeFileSync(
      join(t.env.RAPPORT_CONFIG_DIR as string, "flows", "news-off.yaml"),
      `name: Product news turned off
trigger:
  event: preference_changed
  where:
    customer.preferences.topics.product_news: false
entry: every_time
transactional: true
steps:
  - tag: news_off
`,
    );
    rapport = await startRapport({ settings: t.settings, role: "all", logger: silentLogger });
    store = await openTestStore(t.settings);
    const s = store;
    const port = rapport.httpPort as number;
    const mail = sink;
    const to = (address: string) => mail.received.filter((m) => m.envelopeTo.includes(address));
    await postEvent(port, {
      ...registration({ id: "p-ada" }),
      customer: { email: "ada@example.com", name: "Ada Lovelace" },
    });
    await postEvent(port, {
      ...registration({ id: "p-bob", email: "bob@example.com", name: "Bob Moog" }),
      product: { sku: "LYRA-RD-2780", name: "Lyra RD 2780", serial: "RD-000456", category: "turntable" },
    });
    await mail.waitFor(2);
    const thanks = to("ada@example.com")[0];
    const link = /<a href="([^"]+)"[^>]*>Manage your emails<\/a>/.exec(thanks?.parsed.html || "")?.[1];
    if (!link) throw new Error("no 'Manage your emails' link in Ada's thank-you");

    // What the page's "Save my choices" posts with every topic ticked but Product news.
    const ada = await s.findCustomerByEmail("ada@example.com");
    const form = new URLSearchParams([
      ["action", "save"],
      ["topics_shown", "check_ins product_news birthday anniversary"],
      ["topic", "check_ins"],
      ["topic", "birthday"],
      ["topic", "anniversary"],
      ["frequency", "brand"],
      ["birthday_month", ""],
      ["birthday_day", ""],
      ["birthday_year", ""],
      ["timezone", ada?.timezone ?? ""],
    ]);
    const changedAt = Date.now();
    const saved = await fetch(link, { method: "POST", body: form, redirect: "manual" });
    expect(saved.status).toBe(303);
    expect(saved.headers.get("location")).toMatch(/\?done=saved$/);
    // Only Product news changed (the page's other fields as they were).
    expect((await s.findCustomerByEmail("ada@example.com"))?.preferences).toEqual({
      topics: { product_news: false },
      changed: { "topics.product_news": { at: expect.any(Number), source: "preference_page" } },
    });
    // The preference_changed event started the brand's flow, whose trigger read the choice.
    await eventually(
      async () => (await s.findCustomerByEmail("ada@example.com"))?.tags.includes("news_off"),
      "the flow on preference_changed to tag Ada",
    );
    const [event, ...more] = ((await s.timeline("ada@example.com"))?.events ?? []).filter(
      (e) => e.type === "preference_changed",
    );
    expect(more).toEqual([]);
    expect(event?.body.properties).toMatchObject({ source: "preference_page", topic_product_news: false });

    expect((await broadcastMatNews(port)).status).toBe(202);
    const news = await eventually(async () => {
      const m = (await messagesOf(s, "ada@example.com")).find((x) => x.template === "product-news");
      return m?.status === "suppressed" ? m : null;
    }, "Ada's product news to be held back");
    expect(news.error).toBe(`held back: Ada turned off Product news on ${day(changedAt)} (preference page)`);
    // Bob chose nothing: the same broadcast reaches him.
    await eventually(
      async () => to("bob@example.com").some((m) => m.parsed.subject === "A new platter mat"),
      "Bob's news",
    );

    // Ada registers another product: its thank-you (transactional) still goes.
    await postEvent(port, {
      ...registration({ id: "p-ada-2" }),
      customer: { email: "ada@example.com", name: "Ada Lovelace" },
      product: { sku: "LYRA-AMP-1", name: "Lyra Amp", serial: "A-1", category: "amplifier" },
    });
    await eventually(
      async () =>
        to("ada@example.com").some((m) => m.parsed.subject === "Thank you for registering your Lyra Amp"),
      "Ada's second thank-you",
    );
    await eventually(async () => {
      const messages = await messagesOf(s, "ada@example.com");
      return messages.every((m) => m.status !== "queued" && m.status !== "sending") ? messages : null;
    }, "Ada's messages settled");
    expect(to("ada@example.com").map((m) => m.parsed.subject)).toEqual([
      "Thank you for registering your Lyra RD 2780",
      "Thank you for registering your Lyra Amp",
    ]);
  });

  describe("the customer's own limit", () => {
    let h: DeliveryHarness | null = null;
    afterEach(async () => {
      await h?.close();
      h = null;
    });

    it("postpones a second message within the period, though the brand has no cap", async () => {
      sink = await startSmtpSink();
      h = await deliveryHarness(inject("redisUrl"), sink.url);
      const first = await h.seedMessage("grace@example.com");
      const second = await h.seedMessage("grace@example.com");
      const grace = await h.store.findCustomerByEmail("grace@example.com");
      await h.store.changePreferences(
        grace?.id as string,
        { frequency: { max: 1, per: "week" } },
        "preference_page",
        Date.now(),
      );
      expect(await processDelivery({ messageId: first }, h.deps)).toBe("sent");
      expect(await processDelivery({ messageId: second }, h.deps)).toBe("postponed");
      const sent = await h.store.getMessage(first);
      const later = await h.store.getMessage(second);
      expect(later).toMatchObject({
        status: "queued",
        notBefore: (sent?.sentAt as number) + 7 * DAY,
        error: `postponed to ${new Date((sent?.sentAt as number) + 7 * DAY).toISOString()} (send window, frequency cap or the customer's limit of one email a week)`,
      });
      expect(sink.received).toHaveLength(1);
    });
  });
});
