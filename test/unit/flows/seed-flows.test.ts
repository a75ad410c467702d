/**
 * The date, relationship and disposition flows shipped in config/flows: what they parse to,
 * and that a plain registration or purchase event starts none of them (integration tests
 * post those).
 */
import { describe, expect, it } from "vitest";
import { flowMatches } from "../../../src/flows/conditions.js";
import { nextOccurrence } from "../../../src/flows/dates.js";
import { advance, initialRun } from "../../../src/flows/interpreter.js";
import { loadFlows } from "../../../src/flows/load.js";
import type { DateTrigger, Flow, TriggerFacts } from "../../../src/flows/types.js";

const DAY = 24 * 60 * 60 * 1000;

async function shipped(): Promise<Map<string, Flow>> {
  const { flows, errors } = await loadFlows("config/flows");
  expect(errors).toEqual([]);
  return new Map(flows.map((f) => [f.id, f]));
}

const registration: TriggerFacts = {
  event: { type: "registration", properties: {} },
  customer: { email: "ada@example.com", birthday: "1990-12-10" },
  product: { sku: "LYRA-RD-2780", category: "turntable" },
  ownership: { status: "active", started: Date.UTC(2026, 0, 5, 12), kind: "registration" },
};

describe("seed flows", () => {
  it("birthday and anniversary start on dates, so no event starts them", async () => {
    const flows = await shipped();
    const birthday = flows.get("birthday") as Flow;
    const anniversary = flows.get("anniversary") as Flow;
    expect(birthday.trigger).toMatchObject({ date: "customer.birthday", at: "09:00" });
    expect(anniversary.trigger).toMatchObject({ date: "ownership.started", every: "year", at: "10:00" });
    for (const type of ["registration", "purchase"]) {
      const facts = { ...registration, event: { type, properties: {} } };
      expect(flowMatches(birthday, facts, 0)).toBe(false);
      expect(flowMatches(anniversary, facts, 0)).toBe(false);
    }
    // Berlin (the brand's zone): 09:00 CET on 2026-12-10 is 08:00Z.
    expect(nextOccurrence(birthday.trigger as DateTrigger, registration, 0, "Europe/Berlin")).toBe(
      Date.UTC(1970, 11, 10, 8),
    );
  });

  it("one-time-purchase starts only for purchases of one_time products", async () => {
    const flow = (await shipped()).get("one-time-purchase") as Flow;
    const purchase = { ...registration, event: { type: "purchase", properties: {} } };
    expect(flowMatches(flow, registration, 0)).toBe(false);
    expect(flowMatches(flow, purchase, 0)).toBe(false);
    const oneTime = { ...purchase, product: { ...purchase.product, relationship: "one_time" } };
    expect(flowMatches(flow, oneTime, 0)).toBe(true);

    // Bought on Monday 2026-01-05: a week later is Monday 2026-01-12, 10:00 in Berlin (09:00Z).
    const started = Date.UTC(2026, 0, 5, 12);
    const { run } = advance(flow, initialRun(), { type: "start" }, started, {
      facts: oneTime,
      defaultTimezone: "Europe/Berlin",
    });
    expect(run.wakeAt).toBe(Date.UTC(2026, 0, 12, 9));
    // Given away during the week: the flow ends when it wakes, without sending.
    const gone = { ...oneTime, ownership: { ...oneTime.ownership, status: "disposed" } };
    const woken = advance(flow, run, { type: "wake" }, started + 7 * DAY + DAY, {
      defaultTimezone: "UTC",
      facts: gone,
    });
    expect(woken.run).toMatchObject({ status: "completed", outcome: "exited" });
    expect(woken.effects.some((e) => e.type === "send")).toBe(false);
  });

  it("after-disposition thanks a former owner at once, transactionally, once per product", async () => {
    const flows = await shipped();
    const flow = flows.get("after-disposition") as Flow;
    const disposed = { ...registration.ownership, status: "disposed" } as const;
    const disposition = {
      ...registration,
      event: { type: "disposition", properties: {} },
      ownership: disposed,
    };
    expect(flowMatches(flow, disposition, 0)).toBe(true);
    // A disposition of something never registered or bought with us ends no ownership.
    expect(flowMatches(flow, { ...disposition, ownership: undefined }, 0)).toBe(false);
    expect(flowMatches(flow, registration, 0)).toBe(false);
    expect(flow.entry).toBe("once_per_product");
    const { effects } = advance(flow, initialRun(), { type: "start" }, 0, {
      defaultTimezone: "UTC",
      facts: disposition,
    });
    expect(effects.filter((e) => e.type === "send")).toEqual([
      expect.objectContaining({
        template: "former-owner-thanks",
        transactional: true,
        category: "transactional",
      }),
    ]);

    // The thank-you flow's check-in is not sent about a product the customer no longer has.
    const thankYou = flows.get("thank-you") as Flow;
    const started = advance(thankYou, initialRun(), { type: "start" }, 0, {
      defaultTimezone: "UTC",
      facts: registration,
    });
    expect(started.run.status).toBe("waiting");
    const woken = advance(thankYou, started.run, { type: "wake" }, 15 * DAY, {
      defaultTimezone: "UTC",
      facts: { ...registration, ownership: disposed },
    });
    expect(woken.run).toMatchObject({ status: "completed", outcome: "exited" });
    expect(woken.effects.some((e) => e.type === "send")).toBe(false);
  });
});
