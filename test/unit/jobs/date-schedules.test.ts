/**
 * The pure parts of date scheduling: keys and event ids, where a schedule should be
 * (plannedNextAt), and what to do with a due one (decideFiring).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { eventBodySchema } from "../../../src/events/event-body.js";
import { parseFlow } from "../../../src/flows/parse.js";
import type { TriggerFacts } from "../../../src/flows/types.js";
import {
  DATE_MAX_LATE_MS,
  type DateFlow,
  dateEventId,
  dateFacts,
  dateFlowsOf,
  dateScheduleKey,
  decideFiring,
  plannedNextAt,
  triggerKeyOf,
} from "../../../src/jobs/date-schedules.js";
import type { CustomerRow, OwnershipRow } from "../../../src/store/store.js";

const HOUR = 3600_000;
const DAY = 24 * HOUR;

function shipped(name: string): DateFlow {
  const file = `config/flows/${name}.yaml`;
  const parsed = parseFlow(readFileSync(file, "utf8"), file);
  if (!parsed.ok) throw new Error(`${file} does not parse`);
  const [flow] = dateFlowsOf(new Map([[parsed.flow.id, parsed.flow]]));
  if (!flow) throw new Error(`${file} is not a date flow`);
  return flow;
}
const birthdayFlow = shipped("birthday");
const anniversaryFlow = shipped("anniversary");

const customer = (over: Partial<CustomerRow> = {}): CustomerRow => ({
  id: "c1",
  email: "ada@example.com",
  name: "Ada Lovelace",
  timezone: "UTC",
  locale: null,
  birthday: "1990-06-15",
  attributes: {},
  tags: [],
  preferences: {},
  phone: null,
  smsConsent: null,
  smsConsentSource: null,
  smsConsentAt: null,
  createdAt: 0,
  updatedAt: 0,
  ...over,
});
const ownership = (over: Partial<OwnershipRow> = {}): OwnershipRow => ({
  id: "o1",
  customerId: "c1",
  productId: "p1",
  serial: null,
  kind: "registration",
  status: "active",
  startedAt: Date.UTC(2029, 5, 15, 8),
  endedAt: null,
  ...over,
});
const turntable = {
  id: "p1",
  sku: "LYRA-RD-2780",
  name: "Lyra RD 2780",
  category: "turntable",
  relationship: null,
};

const bday = (c = customer(), occurrence: number | null = null): TriggerFacts =>
  dateFacts(birthdayFlow.trigger, { customer: c, ownership: null, product: null }, occurrence);
const anniv = (o = ownership(), occurrence: number | null = null, product = turntable): TriggerFacts =>
  dateFacts(anniversaryFlow.trigger, { customer: customer(), ownership: o, product }, occurrence);

const T = Date.UTC(2030, 5, 15, 9); // Ada's birthday at 09:00 UTC
const A = Date.UTC(2030, 5, 15, 10); // the first anniversary at 10:00 UTC

describe("keys and ids", () => {
  it("keys a schedule by flow, customer and ownership", () => {
    expect(dateScheduleKey("birthday", "c1", null)).toBe("birthday|c1|-");
    expect(dateScheduleKey("anniversary", "c1", "o1")).toBe("anniversary|c1|o1");
  });

  it("names an occurrence's event with a '/', which no sender's event id may hold", () => {
    const id = dateEventId("anniversary", "c1", "o1", A);
    expect(id).toBe(`date/anniversary/c1/o1/${A}`);
    expect(dateEventId("birthday", "c1", null, T)).toBe(`date/birthday/c1/-/${T}`);
    const asSender = eventBodySchema.safeParse({ id, type: "date", customer: { email: "a@example.com" } });
    expect(asSender.success).toBe(false);
  });

  it("keys the trigger by date field, time of day and fallback zone", () => {
    expect(triggerKeyOf(birthdayFlow.trigger, "Europe/Berlin")).toBe("customer.birthday@09:00|Europe/Berlin");
  });

  it("gives the run's facts the occurrence as event.properties", () => {
    expect(bday(customer(), T).event).toEqual({
      type: "date",
      properties: { field: "customer.birthday", occurrence: "2030-06-15T09:00:00.000Z" },
    });
    expect(anniv(ownership(), A).product).toMatchObject({ category: "turntable" });
  });
});

describe("plannedNextAt", () => {
  const now = T - HOUR;

  it("is the next birthday at the flow's time in the customer's zone", () => {
    expect(plannedNextAt(birthdayFlow.trigger, bday(), null, now, "UTC")).toBe(T);
    const tokyo = bday(customer({ timezone: "Asia/Tokyo" }));
    expect(plannedNextAt(birthdayFlow.trigger, tokyo, null, now, "UTC")).toBe(Date.UTC(2031, 5, 15, 0));
  });

  it("falls back to the brand's zone when the customer has none", () => {
    const c = bday(customer({ timezone: null }));
    // 09:00 in Berlin (summer) is 07:00 UTC.
    expect(plannedNextAt(birthdayFlow.trigger, c, null, T - 3 * HOUR, "Europe/Berlin")).toBe(T - 2 * HOUR);
  });

  it("is null without a birthday, and for a disposed (or missing) ownership", () => {
    expect(
      plannedNextAt(birthdayFlow.trigger, bday(customer({ birthday: null })), null, now, "UTC"),
    ).toBeNull();
    const disposed = anniv(ownership({ status: "disposed" }));
    expect(plannedNextAt(anniversaryFlow.trigger, disposed, null, now, "UTC")).toBeNull();
    expect(plannedNextAt(anniversaryFlow.trigger, bday(), null, now, "UTC")).toBeNull();
  });

  it("never schedules the day an ownership started, only its anniversaries", () => {
    const today = anniv(ownership({ startedAt: Date.UTC(2030, 5, 15, 8) }));
    expect(plannedNextAt(anniversaryFlow.trigger, today, null, now, "UTC")).toBe(Date.UTC(2031, 5, 15, 10));
    expect(plannedNextAt(anniversaryFlow.trigger, anniv(), null, now, "UTC")).toBe(A);
  });

  it("keeps an occurrence that is due but not fired yet", () => {
    const existing = { nextAt: T, lastOccurrence: null };
    expect(plannedNextAt(birthdayFlow.trigger, bday(), existing, T + 5000, "UTC")).toBe(T);
    // Without it, a refresh just after nine would skip this year's birthday.
    expect(plannedNextAt(birthdayFlow.trigger, bday(), null, T + 5000, "UTC")).toBe(T + 365 * DAY);
  });

  it("never goes back to the occurrence fired last", () => {
    const existing = { nextAt: null, lastOccurrence: T };
    expect(plannedNextAt(birthdayFlow.trigger, bday(), existing, T - DAY, "UTC")).toBe(T + 365 * DAY);
  });
});

describe("decideFiring", () => {
  it("fires a due occurrence and moves on a year", () => {
    expect(decideFiring(birthdayFlow, T, bday(customer(), T), T + 1000, "UTC")).toEqual({
      fire: true,
      nextAt: T + 365 * DAY,
    });
    expect(decideFiring(anniversaryFlow, A, anniv(ownership(), A), A + 1000, "UTC")).toEqual({
      fire: true,
      nextAt: Date.UTC(2031, 5, 15, 10),
    });
  });

  it("does not fire when the flow's where does not hold", () => {
    const optedOut = bday(customer({ attributes: { newsletter: false } }), T);
    expect(decideFiring(birthdayFlow, T, optedOut, T + 1000, "UTC")).toMatchObject({
      fire: false,
      nextAt: T + 365 * DAY,
      why: "where does not hold",
    });
    const speaker = anniv(ownership(), A, { ...turntable, category: "speaker" });
    expect(decideFiring(anniversaryFlow, A, speaker, A + 1000, "UTC")).toMatchObject({ fire: false });
  });

  it("does not fire for a disposed ownership, and unschedules it", () => {
    const disposed = anniv(ownership({ status: "disposed" }), A);
    expect(decideFiring(anniversaryFlow, A, disposed, A + 1000, "UTC")).toEqual({
      fire: false,
      nextAt: null,
      why: "ownership disposed",
    });
  });

  it("skips an occurrence found too late", () => {
    const late = T + DATE_MAX_LATE_MS + 1;
    expect(decideFiring(birthdayFlow, T, bday(customer(), T), late, "UTC")).toMatchObject({
      fire: false,
      nextAt: T + 365 * DAY,
      why: "too late",
    });
  });

  it("reschedules instead of firing when the date changed since it was scheduled", () => {
    const moved = bday(customer({ birthday: "06-20" }), T);
    expect(decideFiring(birthdayFlow, T, moved, T + 1000, "UTC")).toMatchObject({
      fire: false,
      nextAt: Date.UTC(2030, 5, 20, 9),
      why: "no longer an occurrence",
    });
  });
});
