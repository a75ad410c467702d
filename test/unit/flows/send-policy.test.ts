import { describe, expect, it } from "vitest";
import { advance, initialRun } from "../../../src/flows/interpreter.js";
import { parseFlow } from "../../../src/flows/parse.js";
import {
  earliestSendTime,
  nextUnderCap,
  nextWindowOpening,
  scalePolicy,
} from "../../../src/flows/send-policy.js";

const DAY = 24 * 3600_000;
const HOUR = 3600_000;
const utc = (iso: string) => Date.parse(iso);
const weekdays = [0, 1, 2, 3, 4];

describe("nextWindowOpening (Europe/Berlin, 09:00-20:00, Mon-Fri)", () => {
  const window = { start: "09:00", end: "20:00", days: weekdays };
  it.each([
    ["inside: Wed 12:00 local", "2026-11-25T11:00:00Z", "2026-11-25T11:00:00Z"],
    ["before opening: Wed 07:00 local", "2026-11-25T06:00:00Z", "2026-11-25T08:00:00Z"],
    ["at closing: Wed 20:00 local → Thu 09:00", "2026-11-25T19:00:00Z", "2026-11-26T08:00:00Z"],
    ["Friday night → Monday 09:00", "2026-11-27T21:00:00Z", "2026-11-30T08:00:00Z"],
    ["Sunday → Monday 09:00", "2026-11-29T10:00:00Z", "2026-11-30T08:00:00Z"],
    [
      "spring forward: Sat 28 Mar 2026 → Mon 30 Mar 09:00 CEST",
      "2026-03-28T12:00:00Z",
      "2026-03-30T07:00:00Z",
    ],
  ])("%s", (_what, at, expected) => {
    expect(new Date(nextWindowOpening(utc(at), window, "Europe/Berlin")).toISOString()).toBe(
      new Date(utc(expected)).toISOString(),
    );
  });

  it("runs past midnight when the end is before the start", () => {
    const night = { start: "20:00", end: "02:00", days: [0, 1, 2, 3, 4, 5, 6] };
    expect(nextWindowOpening(utc("2026-11-25T00:30:00Z"), night, "UTC")).toBe(utc("2026-11-25T00:30:00Z"));
    expect(nextWindowOpening(utc("2026-11-25T03:00:00Z"), night, "UTC")).toBe(utc("2026-11-25T20:00:00Z"));
  });

  it("refuses a window without days and a malformed time", () => {
    expect(() => nextWindowOpening(0, { start: "09:00", end: "20:00", days: [] }, "UTC")).toThrow(/day/);
    expect(() => nextWindowOpening(0, { start: "9 am", end: "20:00", days: [0] }, "UTC")).toThrow(
      /time of day/,
    );
  });
});

describe("nextUnderCap (at most 2 in 7 days)", () => {
  const cap = { max: 2, perMs: 7 * DAY };
  const t = 100 * DAY;
  it.each<[string, number[], number]>([
    ["nothing sent", [], t],
    ["one sent", [t - DAY], t],
    ["two sent: wait until the older ages out", [t - 3 * DAY, t - DAY], t - 3 * DAY + 7 * DAY],
    ["old ones do not count", [t - 8 * DAY, t - 9 * DAY], t],
    ["three sent: the second oldest decides", [t - 5 * DAY, t - 4 * DAY, t - DAY], t - 4 * DAY + 7 * DAY],
  ])("%s", (_what, sent, expected) => {
    expect(nextUnderCap(t, cap, sent)).toBe(expected);
  });
});

describe("earliestSendTime", () => {
  it("postpones past the cap, then into the window", () => {
    const policy = {
      window: { start: "09:00", end: "20:00", days: weekdays },
      cap: { max: 1, perMs: 7 * DAY },
    };
    // Sent last Thursday 19:30 UTC; now is Wednesday: the cap frees Thursday 19:30 UTC =
    // 20:30 Berlin, after closing, so Friday 09:00 Berlin.
    const now = utc("2026-11-25T10:00:00Z");
    const sent = [utc("2026-11-19T19:30:00Z")];
    expect(
      new Date(earliestSendTime(policy, { now, timezone: "Europe/Berlin", sentAt: sent })).toISOString(),
    ).toBe("2026-11-27T08:00:00.000Z");
  });

  it("sends at once without a policy, and never earlier than now", () => {
    expect(earliestSendTime({}, { now: 5 * HOUR, timezone: "UTC", sentAt: [] })).toBe(5 * HOUR);
  });
});

describe("transactional sends", () => {
  it.each<[string, string, boolean]>([
    ["a relationship flow", "steps: [ { send: a } ]", false],
    ["a transactional flow", "transactional: true\nsteps: [ { send: a } ]", true],
    ["a transactional step", "steps: [ { send: a, transactional: true } ]", true],
    [
      "a step opting out of a transactional flow",
      "transactional: true\nsteps: [ { send: a, transactional: false } ]",
      false,
    ],
  ])("%s", (_what, body, expected) => {
    const parsed = parseFlow(`name: T\ntrigger: { event: registration }\n${body}\n`, "t.yaml");
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    const [send] = advance(parsed.flow, initialRun(), { type: "start" }, 0, {
      defaultTimezone: "UTC",
    }).effects;
    expect(send).toMatchObject({ type: "send", template: "a" });
    expect(send?.type === "send" && send.transactional === true).toBe(expected);
  });
});

describe("scalePolicy (RAPPORT_WAIT_SCALE)", () => {
  const week = 7 * 24 * 3600_000;
  const window = { start: "09:00", end: "20:00", days: [0, 1, 2, 3, 4] };
  it.each([
    [
      "scale 1 keeps the policy",
      { window, cap: { max: 2, perMs: week } },
      1,
      { window, cap: { max: 2, perMs: week } },
    ],
    [
      "a scaled week, no window",
      { window, cap: { max: 2, perMs: week } },
      0.00001,
      { cap: { max: 2, perMs: Math.round(week * 0.00001) } },
    ],
    [
      "the customer's own limit scales too",
      { cap: { max: 2, perMs: week }, customerCap: { max: 1, perMs: 4 * week } },
      0.001,
      {
        cap: { max: 2, perMs: Math.round(week * 0.001) },
        customerCap: { max: 1, perMs: Math.round(4 * week * 0.001) },
      },
    ],
    ["a window alone goes", { window }, 0.5, {}],
  ])("%s", (_name, policy, scale, expected) => {
    expect(scalePolicy(policy, scale)).toEqual(expected);
  });
});
