/** The timeline's JSON: moments as ISO 8601, everything else (and what was sent to us) as it is. */
import { describe, expect, it } from "vitest";
import type { Timeline } from "../../../src/store/store.js";
import { timelineJson } from "../../../src/store/timeline-json.js";

describe("timelineJson", () => {
  it("turns moments into ISO 8601 at any depth, and leaves counts, nulls and sent data alone", () => {
    const t = {
      customer: { createdAt: 0, attributes: { lastSeenAt: 5 } },
      runs: [
        {
          wakeAt: null,
          state: { waitingSince: 1000, replies: [{ at: 2000 }] },
          steps: [{ at: 3000, seq: 4 }],
        },
      ],
      messages: [{ notBefore: 60_000, leaseUntil: 0, attempts: 3, uncertainAttempts: 1 }],
      events: [{ occurredAt: 0, body: { occurredAt: "2026-11-22T10:00:00Z", properties: { boughtAt: 7 } } }],
    } as unknown as Timeline;
    expect(timelineJson(t)).toEqual({
      customer: { createdAt: "1970-01-01T00:00:00.000Z", attributes: { lastSeenAt: 5 } },
      runs: [
        {
          wakeAt: null,
          state: { waitingSince: "1970-01-01T00:00:01.000Z", replies: [{ at: "1970-01-01T00:00:02.000Z" }] },
          steps: [{ at: "1970-01-01T00:00:03.000Z", seq: 4 }],
        },
      ],
      messages: [
        {
          notBefore: "1970-01-01T00:01:00.000Z",
          leaseUntil: "1970-01-01T00:00:00.000Z",
          attempts: 3,
          uncertainAttempts: 1,
        },
      ],
      events: [
        {
          occurredAt: "1970-01-01T00:00:00.000Z",
          body: { occurredAt: "2026-11-22T10:00:00Z", properties: { boughtAt: 7 } },
        },
      ],
    });
  });
});
