/**
 * Local wall time in IANA zones: DST gaps move forward, overlaps take the first instant.
 */
import { describe, expect, it } from "vitest";
import {
  isLeapYear,
  isTimeZone,
  type LocalDateTime,
  localToEpoch,
  parseCalendarDate,
  parseTimeOfDay,
  wallClock,
  yearlyDay,
} from "../../../src/flows/time.js";

const HOUR = 60 * 60 * 1000;
const at = (year: number, month: number, day: number, hour: number, minute = 0): LocalDateTime => ({
  year,
  month,
  day,
  hour,
  minute,
});

describe("localToEpoch", () => {
  const cases: Array<[string, LocalDateTime, string, number]> = [
    ["UTC is itself", at(2026, 6, 1, 9), "UTC", Date.UTC(2026, 5, 1, 9)],
    ["Berlin winter (+01:00)", at(2026, 1, 15, 9), "Europe/Berlin", Date.UTC(2026, 0, 15, 8)],
    ["Berlin summer (+02:00)", at(2026, 7, 15, 9), "Europe/Berlin", Date.UTC(2026, 6, 15, 7)],
    // 2026-03-29: 02:00 → 03:00 in Berlin. 02:30 does not exist: it moves forward to 03:30 CEST.
    [
      "Berlin spring-forward gap 02:30 → 03:30",
      at(2026, 3, 29, 2, 30),
      "Europe/Berlin",
      Date.UTC(2026, 2, 29, 1, 30),
    ],
    [
      "Berlin spring-forward gap 02:00 → 03:00",
      at(2026, 3, 29, 2),
      "Europe/Berlin",
      Date.UTC(2026, 2, 29, 1),
    ],
    ["Berlin just before the gap", at(2026, 3, 29, 1, 59), "Europe/Berlin", Date.UTC(2026, 2, 29, 0, 59)],
    ["Berlin just after the gap", at(2026, 3, 29, 3), "Europe/Berlin", Date.UTC(2026, 2, 29, 1)],
    // 2026-10-25: 03:00 → 02:00 in Berlin. 02:30 happens twice: the first (CEST, 00:30Z) is taken.
    [
      "Berlin fall-back overlap takes the first",
      at(2026, 10, 25, 2, 30),
      "Europe/Berlin",
      Date.UTC(2026, 9, 25, 0, 30),
    ],
    ["Berlin after the overlap", at(2026, 10, 25, 3), "Europe/Berlin", Date.UTC(2026, 9, 25, 2)],
    ["Berlin before the overlap", at(2026, 10, 25, 1, 59), "Europe/Berlin", Date.UTC(2026, 9, 24, 23, 59)],
    // 2026-03-08: 02:00 → 03:00 in New York.
    ["New York spring-forward gap", at(2026, 3, 8, 2, 30), "America/New_York", Date.UTC(2026, 2, 8, 7, 30)],
    // 2026-11-01: 02:00 → 01:00 in New York; 01:30 EDT (05:30Z) comes first, 01:30 EST (06:30Z) second.
    [
      "New York fall-back overlap takes the first",
      at(2026, 11, 1, 1, 30),
      "America/New_York",
      Date.UTC(2026, 10, 1, 5, 30),
    ],
    ["New York winter (-05:00)", at(2026, 12, 24, 10), "America/New_York", Date.UTC(2026, 11, 24, 15)],
    ["half-hour zone (Kolkata +05:30)", at(2026, 7, 1, 9), "Asia/Kolkata", Date.UTC(2026, 6, 1, 3, 30)],
    [
      "date line (Auckland, +13:00 in January)",
      at(2026, 1, 1, 0),
      "Pacific/Auckland",
      Date.UTC(2025, 11, 31, 11),
    ],
    ["day 0 runs back into the previous month", at(2026, 3, 0, 12), "UTC", Date.UTC(2026, 1, 28, 12)],
  ];
  it.each(cases)("%s", (_name, local, tz, expected) => {
    expect(localToEpoch(local, tz)).toBe(expected);
  });

  it("round-trips every hour of the Berlin DST days except the gap", () => {
    for (const day of [29]) {
      for (let hour = 0; hour < 24; hour++) {
        if (hour === 2) continue;
        const ms = localToEpoch(at(2026, 3, day, hour), "Europe/Berlin");
        expect(wallClock(ms, "Europe/Berlin")).toMatchObject({ year: 2026, month: 3, day, hour, minute: 0 });
      }
    }
    // The fall-back night: 02:00 and 03:00 are one hour apart by the clock, two in reality.
    const two = localToEpoch(at(2026, 10, 25, 2), "Europe/Berlin");
    const three = localToEpoch(at(2026, 10, 25, 3), "Europe/Berlin");
    expect(three - two).toBe(2 * HOUR);
  });
});

describe("wallClock", () => {
  it("reads the local date, time and weekday (Monday = 0)", () => {
    // 2026-01-05 is a Monday.
    expect(wallClock(Date.UTC(2026, 0, 5, 23, 30), "UTC")).toEqual({
      year: 2026,
      month: 1,
      day: 5,
      hour: 23,
      minute: 30,
      second: 0,
      weekday: 0,
    });
    // The same instant is already Tuesday in Berlin.
    expect(wallClock(Date.UTC(2026, 0, 5, 23, 30), "Europe/Berlin")).toMatchObject({
      day: 6,
      hour: 0,
      weekday: 1,
    });
  });
});

describe("isTimeZone", () => {
  it.each([
    ["Europe/Berlin", true],
    ["America/New_York", true],
    ["UTC", true],
    ["Mars/Olympus", false],
    ["", false],
  ])("%s → %s", (tz, ok) => {
    expect(isTimeZone(tz)).toBe(ok);
  });
});

describe("parseTimeOfDay", () => {
  it.each([
    ["09:00", 540],
    ["9:00", 540],
    ["00:00", 0],
    ["23:59", 1439],
    ["24:00", null],
    ["9", null],
    ["09:60", null],
    ["9am", null],
  ])("%s → %s", (text, minutes) => {
    expect(parseTimeOfDay(text)).toBe(minutes);
  });
});

describe("calendar dates", () => {
  it.each([
    ["1990-12-10", { year: 1990, month: 12, day: 10 }],
    ["12-10", { year: null, month: 12, day: 10 }],
    ["--12-10", { year: null, month: 12, day: 10 }],
    ["02-29", { year: null, month: 2, day: 29 }],
    ["2024-02-29", { year: 2024, month: 2, day: 29 }],
    ["2025-02-29", null],
    ["13-01", null],
    ["1990/12/10", null],
  ])("parseCalendarDate(%s)", (text, expected) => {
    expect(parseCalendarDate(text)).toEqual(expected);
  });

  it("yearlyDay: Feb 29 is Feb 28 in years without one", () => {
    expect(yearlyDay(2, 29, 2027)).toBe(28);
    expect(yearlyDay(2, 29, 2028)).toBe(29);
    expect(yearlyDay(12, 10, 2027)).toBe(10);
    expect(isLeapYear(2000)).toBe(true);
    expect(isLeapYear(2100)).toBe(false);
  });
});
