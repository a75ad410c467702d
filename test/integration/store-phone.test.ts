/**
 * The customer's phone and SMS consent on both backends: an event's phone is stored (in
 * E.164, as the event body made it), consent with its source and time; a later event
 * without them keeps them; a withdrawal replaces the consent; a new number without a
 * consent of its own clears it (consent is to a number).
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type EventBody, eventBodySchema } from "../../src/events/event-body.js";
import { composeStore } from "../../src/store/compose.js";
import type { Store } from "../../src/store/store.js";
import { type OpenedTestDatabase, storeBackends } from "../support/store-backends.js";

const T = Date.UTC(2026, 10, 27, 9);

describe.each(storeBackends)("phone and SMS consent ($name)", ({ skip, openDatabase }) => {
  let opened: OpenedTestDatabase | null = null;
  let store: Store;
  let n = 0;

  beforeEach(async (ctx) => {
    if (skip) return ctx.skip(skip);
    opened = await openDatabase();
    store = composeStore(opened.database);
  });
  afterEach(async () => {
    await opened?.dispose();
    opened = null;
  });

  async function ingest(customer: Record<string, unknown>, at: number) {
    const body: EventBody = eventBodySchema.parse({
      id: `e-${++n}`,
      type: "registration",
      occurredAt: new Date(at).toISOString(),
      customer: { email: "ada@example.com", ...customer },
      // A registration names its product (event-body.ts); the same one each time.
      product: { sku: "LYRA-1" },
    });
    const { event } = await store.recordEvent(body, at);
    return (await store.ingestEvent(event, at)).customer;
  }

  it("stores the phone and the consent with its source and time, and keeps them when a later event leaves them out", async () => {
    const first = await ingest(
      { phone: "+44 7911 123456", consent: { sms: true, source: "registration form" } },
      T,
    );
    expect(first).toMatchObject({
      phone: "+447911123456",
      smsConsent: true,
      smsConsentSource: "registration form",
      smsConsentAt: T,
    });
    const later = await ingest({ name: "Ada" }, T + 1000);
    expect(later).toMatchObject({ phone: "+447911123456", smsConsent: true, smsConsentAt: T });
    expect(await store.getCustomer(first.id)).toMatchObject({ phone: "+447911123456", smsConsent: true });
  });

  it("records a withdrawal with its own source and time", async () => {
    await ingest({ phone: "+447911123456", consent: { sms: true, source: "registration form" } }, T);
    const withdrawn = await ingest(
      { consent: { sms: false, source: "shop account page", at: new Date(T + 5000).toISOString() } },
      T + 6000,
    );
    expect(withdrawn).toMatchObject({
      smsConsent: false,
      smsConsentSource: "shop account page",
      smsConsentAt: T + 5000,
    });
  });

  it("clears the consent when the number changes without one, and keeps it for the same number", async () => {
    await ingest({ phone: "+447911123456", consent: { sms: true, source: "registration form" } }, T);
    const same = await ingest({ phone: "+44 7911 123456" }, T + 1000);
    expect(same.smsConsent).toBe(true);
    const changed = await ingest({ phone: "+33612345678" }, T + 2000);
    expect(changed).toMatchObject({
      phone: "+33612345678",
      smsConsent: null,
      smsConsentSource: null,
      smsConsentAt: null,
    });
    const again = await ingest(
      { phone: "+33612345678", consent: { sms: true, source: "sms keyword" } },
      T + 3000,
    );
    expect(again).toMatchObject({ smsConsent: true, smsConsentSource: "sms keyword" });
  });

  it("has no phone and no consent for a customer whose events gave none", async () => {
    expect(await ingest({}, T)).toMatchObject({
      phone: null,
      smsConsent: null,
      smsConsentSource: null,
      smsConsentAt: null,
    });
  });
});
