/**
 * Preferences on both backends: a change merges into the customer's row, stores its
 * preference_changed event and (stop everything) the unsubscribe suppression in one
 * transaction; repeating it changes nothing; two changes at once both land; hard bounces
 * and complaints outrank an unsubscribe. Messages keep their category and topic.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { composeStore } from "../../src/store/compose.js";
import type { CustomerRow, Store } from "../../src/store/store.js";
import { type OpenedTestDatabase, storeBackends } from "../support/store-backends.js";

const T = Date.UTC(2026, 10, 27, 9);

const RUN_STATE = {
  cursor: [0],
  status: "active" as const,
  wakeAt: null,
  waitingFor: null,
  waitingSince: null,
  replies: [],
};

describe.each(storeBackends)("preferences ($name)", ({ skip, openDatabase }) => {
  let opened: OpenedTestDatabase | null = null;
  let store: Store;
  let ada: CustomerRow;

  beforeEach(async (ctx) => {
    if (skip) return ctx.skip(skip);
    opened = await openDatabase();
    store = composeStore(opened.database);
    const { event } = await store.recordEvent(
      {
        id: "reg-1",
        type: "registration",
        customer: { email: "Ada@Example.com", name: "Ada Lovelace" },
        product: { sku: "LYRA-RD-2780", name: "Lyra RD 2780", category: "turntable" },
      },
      T - 1000,
    );
    ada = (await store.ingestEvent(event, T - 1000)).customer;
  });
  afterEach(async () => {
    await opened?.dispose();
    opened = null;
  });

  const eventsOf = async () =>
    (await store.timeline("ada@example.com"))?.events.filter((e) => e.type === "preference_changed") ?? [];

  it("starts from no choices", async () => {
    expect(ada.preferences).toEqual({});
    expect((await store.getCustomer(ada.id))?.preferences).toEqual({});
  });

  it("stops everything: preferences, a received event on the timeline, and the unsubscribe suppression", async () => {
    const result = await store.changePreferences(ada.id, { all: false }, "one_click", T);
    expect(result).toMatchObject({
      preferences: { all: false, changed: { all: { at: T, source: "one_click" } } },
      changed: ["all"],
    });
    expect((await store.getCustomer(ada.id))?.preferences).toEqual(result?.preferences);
    expect(await store.getSuppression("ada@example.com")).toMatchObject({
      reason: "unsubscribe",
      interactionId: null,
      createdAt: T,
    });
    const [event] = await eventsOf();
    expect(event).toMatchObject({
      id: result?.eventId,
      status: "received",
      customerId: ada.id,
      occurredAt: T,
      body: {
        type: "preference_changed",
        customer: { email: "ada@example.com" },
        properties: { source: "one_click", changed: "all", all: false },
      },
    });
    // The events job takes it like any event of a known customer: same customer, processed.
    const started = await store.ingestAndStartRuns(event as NonNullable<typeof event>, T + 1, () => []);
    expect(started.ingested.customer).toMatchObject({ id: ada.id, name: "Ada Lovelace" });
    expect((await store.getEvent(result?.eventId as string))?.status).toBe("processed");
  });

  it("changes nothing, and stores no event, when asked again", async () => {
    const first = await store.changePreferences(ada.id, { all: false }, "one_click", T);
    const again = await store.changePreferences(ada.id, { all: false }, "one_click", T + 1000);
    expect(again).toEqual({ preferences: first?.preferences, changed: [], eventId: null });
    expect(await eventsOf()).toHaveLength(1);
  });

  it("merges topics, frequency and stay-in-touch, keeping what was chosen before", async () => {
    await store.changePreferences(ada.id, { topics: { birthday: false } }, "preference_page", T);
    const result = await store.changePreferences(
      ada.id,
      { topics: { product_news: false }, frequency: { max: 1, per: "week" }, stayInTouch: true },
      "preference_page",
      T + 1000,
    );
    expect((await store.getCustomer(ada.id))?.preferences).toEqual({
      topics: { birthday: false, product_news: false },
      frequency: { max: 1, per: "week" },
      stayInTouch: true,
      changed: {
        "topics.birthday": { at: T, source: "preference_page" },
        "topics.product_news": { at: T + 1000, source: "preference_page" },
        frequency: { at: T + 1000, source: "preference_page" },
        stayInTouch: { at: T + 1000, source: "preference_page" },
      },
    });
    expect(result?.changed).toEqual(["frequency", "stayInTouch", "topics.product_news"]);
    // A topic is not "stop everything": no suppression.
    expect(await store.getSuppression("ada@example.com")).toBeNull();
    expect((await eventsOf()).map((e) => e.body.properties)).toEqual([
      { source: "preference_page", changed: "topics.birthday", topic_birthday: false },
      {
        source: "preference_page",
        changed: "frequency, stayInTouch, topics.product_news",
        frequency_max: 1,
        frequency_per: "week",
        stay_in_touch: true,
        topic_product_news: false,
      },
    ]);
  });

  it("subscribing again takes the unsubscribe away, never a hard bounce", async () => {
    await store.changePreferences(ada.id, { all: false }, "mailto", T);
    await store.changePreferences(ada.id, { all: true }, "preference_page", T + 1000);
    expect((await store.getCustomer(ada.id))?.preferences.all).toBeUndefined();
    expect(await store.getSuppression("ada@example.com")).toBeNull();
  });

  it("two changes at once both land", async () => {
    await Promise.all([
      store.changePreferences(ada.id, { topics: { birthday: false } }, "preference_page", T),
      store.changePreferences(ada.id, { topics: { product_news: false } }, "one_click", T),
      store.changePreferences(ada.id, { frequency: { max: 2, per: "month" } }, "preference_page", T),
    ]);
    expect((await store.getCustomer(ada.id))?.preferences).toMatchObject({
      topics: { birthday: false, product_news: false },
      frequency: { max: 2, per: "month" },
    });
    expect(await eventsOf()).toHaveLength(3);
  });

  it("refuses a change that is not one, naming the field, and changes nothing", async () => {
    await expect(
      store.changePreferences(ada.id, { frequency: { max: 0, per: "week" } }, "preference_page", T),
    ).rejects.toThrow("frequency.max: at least 1 email");
    await expect(store.changePreferences(ada.id, { all: false }, "fax" as never, T)).rejects.toThrow(
      'not a preference source: "fax"',
    );
    expect((await store.getCustomer(ada.id))?.preferences).toEqual({});
    expect(await eventsOf()).toEqual([]);
  });

  it("is null for a customer that does not exist", async () => {
    expect(await store.changePreferences("nobody", { all: false }, "one_click", T)).toBeNull();
    expect(await store.preferencePage("nobody")).toBeNull();
  });

  it("changes the birthday and time zone with the choices, in one event; only what differs counts", async () => {
    const result = await store.changePreferences(
      ada.id,
      { topics: { product_news: false } },
      "preference_page",
      T,
      { birthday: "12-10", timezone: "America/New_York" },
    );
    expect(result?.changed).toEqual(["birthday", "timezone", "topics.product_news"]);
    expect(await store.getCustomer(ada.id)).toMatchObject({
      birthday: "12-10",
      timezone: "America/New_York",
      preferences: { topics: { product_news: false } },
    });
    const [event] = await eventsOf();
    expect(event?.body.properties).toEqual({
      source: "preference_page",
      changed: "birthday, timezone, topics.product_news",
      topic_product_news: false,
      birthday: "12-10",
      timezone: "America/New_York",
    });
    // The same again: nothing changes, no event. Clearing one: only it.
    const again = { birthday: "12-10", timezone: "America/New_York" };
    expect((await store.changePreferences(ada.id, {}, "preference_page", T + 1, again))?.eventId).toBeNull();
    const cleared = await store.changePreferences(ada.id, {}, "preference_page", T + 2, {
      birthday: null,
      timezone: "America/New_York",
    });
    expect(cleared?.changed).toEqual(["birthday"]);
    expect(await store.getCustomer(ada.id)).toMatchObject({ birthday: null, timezone: "America/New_York" });
    expect((await eventsOf()).map((e) => e.body.properties?.changed)).toEqual([
      "birthday, timezone, topics.product_news",
      "birthday",
    ]);
  });

  it("refuses a birthday or time zone that is not one, naming the field", async () => {
    await expect(
      store.changePreferences(ada.id, {}, "preference_page", T, { birthday: "1990-13-01" }),
    ).rejects.toThrow(/^not a profile change: birthday: expected a date as "YYYY-MM-DD" or "MM-DD"/);
    await expect(
      store.changePreferences(ada.id, {}, "preference_page", T, { timezone: "Mars/Olympus" }),
    ).rejects.toThrow(/timezone: expected an IANA time zone/);
    expect(await store.getCustomer(ada.id)).toMatchObject({ birthday: null, timezone: null });
  });

  it("the preference page's subject: the customer, what they own and owned, their suppression", async () => {
    const { event } = await store.recordEvent(
      {
        id: "disp-1",
        type: "disposition",
        customer: { email: "ada@example.com" },
        product: { sku: "LYRA-RD-2780" },
      },
      T,
    );
    await store.ingestEvent(event, T);
    await store.changePreferences(ada.id, { all: false }, "one_click", T);
    const subject = await store.preferencePage(ada.id);
    expect(subject?.customer).toMatchObject({
      id: ada.id,
      email: "ada@example.com",
      preferences: { all: false },
    });
    expect(subject?.owned).toMatchObject([{ status: "disposed", product: { name: "Lyra RD 2780" } }]);
    expect(subject?.suppression).toMatchObject({ reason: "unsubscribe" });
  });

  describe("with a message to Ada", () => {
    let messageId: string;
    beforeEach(async () => {
      const [run] = await store.startRuns(
        "reg-1",
        ada.id,
        [{ flowId: "thank-you", flowVersion: "v", entryKey: "k", ownershipId: null, state: RUN_STATE }],
        T,
      );
      messageId = "0f6b7c1e-5d2a-4c7e-9a51-3b8f0e2d4a96";
      const advance = await store.applyAdvance({
        runId: run?.id as string,
        expectedSeq: 0,
        state: { ...RUN_STATE, status: "completed" },
        steps: [],
        messages: [
          {
            id: messageId,
            stepId: "check-in",
            template: "check-in",
            messageIdHeader: "<m1@reply.test>",
            category: "relationship",
            topic: "check_ins",
          },
          {
            id: "team-1",
            stepId: "tell",
            template: "t",
            messageIdHeader: "<m2@reply.test>",
            audience: "team",
            toAddress: "team@x.example",
          },
          {
            id: "ack-1",
            stepId: "ack",
            template: "t",
            messageIdHeader: "<m3@reply.test>",
            transactional: true,
          },
        ],
        now: T,
      });
      expect(advance.applied).toBe(true);
    });

    it("keeps its category and topic; notes to the team and transactional ones are transactional", async () => {
      expect(await store.getMessage(messageId)).toMatchObject({
        category: "relationship",
        topic: "check_ins",
      });
      expect(await store.getMessage("team-1")).toMatchObject({ category: "transactional", topic: null });
      expect(await store.getMessage("ack-1")).toMatchObject({
        category: "transactional",
        transactional: true,
      });
    });

    it("delivery sees the customer's choices and the suppression as they are now", async () => {
      await store.changePreferences(ada.id, { all: false, topics: { check_ins: false } }, "one_click", T);
      const ctx = await store.deliveryContext(messageId);
      expect(ctx?.customer.preferences).toMatchObject({ all: false, topics: { check_ins: false } });
      expect(ctx?.suppression).toMatchObject({ reason: "unsubscribe" });
    });

    it("a hard bounce after an unsubscribe takes its place; a later unsubscribe or subscribe leaves it", async () => {
      await store.changePreferences(ada.id, { all: false }, "one_click", T);
      await store.recordSendRefusal(
        "ack-1",
        { command: "RCPT TO", responseCode: 550, response: "550 5.1.1 no such user" },
        T + 1000,
      );
      expect(await store.getSuppression("ada@example.com")).toMatchObject({
        reason: "hard_bounce",
        createdAt: T + 1000,
      });
      await store.changePreferences(ada.id, { all: true }, "preference_page", T + 2000);
      await store.changePreferences(ada.id, { all: false }, "one_click", T + 3000);
      expect(await store.getSuppression("ada@example.com")).toMatchObject({
        reason: "hard_bounce",
        createdAt: T + 1000,
      });
    });

    it("a complaint by mail after an unsubscribe takes its place; an unsubscribe by mail after it does not", async () => {
      const inbound = () =>
        store.recordInbound(
          {
            source: "smtp",
            envelopeFrom: "x@y.example",
            envelopeTo: ["r@reply.test"],
            raw: Buffer.from("x"),
          },
          T,
        );
      const interaction = (kind: "complaint" | "unsubscribe", header: string) => ({
        kind,
        messageIdHeader: header,
        customerId: ada.id,
        ownershipId: null,
        messageId,
        runId: null,
        attributedBy: "reply-address",
        toOwnerAddress: false,
        fromAddress: "ada@example.com",
        subject: null,
        text: null,
        detail: {},
        occurredAt: T,
      });
      await store.changePreferences(ada.id, { all: false }, "one_click", T);
      const a = await inbound();
      await store.recordInteraction(
        a.id,
        interaction("complaint", "<c@x>"),
        { email: "ada@example.com", reason: "complaint" },
        T + 1000,
      );
      expect(await store.getSuppression("ada@example.com")).toMatchObject({ reason: "complaint" });
      const b = await inbound();
      await store.recordInteraction(
        b.id,
        interaction("unsubscribe", "<u@x>"),
        { email: "ada@example.com", reason: "unsubscribe" },
        T + 2000,
      );
      expect(await store.getSuppression("ada@example.com")).toMatchObject({
        reason: "complaint",
        createdAt: T + 1000,
      });
    });
  });
});
