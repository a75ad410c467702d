import { describe, expect, it } from "vitest";
import { createMetrics } from "../../../src/metrics/metrics.js";

const clock = { now: () => 0 };

describe("rapport_send_duration_seconds", () => {
  it.each([
    {
      what: "an email send (no channel said: callers from before SMS)",
      channel: undefined,
      outcome: "sent",
      series: 'outcome="sent",channel="email"',
    },
    {
      what: "an email refused",
      channel: "email",
      outcome: "refused",
      series: 'outcome="refused",channel="email"',
    },
    { what: "an SMS sent", channel: "sms", outcome: "sent", series: 'outcome="sent",channel="sms"' },
    {
      what: "an SMS refused by the gateway",
      channel: "sms",
      outcome: "refused",
      series: 'outcome="refused",channel="sms"',
    },
    {
      what: "an SMS that failed",
      channel: "sms",
      outcome: "failed",
      series: 'outcome="failed",channel="sms"',
    },
  ] as const)("observes $what under its outcome and channel", async ({ channel, outcome, series }) => {
    const metrics = createMetrics({ clock, cacheMs: 0, processMetrics: false });
    metrics.sendFinished(0.3, outcome, channel);
    const { body } = await metrics.render();
    expect(body).toContain(`rapport_send_duration_seconds_count{${series}} 1\n`);
    expect(body).toContain(`rapport_send_duration_seconds_bucket{le="0.5",${series}} 1\n`);
    expect(body.match(/^rapport_send_duration_seconds_count/gm)).toHaveLength(1);
  });
});
