/**
 * Yearly date triggers (nextOccurrence), wait_until targets, date bounds and offsets.
 * Times are epoch ms; Date.UTC only spells them.
 */
import { describe, expect, it } from "vitest";
import {
  DATE_BOUND_PATTERN,
  dateBoundProblem,
  dateValue,
  nextOccurrence,
  OFFSET_PATTERN,
  parseOffset,
  resolveDateBound,
  timezoneFor,
  waitUntilTarget,
} from "../../../src/flows/dates.js";
import type { DateTrigger, TriggerFacts, WaitUntil } from "../../../src/flows/types.js";

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;
const YEAR = 365 * DAY;

function facts(customer: Record<string, unknown> = {}, ownership?: Record<string, unknown>): TriggerFacts {
  return { event: { type: "date", properties: {} }, customer, ownership };
}

const birthday = (at = "09:00"): DateTrigger => ({ date: "customer.birthday", every: "year", at });
const anniversary = (at = "10:00"): DateTrigger => ({ date: "ownership.started", every: "year", at });

describe("nextOccurrence", () => {
  const started = Date.UTC(2025, 4, 20, 22, 30); // 2025-05-21 00:30 in Berlin
  const cases: Array<[string, DateTrigger, TriggerFacts, number, string, number | null]> = [
    [
      "birthday later this year (Berlin, winter time)",
      birthday(),
      facts({ birthday: "1990-12-10" }),
      Date.UTC(2026, 5, 1),
      "Europe/Berlin",
      Date.UTC(2026, 11, 10, 8),
    ],
    [
      "birthday just passed: next year",
      birthday(),
      facts({ birthday: "1990-12-10" }),
      Date.UTC(2026, 11, 10, 8),
      "Europe/Berlin",
      Date.UTC(2027, 11, 10, 8),
    ],
    [
      "a minute before the birthday's time: today",
      birthday(),
      facts({ birthday: "1990-12-10" }),
      Date.UTC(2026, 11, 10, 7, 59),
      "Europe/Berlin",
      Date.UTC(2026, 11, 10, 8),
    ],
    [
      "year-less MM-DD birthday",
      birthday(),
      facts({ birthday: "12-10" }),
      Date.UTC(2026, 5, 1),
      "Europe/Berlin",
      Date.UTC(2026, 11, 10, 8),
    ],
    [
      "year-less --MM-DD birthday in summer time",
      birthday("09:30"),
      facts({ birthday: "--07-04" }),
      Date.UTC(2026, 5, 1),
      "Europe/Berlin",
      Date.UTC(2026, 6, 4, 7, 30),
    ],
    [
      "Feb 29 birthday in a year without one: Feb 28",
      birthday(),
      facts({ birthday: "2000-02-29" }),
      Date.UTC(2026, 5, 1),
      "UTC",
      Date.UTC(2027, 1, 28, 9),
    ],
    [
      "Feb 29 birthday in a leap year: Feb 29",
      birthday(),
      facts({ birthday: "02-29" }),
      Date.UTC(2027, 2, 1),
      "UTC",
      Date.UTC(2028, 1, 29, 9),
    ],
    [
      "birthday on the night clocks spring forward, at a time that does not exist (New York)",
      birthday("02:30"),
      facts({ birthday: "1985-03-08" }),
      Date.UTC(2026, 0, 1),
      "America/New_York",
      Date.UTC(2026, 2, 8, 7, 30),
    ],
    [
      "local date decides: late evening UTC is the next day in Auckland",
      birthday(),
      facts({ birthday: "1990-01-01" }),
      Date.UTC(2025, 11, 31, 12), // already 2026-01-01 01:00 in Auckland
      "Pacific/Auckland",
      Date.UTC(2025, 11, 31, 20), // 2026-01-01 09:00 +13:00
    ],
    [
      "anniversary: the first one, a year after, on the local day it started",
      anniversary(),
      facts({}, { started }),
      started,
      "Europe/Berlin",
      Date.UTC(2026, 4, 21, 8),
    ],
    [
      "anniversary in UTC falls on the UTC day",
      anniversary(),
      facts({}, { started }),
      started,
      "UTC",
      Date.UTC(2026, 4, 20, 10),
    ],
    [
      "anniversary never on the day itself, even when asked from long before",
      anniversary(),
      facts({}, { started }),
      started - YEAR,
      "UTC",
      Date.UTC(2026, 4, 20, 10),
    ],
    [
      "anniversary years later",
      anniversary(),
      facts({}, { started }),
      started + 3 * YEAR, // 2028-05-19 22:30Z (2028 has a Feb 29)
      "UTC",
      Date.UTC(2028, 4, 20, 10),
    ],
    [
      "anniversary of a start given as ISO text",
      anniversary(),
      facts({}, { started: "2025-05-20T10:00:00Z" }),
      Date.UTC(2025, 5, 1),
      "UTC",
      Date.UTC(2026, 4, 20, 10),
    ],
    [
      "anniversary of a Feb 29 purchase: Feb 28 next year",
      anniversary(),
      facts({}, { started: Date.UTC(2024, 1, 29, 12) }),
      Date.UTC(2024, 2, 1),
      "UTC",
      Date.UTC(2025, 1, 28, 10),
    ],
    ["no birthday known", birthday(), facts({}), 0, "UTC", null],
    ["birthday that is not a date", birthday(), facts({ birthday: "soon" }), 0, "UTC", null],
    ["no ownership", anniversary(), facts({}), 0, "UTC", null],
  ];
  it.each(cases)("%s", (_name, trigger, f, after, tz, expected) => {
    expect(nextOccurrence(trigger, f, after, tz)).toBe(expected);
  });

  it("is always strictly after `after`, and a year apart on consecutive calls", () => {
    const f = facts({ birthday: "1990-06-15" });
    let t = 0;
    const seen: number[] = [];
    for (let i = 0; i < 4; i++) {
      const next = nextOccurrence(birthday(), f, t, "Europe/Berlin");
      expect(next).not.toBeNull();
      expect(next as number).toBeGreaterThan(t);
      seen.push(next as number);
      t = next as number;
    }
    expect((seen[1] as number) - (seen[0] as number)).toBe(YEAR); // 1970 → 1971
  });
});

describe("waitUntilTarget", () => {
  const monday = Date.UTC(2026, 0, 12); // Monday 2026-01-12 00:00Z
  const weekdays = [0, 1, 2, 3, 4];
  const cases: Array<[string, WaitUntil, TriggerFacts, number, string, ReturnType<typeof waitUntilTarget>]> =
    [
      [
        "the day before the next birthday at 09:00",
        { date: "customer.birthday", offsetMs: -DAY, at: "09:00" },
        facts({ birthday: "1990-12-10" }),
        Date.UTC(2026, 5, 1),
        "Europe/Berlin",
        { at: Date.UTC(2026, 11, 9, 8) },
      ],
      [
        "the day before the birthday has passed this year: next year's",
        { date: "customer.birthday", offsetMs: -DAY, at: "09:00" },
        facts({ birthday: "1990-12-10" }),
        Date.UTC(2026, 11, 9, 9),
        "Europe/Berlin",
        { at: Date.UTC(2027, 11, 9, 8) },
      ],
      [
        "a week before a Jan 3 birthday falls in the previous year",
        { date: "customer.birthday", offsetMs: -7 * DAY, at: "09:00" },
        facts({ birthday: "01-03" }),
        Date.UTC(2026, 11, 20),
        "UTC",
        { at: Date.UTC(2026, 11, 27, 9) },
      ],
      [
        "30 days after the registration, at 10:00",
        { date: "ownership.started", offsetMs: 30 * DAY, at: "10:00" },
        facts({}, { started: Date.UTC(2026, 0, 10, 15) }),
        Date.UTC(2026, 0, 10, 15),
        "UTC",
        { at: Date.UTC(2026, 1, 9, 10) },
      ],
      [
        "an offset with hours: shifts the instant after the day",
        { date: "ownership.started", offsetMs: DAY + 2 * HOUR, at: "10:00" },
        facts({}, { started: Date.UTC(2026, 0, 10, 15) }),
        Date.UTC(2026, 0, 10, 15),
        "UTC",
        { at: Date.UTC(2026, 0, 11, 12) },
      ],
      [
        "a registration date already past: no wait",
        { date: "ownership.started", offsetMs: 30 * DAY, at: "10:00" },
        facts({}, { started: Date.UTC(2026, 0, 10, 15) }),
        Date.UTC(2026, 5, 1),
        "UTC",
        { skip: "2026-02-09T10:00:00.000Z has passed" },
      ],
      [
        "a calendar date, local time in Berlin",
        { date: "2026-12-24", at: "18:00" },
        facts({}),
        Date.UTC(2026, 5, 1),
        "Europe/Berlin",
        { at: Date.UTC(2026, 11, 24, 17) },
      ],
      [
        "a calendar date on a Saturday, weekdays only: the Monday after",
        { date: "2026-01-10", at: "10:00", days: [0] },
        facts({}),
        Date.UTC(2026, 0, 1),
        "UTC",
        { at: Date.UTC(2026, 0, 12, 10) },
      ],
      [
        "no birthday known: no wait",
        { date: "customer.birthday", at: "09:00" },
        facts({}),
        0,
        "UTC",
        { skip: "no customer.birthday known" },
      ],
      [
        "weekdays at 10:00, on a Saturday: Monday",
        { at: "10:00", days: weekdays },
        facts({}),
        monday - 2 * DAY + 12 * HOUR,
        "Europe/Berlin",
        { at: monday + 9 * HOUR },
      ],
      [
        "weekdays at 10:00, Monday 09:00 local: the same morning",
        { at: "10:00", days: weekdays },
        facts({}),
        monday + 8 * HOUR,
        "Europe/Berlin",
        { at: monday + 9 * HOUR },
      ],
      [
        "weekdays at 10:00, Monday 10:30 local: Tuesday",
        { at: "10:00", days: weekdays },
        facts({}),
        monday + 9 * HOUR + 30 * 60 * 1000,
        "Europe/Berlin",
        { at: monday + DAY + 9 * HOUR },
      ],
      [
        "weekdays at 10:00, Friday afternoon: next Monday",
        { at: "10:00", days: weekdays },
        facts({}),
        monday + 4 * DAY + 14 * HOUR,
        "Europe/Berlin",
        { at: monday + 7 * DAY + 9 * HOUR },
      ],
      [
        "any day at 10:00, after 10:00: tomorrow",
        { at: "10:00" },
        facts({}),
        monday + 11 * HOUR,
        "UTC",
        { at: monday + DAY + 10 * HOUR },
      ],
      [
        "exactly at the time: now",
        { at: "10:00" },
        facts({}),
        monday + 10 * HOUR,
        "UTC",
        { at: monday + 10 * HOUR },
      ],
      [
        "at 02:30 on the Berlin spring-forward Sunday: 03:30",
        { at: "02:30", days: [6] },
        facts({}),
        Date.UTC(2026, 2, 28, 12),
        "Europe/Berlin",
        { at: Date.UTC(2026, 2, 29, 1, 30) },
      ],
    ];
  it.each(cases)("%s", (_name, until, f, now, tz, expected) => {
    expect(waitUntilTarget(until, f, now, tz)).toEqual(expected);
  });
});

describe("timezoneFor", () => {
  it.each([
    ["the customer's own zone", { timezone: "America/New_York" }, "Europe/Berlin", "America/New_York"],
    ["an unknown zone: the brand's", { timezone: "Mars/Olympus" }, "Europe/Berlin", "Europe/Berlin"],
    ["none: the brand's", {}, "Europe/Berlin", "Europe/Berlin"],
    ["neither known: UTC", {}, "Nowhere/Else", "UTC"],
  ])("%s", (_name, customer, fallback, expected) => {
    expect(timezoneFor(facts(customer), fallback)).toBe(expected);
  });
});

describe("offsets", () => {
  it.each([
    ["-1 day", -DAY],
    ["- 1 day", -DAY],
    ["+2 weeks", 14 * DAY],
    ["3 days", 3 * DAY],
    ["-12h", -12 * HOUR],
    ["0 days", 0],
    ["1 month", null],
    ["-1", null],
    ["tomorrow", null],
  ])("parseOffset(%s)", (text, ms) => {
    expect(parseOffset(text)).toBe(ms);
    expect(new RegExp(OFFSET_PATTERN).test(text)).toBe(ms !== null);
  });
});

describe("date bounds", () => {
  const now = Date.UTC(2026, 5, 15, 12);
  it.each([
    ["30 days ago", now - 30 * DAY],
    ["1 week ago", now - 7 * DAY],
    ["in 2 weeks", now + 14 * DAY],
    ["now", now],
    ["2026-01-31", Date.UTC(2026, 0, 31)],
    ["2026-01-31T10:00:00Z", Date.UTC(2026, 0, 31, 10)],
    ["2026-01-31T10:00:00+02:00", Date.UTC(2026, 0, 31, 8)],
    ["2026-02-30", null],
    ["30 days", null],
    ["1 month ago", null],
    ["yesterday", null],
  ])("resolveDateBound(%s)", (text, expected) => {
    expect(resolveDateBound(text, now)).toBe(expected);
    if (text !== "2026-02-30") expect(new RegExp(DATE_BOUND_PATTERN).test(text)).toBe(expected !== null);
  });

  it.each([
    ["30 days", 'say which way: "30 days ago" or "in 30 days"'],
    ["1 month ago", "months and years have no fixed length"],
    ["30 Days Ago", 'did you mean "30 days ago"?'],
    ["2026-02-30", "that day does not exist"],
  ])("dateBoundProblem(%s)", (text, hint) => {
    expect(dateBoundProblem(text)).toContain(hint);
  });

  it.each([
    [Date.UTC(2026, 0, 1), Date.UTC(2026, 0, 1)],
    ["2026-01-01", Date.UTC(2026, 0, 1)],
    ["2026-01-01T10:00:00Z", Date.UTC(2026, 0, 1, 10)],
    ["12-10", null],
    ["soon", null],
    [null, null],
    [true, null],
  ])("dateValue(%s)", (value, expected) => {
    expect(dateValue(value)).toBe(expected);
  });
});
