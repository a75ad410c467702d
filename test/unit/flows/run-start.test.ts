import { describe, expect, it } from "vitest";
import {
  entryAdmits,
  entryKeyOf,
  eventRunStarts,
  type RunCause,
  runStart,
} from "../../../src/flows/run-start.js";
import type { Flow } from "../../../src/flows/types.js";

const DAY = 86_400_000;
const NOW = Date.UTC(2027, 2, 14, 12);
const WINDOW = { rule: "at_most_once_in", windowMs: 30 * DAY, window: "30 days" } as const;

const flow = (entry: Flow["entry"], over: Partial<Flow> = {}): Flow => ({
  id: "f",
  name: "F",
  version: "v1",
  file: "f.yaml",
  trigger: { event: "registration" },
  entry,
  steps: [{ id: "s", type: "send", template: "t" }],
  ...over,
});

const ids = { customerId: "c1", ownershipId: "o1" };
const event: RunCause = { kind: "event", eventId: "e1" };
const date: RunCause = { kind: "date", occurrence: 1234 };
const broadcast: RunCause = { kind: "broadcast", broadcastId: "b1", eventId: "e9" };

describe("entryKeyOf: one rule for events, dates and broadcasts", () => {
  it.each<[string, Flow["entry"], RunCause, string]>([
    ["once, event", "once", event, "f|customer|c1"],
    ["once, date", "once", date, "f|customer|c1"],
    ["once, broadcast", "once", broadcast, "f|customer|c1"],
    ["once_per_product, event", "once_per_product", event, "f|ownership|c1|o1"],
    ["once_per_product, date", "once_per_product", date, "f|ownership|c1|o1"],
    ["once_per_product, broadcast", "once_per_product", broadcast, "f|ownership|c1|o1"],
    ["every_time, event", "every_time", event, "f|event|e1"],
    ["every_time, date", "every_time", date, "f|date|c1|o1|1234"],
    ["every_time, broadcast", "every_time", broadcast, "f|broadcast|b1|o1"],
    ["window, event", WINDOW, event, "f|window|c1|e1"],
    ["window, date", WINDOW, date, "f|date|c1|o1|1234"],
    ["window, broadcast", WINDOW, broadcast, "f|window|c1|e9"],
  ])("%s", (_what, entry, cause, key) => {
    expect(entryKeyOf(flow(entry), cause, ids)).toBe(key);
  });

  it("once per product without a product is once per customer", () => {
    expect(entryKeyOf(flow("once_per_product"), event, { ...ids, ownershipId: null })).toBe(
      "f|ownership|c1|none",
    );
  });
});

describe("runStart", () => {
  it.each<[string, Flow["entry"], RunCause, Record<string, unknown>]>([
    ["an event's run", "once", event, {}],
    ["a broadcast's run is news", "once", broadcast, { state: { origin: "broadcast" } }],
    ["a window keeps earlier runs out", WINDOW, date, { notIfStartedAfter: NOW - 30 * DAY }],
  ])("%s", (_what, entry, cause, expected) => {
    const start = runStart(flow(entry), cause, ids, NOW);
    expect(start).toMatchObject({ flowId: "f", flowVersion: "v1", ownershipId: "o1", ...expected });
    expect(start.state).toMatchObject({ cursor: [0], status: "active" });
    if (cause.kind !== "broadcast") expect(start.state).not.toHaveProperty("origin");
    if (typeof entry !== "object") expect(start).not.toHaveProperty("notIfStartedAfter");
  });
});

describe("eventRunStarts", () => {
  it("starts the flows whose trigger matches at now (relative dates included)", () => {
    const recent = flow("once", {
      id: "recent",
      trigger: { event: "registration", where: { "ownership.started": { after: "30 days ago" } } },
    });
    const other = flow("once", { id: "other", trigger: { event: "purchase" } });
    const facts = {
      event: { type: "registration", properties: {} },
      customer: {},
      ownership: { started: NOW - 2 * DAY },
    };
    expect(eventRunStarts([recent, other], facts, NOW, { kind: "event", eventId: "e1" }, ids)).toEqual([
      expect.objectContaining({ flowId: "recent", entryKey: "recent|customer|c1" }),
    ]);
    expect(eventRunStarts([recent], facts, NOW + 40 * DAY, { kind: "event", eventId: "e1" }, ids)).toEqual(
      [],
    );
  });
});

describe("entryAdmits (what the store's unique entry key and window check do)", () => {
  const earlier = [{ flowId: "f", entryKey: "f|window|c1|e0", startedAt: NOW - 10 * DAY }];
  it.each<[string, { flowId: string; entryKey: string; notIfStartedAfter?: number }, boolean]>([
    ["a new key", { flowId: "f", entryKey: "f|event|e1" }, true],
    ["a key taken", { flowId: "f", entryKey: "f|window|c1|e0" }, false],
    ["a run inside the window", { flowId: "f", entryKey: "k", notIfStartedAfter: NOW - 30 * DAY }, false],
    ["a run older than the window", { flowId: "f", entryKey: "k", notIfStartedAfter: NOW - 5 * DAY }, true],
    ["another flow's run", { flowId: "g", entryKey: "k", notIfStartedAfter: NOW - 30 * DAY }, true],
  ])("%s", (_what, start, expected) => {
    expect(entryAdmits(start, earlier)).toBe(expected);
  });
});
