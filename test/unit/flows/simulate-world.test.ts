/**
 * simulate() on the pieces real runs use: date triggers every year (the scheduler's
 * decisions), entry rules, the send policy, the customer's choices, tags and scripted
 * events.
 */
import { describe, expect, it } from "vitest";
import { parseFlow } from "../../../src/flows/parse.js";
import { type SimulationWorld, simulate } from "../../../src/flows/simulate.js";
import type { Flow, TriggerFacts } from "../../../src/flows/types.js";

const DAY = 24 * 3600_000;
const START = Date.parse("2026-12-01T09:00:00Z");
// The shipped window: 09:00-20:00 local, Monday to Saturday.
const SHIPPED = { window: { start: "09:00", end: "20:00", days: [0, 1, 2, 3, 4, 5] } };

function flow(yaml: string): Flow {
  const parsed = parseFlow(yaml, "sim.yaml");
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.flow;
}

const birthday = flow(`name: B
trigger: { date: customer.birthday, at: "10:00", where: { customer.attributes.newsletter: { not: false } } }
entry: every_time
steps: [ { send: birthday } ]
`);
const anniversary = flow(`name: A
trigger: { date: ownership.started, every: year, at: "10:00" }
entry: every_time
steps: [ { send: anniversary } ]
`);
const welcome = flow(`name: W
trigger: { event: registration }
entry: once
steps:
  - send: welcome
  - wait_for: { event: purchase, timeout: 10 days }
    on_event: [ { tag: buyer } ]
    on_timeout: [ { send: nudge } ]
  - branch:
      - if: { tagged: buyer }
        then: [ { send: thanks } ]
`);
const everyTime = { ...welcome, entry: "every_time" as const };

const nia = (over: Record<string, unknown> = {}): TriggerFacts => ({
  event: { type: "registration", properties: {} },
  customer: { email: "nia@example.com", timezone: "America/New_York", birthday: "1990-03-14", ...over },
  product: { sku: "X" },
  ownership: { status: "active", started: "2026-12-01T09:00:00Z" },
});

function world(f: Flow, over: Partial<SimulationWorld> = {}): SimulationWorld {
  return {
    flow: f,
    start: START,
    until: START + 800 * DAY,
    facts: nia(),
    waitScale: 1,
    timezone: "America/New_York",
    defaultTimezone: "Europe/Berlin",
    policy: {},
    ...over,
  };
}

const iso = (ms: number | undefined) => (ms === undefined ? "-" : new Date(ms).toISOString().slice(0, 16));
const sends = (w: SimulationWorld) =>
  simulate(w)
    .filter((e) => e.kind === "send" || e.kind === "held")
    .map((e) => `${e.kind} ${e.detail.split(":")[0]} ${iso(e.at)} → ${iso(e.deliveredAt)}`);

describe("simulate: the same decisions as a real run", () => {
  it.each<[string, SimulationWorld, string[]]>([
    [
      "a 10:00 birthday in New York: 14:00 UTC (DST), and again a year later",
      world(birthday),
      [
        "send birthday 2027-03-14T14:00 → 2027-03-14T14:00",
        "send birthday 2028-03-14T14:00 → 2028-03-14T14:00",
      ],
    ],
    [
      "with the shipped window, the Sunday one moves to Monday 09:00 local",
      world(birthday, { policy: SHIPPED }),
      [
        "send birthday 2027-03-14T14:00 → 2027-03-15T13:00",
        "send birthday 2028-03-14T14:00 → 2028-03-14T14:00",
      ],
    ],
    [
      "a birthday flow's where is checked on the day",
      world(birthday, { facts: nia({ attributes: { newsletter: false } }) }),
      [],
    ],
    [
      "an anniversary never on the day itself, then every year",
      world(anniversary),
      [
        "send anniversary 2027-12-01T15:00 → 2027-12-01T15:00",
        "send anniversary 2028-12-01T15:00 → 2028-12-01T15:00",
      ],
    ],
    [
      "a topic the customer turned off: held back, not sent",
      world(birthday, {
        until: START + 200 * DAY,
        holdBack: (s) => (s.transactional ? null : "held back: Nia turned off Birthday wishes"),
      }),
      ["held birthday 2027-03-14T14:00 → -"],
    ],
    [
      "a scripted purchase answers wait_for; the tag it sets is read by the branch",
      world(welcome, { events: [{ type: "purchase", at: START + 3 * DAY }] }),
      ["send welcome 2026-12-01T09:00 → 2026-12-01T09:00", "send thanks 2026-12-04T09:00 → 2026-12-04T09:00"],
    ],
    [
      "no purchase: the timeout's nudge, no thanks",
      world(welcome),
      ["send welcome 2026-12-01T09:00 → 2026-12-01T09:00", "send nudge 2026-12-11T09:00 → 2026-12-11T09:00"],
    ],
    [
      "entry once: a second registration starts nothing",
      world(welcome, { until: START + 5 * DAY, events: [{ type: "registration", at: START + 2 * DAY }] }),
      ["send welcome 2026-12-01T09:00 → 2026-12-01T09:00"],
    ],
    [
      "entry every_time: a second registration starts a second run",
      world(everyTime, { until: START + 5 * DAY, events: [{ type: "registration", at: START + 2 * DAY }] }),
      [
        "send welcome 2026-12-01T09:00 → 2026-12-01T09:00",
        "send welcome 2026-12-03T09:00 → 2026-12-03T09:00",
      ],
    ],
    [
      "the customer's tags come in with the file",
      world(
        flow(`name: T
trigger: { event: registration }
steps:
  - branch:
      - if: { tagged: vip }
        then: [ { send: vip } ]
      - else: [ { send: plain } ]
`),
        { facts: { ...nia({ tags: ["vip"] }) } },
      ),
      ["send vip 2026-12-01T09:00 → 2026-12-01T09:00"],
    ],
  ])("%s", (_what, w, expected) => {
    expect(sends(w)).toEqual(expected);
  });

  it("says why a date flow does not start, and a tag step once", () => {
    const out = simulate(
      world(birthday, { facts: nia({ attributes: { newsletter: false } }), until: START + 200 * DAY }),
    );
    expect(out.map((e) => e.detail)).toContain("customer.birthday: not started (where does not hold)");
    const tagged = simulate(world(welcome, { events: [{ type: "purchase", at: START + DAY }] }));
    expect(tagged.filter((e) => e.kind === "step" && /^tag/.test(e.detail)).map((e) => e.detail)).toEqual([
      "tag: +buyer",
    ]);
  });
});
