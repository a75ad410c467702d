/**
 * `now` is a required argument of every entry point in src/flows, and relative dates
 * ("30 days ago") count from it at each: an event's runs, a step (branch), a broadcast's
 * owners (flowMatches with the broadcast's time), a date schedule's firing, the simulation.
 */
import { describe, expect, it } from "vitest";
import { flowMatches } from "../../../src/flows/conditions.js";
import { type DateFlow, decideFiring } from "../../../src/flows/date-firing.js";
import { advance, initialRun } from "../../../src/flows/interpreter.js";
import { parseFlow } from "../../../src/flows/parse.js";
import { eventRunStarts } from "../../../src/flows/run-start.js";
import { simulate } from "../../../src/flows/simulate.js";
import type { Flow, TriggerFacts } from "../../../src/flows/types.js";

const DAY = 86_400_000;
const BOUGHT = Date.UTC(2027, 0, 4, 12);

function flow(yaml: string): Flow {
  const parsed = parseFlow(yaml, "rel.yaml");
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.flow;
}

const facts = (type: string): TriggerFacts => ({
  event: { type, properties: {} },
  customer: { email: "a@example.com", birthday: "03-01", timezone: "UTC" },
  product: { sku: "X" },
  ownership: { status: "active", started: BOUGHT },
});

const onEvent = flow(`name: E
trigger: { event: registration, where: { ownership.started: { after: "30 days ago" } } }
steps: [ { send: hello } ]
`);
const onNews = flow(`name: N
trigger: { event: product_news, where: { ownership.started: { after: "30 days ago" } } }
entry: every_time
steps: [ { send: news } ]
`);
const onDate = flow(`name: D
trigger: { date: customer.birthday, at: "09:00", where: { ownership.started: { after: "30 days ago" } } }
entry: every_time
steps: [ { send: birthday } ]
`) as DateFlow;
const branching = flow(`name: S
trigger: { event: registration }
steps:
  - branch:
      - if: { ownership.started: { after: "30 days ago" } }
        then: [ { send: recent } ]
      - else: [ { send: older } ]
`);

describe.each<[string, number, boolean]>([
  ["10 days after the purchase", BOUGHT + 10 * DAY, true],
  ["40 days after the purchase", BOUGHT + 40 * DAY, false],
])("relative dates, %s", (_when, now, recent) => {
  it("event: the runs an event starts", () => {
    const starts = eventRunStarts(
      [onEvent],
      facts("registration"),
      now,
      { kind: "event", eventId: "e" },
      {
        customerId: "c",
        ownershipId: "o",
      },
    );
    expect(starts.length > 0).toBe(recent);
  });
  it("broadcast: whether an owner is taken", () => {
    expect(flowMatches(onNews, facts("product_news"), now)).toBe(recent);
  });
  it("step: a branch", () => {
    const out = advance(branching, initialRun(), { type: "start" }, now, {
      facts: facts("registration"),
      defaultTimezone: "UTC",
    });
    const send = out.effects.find((e) => e.type === "send");
    expect(send && "template" in send ? send.template : null).toBe(recent ? "recent" : "older");
  });
  it("date schedule: the firing", () => {
    // A birthday on the day of `now`, at 09:00 UTC: fired at that occurrence.
    const day = new Date(now);
    const occurrence = Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate(), 9);
    const birthday = new Date(now).toISOString().slice(5, 10);
    const f = { ...facts("date"), customer: { ...facts("date").customer, birthday } };
    const decision = decideFiring(onDate, occurrence, f, occurrence, "UTC");
    expect(decision).toMatchObject(recent ? { fire: true } : { fire: false, why: "where does not hold" });
  });
  it("simulate: the run's start and its branch", () => {
    const out = simulate({
      flow: branching,
      start: now,
      until: now + DAY,
      facts: facts("registration"),
      waitScale: 1,
      timezone: "UTC",
      defaultTimezone: "UTC",
      policy: {},
    });
    expect(out.filter((e) => e.kind === "send").map((e) => e.detail)).toEqual([recent ? "recent" : "older"]);
  });
});
