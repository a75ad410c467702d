/** The chaos checker's tally: delivered, duplicates and lost counted by the contract in checker.ts. */
import { describe, expect, it } from "vitest";
import { type Observation, type StoreMessage, tally } from "../chaos/checker.js";
import type { SinkMessage } from "../chaos/sink.js";

const row = (n: number, status: string, to = `c${n}@example.com`): StoreMessage => ({
  id: `m${n}`,
  eventId: `e${n}`,
  toAddress: to,
  status,
  messageIdHeader: `<m${n}@x>`,
});
const copy = (n: number, acked = true): SinkMessage => ({
  messageId: `<m${n}@x>`,
  to: [`c${n}@example.com`],
  acked,
  at: 0,
});
const ev = (n: number, refused = false, email = `c${n}@example.com`) => ({
  eventId: `e${n}`,
  email,
  refused,
});

const cases: Array<{
  name: string;
  obs: Observation;
  want: { delivered: number; unique: number; duplicates: number; lost: number; duplicated?: string[] };
}> = [
  {
    name: "all sent once",
    obs: {
      accepted: [ev(1), ev(2)],
      store: [row(1, "sent"), row(2, "sent")],
      suppressed: new Set(),
      sink: [copy(1), copy(2)],
    },
    want: { delivered: 2, unique: 2, duplicates: 0, lost: 0 },
  },
  {
    name: "an event with no message is lost",
    obs: { accepted: [ev(1), ev(2)], store: [row(1, "sent")], suppressed: new Set(), sink: [copy(1)] },
    want: { delivered: 1, unique: 1, duplicates: 0, lost: 1 },
  },
  {
    name: "a message still queued is lost (pending)",
    obs: { accepted: [ev(1)], store: [row(1, "queued")], suppressed: new Set(), sink: [] },
    want: { delivered: 0, unique: 0, duplicates: 0, lost: 1 },
  },
  {
    name: "sent in the store but never at the sink is lost",
    obs: { accepted: [ev(1)], store: [row(1, "sent")], suppressed: new Set(), sink: [] },
    want: { delivered: 0, unique: 0, duplicates: 0, lost: 1 },
  },
  {
    name: "two acked copies are a duplicate",
    obs: { accepted: [ev(1)], store: [row(1, "sent")], suppressed: new Set(), sink: [copy(1), copy(1)] },
    want: { delivered: 2, unique: 1, duplicates: 1, lost: 0, duplicated: ["m1"] },
  },
  {
    name: "a copy cut before its 250 is neither a delivery nor a duplicate",
    obs: {
      accepted: [ev(1)],
      store: [row(1, "sent")],
      suppressed: new Set(),
      sink: [copy(1, false), copy(1)],
    },
    want: { delivered: 1, unique: 1, duplicates: 0, lost: 0 },
  },
  {
    name: "a refused address: failed and suppressed is settled",
    obs: {
      accepted: [ev(1, true)],
      store: [row(1, "failed")],
      suppressed: new Set(["c1@example.com"]),
      sink: [],
    },
    want: { delivered: 0, unique: 0, duplicates: 0, lost: 0 },
  },
  {
    name: "a refused address failed but not suppressed is lost",
    obs: { accepted: [ev(1, true)], store: [row(1, "failed")], suppressed: new Set(), sink: [] },
    want: { delivered: 0, unique: 0, duplicates: 0, lost: 1 },
  },
  {
    name: "a later message to a suppressed address, suppressed, is settled",
    obs: {
      accepted: [ev(1, true)],
      store: [row(1, "suppressed", "C1@example.com")],
      suppressed: new Set(["c1@example.com"]),
      sink: [],
    },
    want: { delivered: 0, unique: 0, duplicates: 0, lost: 0 },
  },
  {
    name: "messages of events not accepted are not counted",
    obs: {
      accepted: [ev(1)],
      store: [row(1, "sent"), row(2, "sent")],
      suppressed: new Set(),
      sink: [copy(1), copy(2)],
    },
    want: { delivered: 1, unique: 1, duplicates: 0, lost: 0 },
  },
];

describe("chaos checker tally", () => {
  it.each(cases)("$name", ({ obs, want }) => {
    const t = tally(obs);
    expect({ delivered: t.delivered, unique: t.unique, duplicates: t.duplicates, lost: t.lost }).toEqual({
      delivered: want.delivered,
      unique: want.unique,
      duplicates: want.duplicates,
      lost: want.lost,
    });
    expect(t.accepted).toBe(obs.accepted.length);
    expect(t.duplicated.map((d) => d.id)).toEqual(want.duplicated ?? []);
  });
});
