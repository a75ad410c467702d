import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { clientKey, createClientLimits } from "../../../src/mail/client-limits.js";
import { createRefusalLog } from "../../../src/mail/refusal-log.js";

describe("clientKey", () => {
  it.each([
    ["127.0.0.1", "127.0.0.1"],
    ["::ffff:10.0.0.7", "10.0.0.7"],
    ["::FFFF:10.0.0.7", "10.0.0.7"],
    ["2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"],
    ["2001:db8:1:2::9", "2001:db8:1:2::/64"],
    ["2001:0db8:0001:0002:ffff::1", "2001:db8:1:2::/64"],
    ["2001:db8::1", "2001:db8:0:0::/64"],
    ["::1", "0:0:0:0::/64"],
    ["fe80::1%eth0", "fe80:0:0:0::/64"],
    ["64:ff9b::192.0.2.1", "64:ff9b:0:0::/64"],
    ["not an address", "not an address"],
  ])("%s counts as %s", (address, key) => {
    expect(clientKey(address)).toBe(key);
  });
});

describe("client limits", () => {
  const make = (over: { maxTracked?: number } = {}) => {
    const clock = { t: 0, now: () => clock.t };
    const limits = createClientLimits({
      maxConnections: 2,
      maxUnknownRecipients: 3,
      windowMs: 100,
      clock,
      ...over,
    });
    return { clock, limits };
  };

  it("counts open connections per client and frees them on close", () => {
    const { limits } = make();
    expect([limits.open("a"), limits.open("a"), limits.open("a"), limits.open("b")]).toEqual([
      "ok",
      "ok",
      "too-many-connections",
      "ok",
    ]);
    expect(limits.connections("a")).toBe(2);
    limits.close("a");
    expect(limits.open("a")).toBe("ok");
    limits.close("a");
    limits.close("a");
    limits.close("a");
    expect(limits.connections("a")).toBe(0);
  });

  it("blocks a client at its Nth unknown recipient within the window, until the window ends", () => {
    const { clock, limits } = make();
    expect(limits.unknownRecipient("a")).toBe(false);
    clock.t = 50;
    expect(limits.unknownRecipient("a")).toBe(false);
    expect(limits.blocked("a")).toBe(false);
    expect(limits.unknownRecipient("a")).toBe(true);
    expect(limits.blocked("a")).toBe(true);
    expect(limits.open("a")).toBe("blocked");
    expect(limits.blocked("b")).toBe(false);
    clock.t = 100;
    expect(limits.blocked("a")).toBe(false);
    expect(limits.open("a")).toBe("ok");
  });

  it("starts a new window after one ends without the limit reached", () => {
    const { clock, limits } = make();
    limits.unknownRecipient("a");
    limits.unknownRecipient("a");
    clock.t = 100;
    expect(limits.unknownRecipient("a")).toBe(false);
    expect(limits.blocked("a")).toBe(false);
  });

  it("remembers at most maxTracked clients", () => {
    const { limits } = make({ maxTracked: 2 });
    for (const c of ["a", "b", "c"]) for (let i = 0; i < 3; i++) limits.unknownRecipient(c);
    expect(["a", "b", "c"].map((c) => limits.blocked(c))).toEqual([false, true, true]);
  });
});

describe("refusal log", () => {
  it("logs the first refusal of an episode, then one summary per flush, then forgets", () => {
    const lines: Array<{ msg: string; client?: string; refused?: number }> = [];
    const logger = pino({ level: "info" }, { write: (l: string) => lines.push(JSON.parse(l)) });
    const log = createRefusalLog({ logger });
    for (let i = 0; i < 10; i++) log.refused("10.0.0.1", "too many connections");
    log.refused("10.0.0.2", "too many connections");
    expect(lines.map((l) => l.client)).toEqual(["10.0.0.1", "10.0.0.2"]);
    log.flush();
    expect(lines.slice(2)).toEqual([expect.objectContaining({ client: "10.0.0.1", refused: 9 })]);
    log.flush(); // quiet since the last flush: the episode ends, nothing logged
    expect(lines).toHaveLength(3);
    log.refused("10.0.0.1", "too many connections");
    expect(lines).toHaveLength(4);
    expect(lines[3]?.msg).toContain("10.0.0.1");
  });

  it("counts refusals of clients beyond maxTracked together", () => {
    const lines: Array<{ refused?: number; client?: string }> = [];
    const logger = pino({ level: "info" }, { write: (l: string) => lines.push(JSON.parse(l)) });
    const log = createRefusalLog({ logger, maxTracked: 1 });
    log.refused("a", "r");
    log.refused("b", "r");
    log.refused("c", "r");
    expect(lines).toHaveLength(1);
    log.flush();
    expect(lines[1]).toMatchObject({ refused: 2 });
  });
});
