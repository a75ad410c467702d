import { describe, expect, it } from "vitest";
import { deliveryRetryAt, isExhausted } from "../../../src/jobs/exhausted.js";

describe("isExhausted: the last failed attempt of a job", () => {
  it.each([
    { attemptsMade: 1, attempts: 8, name: "Error", exhausted: false },
    { attemptsMade: 7, attempts: 8, name: "Error", exhausted: false },
    { attemptsMade: 8, attempts: 8, name: "Error", exhausted: true },
    { attemptsMade: 1, attempts: 8, name: "UnrecoverableError", exhausted: true },
    { attemptsMade: 1, attempts: undefined, name: "Error", exhausted: true },
  ])("$attemptsMade of $attempts, $name → $exhausted", ({ attemptsMade, attempts, name, exhausted }) => {
    const opts = attempts === undefined ? {} : { attempts };
    expect(isExhausted({ attemptsMade, opts }, { name })).toBe(exhausted);
  });
});

describe("deliveryRetryAt: the sweeper's backoff after a delivery job used up its attempts", () => {
  const now = 1_000_000_000_000;
  const min = 60_000;
  const hour = 3600_000;
  it.each([
    { age: 0, base: 5000, wait: 5000, why: "never sooner than the retry base" },
    { age: 40 * min, base: 5000, wait: 10 * min, why: "a quarter of the message's age" },
    { age: 10 * hour, base: 5000, wait: hour, why: "never later than an hour" },
    { age: 100, base: 20, wait: 25, why: "short bases (tests) scale the same" },
  ])("$why", ({ age, base, wait }) => {
    expect(deliveryRetryAt(now, now - age, base) - now).toBe(wait);
  });
});
