import { describe, expect, it } from "vitest";
import { wakeUpDelay } from "../../../src/jobs/wake-horizon.js";

const HOUR = 3600_000;
const NOW = Date.UTC(2030, 0, 1);

describe("the wake horizon: which wake-ups get a job in Redis now", () => {
  it("queues a wake-up within the horizon, with its delay", () => {
    expect(wakeUpDelay(NOW + 30 * 60_000, NOW, HOUR)).toBe(30 * 60_000);
    expect(wakeUpDelay(NOW + HOUR, NOW, HOUR)).toBe(HOUR); // at the horizon: still queued
  });

  it("queues nothing for a wake-up beyond the horizon (the run lives in the store)", () => {
    expect(wakeUpDelay(NOW + HOUR + 1, NOW, HOUR)).toBeNull();
    expect(wakeUpDelay(NOW + 3 * 24 * HOUR, NOW, HOUR)).toBeNull();
  });

  it("queues a wake-up already due at once (a delay of 0 or less)", () => {
    expect(wakeUpDelay(NOW - 5000, NOW, HOUR)).toBe(-5000);
  });

  it("queues every wake-up when there is no horizon (the job processors' tests, simulations)", () => {
    expect(wakeUpDelay(NOW + 365 * 24 * HOUR, NOW, undefined)).toBe(365 * 24 * HOUR);
  });
});
