import { describe, expect, it } from "vitest";
import { createLoginThrottle } from "../../../../src/http/ui/login-throttle.js";

describe("the dashboard's login throttle", () => {
  it("refuses an address after its failures in a window, until the window ends", () => {
    const t = createLoginThrottle({ maxFailures: 3, windowMs: 60_000 });
    for (let i = 0; i < 3; i++) {
      expect(t.blocked("a", 1000)).toBe(false);
      t.failed("a", 1000 + i);
    }
    expect(t.blocked("a", 2000)).toBe(true);
    expect(t.blocked("b", 2000)).toBe(false);
    expect(t.blocked("a", 61_000)).toBe(false);
  });

  it("forgets an address's failures when it logs in", () => {
    const t = createLoginThrottle({ maxFailures: 2, windowMs: 60_000 });
    t.failed("a", 0);
    t.succeeded("a");
    t.failed("a", 1);
    expect(t.blocked("a", 2)).toBe(false);
  });

  it("keeps at most maxClients addresses, dropping the oldest", () => {
    const t = createLoginThrottle({ maxFailures: 1, windowMs: 60_000, maxClients: 2 });
    t.failed("a", 0);
    t.failed("b", 0);
    t.failed("c", 0);
    expect(t.blocked("a", 1)).toBe(false);
    expect(t.blocked("b", 1)).toBe(true);
    expect(t.blocked("c", 1)).toBe(true);
  });
});
