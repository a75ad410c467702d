import { describe, expect, it } from "vitest";
import { DURATION_UNITS, durationProblem, parseDuration } from "../../../src/flows/duration.js";

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

describe("parseDuration", () => {
  const accepted: Array<[string, number]> = [
    ["14 days", 14 * D],
    ["14d", 14 * D],
    ["1 day", D],
    ["2h", 2 * H],
    ["2 hours", 2 * H],
    ["1 hr", H],
    ["30 minutes", 30 * M],
    ["30m", 30 * M],
    ["5 min", 5 * M],
    ["90s", 90 * S],
    ["90 sec", 90 * S],
    ["1 second", S],
    ["1 week", 7 * D],
    ["2w", 14 * D],
    ["1.5 hours", 1.5 * H],
    ["0.0001 s", 0], // rounded to whole milliseconds
    ["  3 days  ", 3 * D],
  ];
  it.each(accepted)("%j → %i ms", (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  const refused = [
    "14 dayz",
    "2 months",
    "1 month",
    "1 year",
    "3 years",
    "14",
    "days",
    "",
    "-1 day",
    "1,5 hours",
    "14 Days",
    "1e3 s",
    "two weeks",
  ];
  it.each(refused)("%j → null", (text) => {
    expect(parseDuration(text)).toBeNull();
  });

  it("exports the unit words for messages", () => {
    expect(DURATION_UNITS).toEqual(
      expect.arrayContaining(["s", "sec", "seconds", "m", "minutes", "h", "hr", "hours"]),
    );
    expect(DURATION_UNITS).toEqual(expect.arrayContaining(["d", "day", "days", "w", "week", "weeks"]));
    expect(DURATION_UNITS).not.toContain("month");
  });
});

describe("durationProblem", () => {
  const base = (found: string) =>
    `expected a duration like "14 days" or "2h", found ${JSON.stringify(found)}`;
  const cases: Array<[string, string]> = [
    ["14 dayz", `${base("14 dayz")}; did you mean "14 days"?`],
    ["2 hourz", `${base("2 hourz")}; did you mean "2 hours"?`],
    ["14 Days", `${base("14 Days")}; did you mean "14 days"?`],
    ["1,5 hours", `${base("1,5 hours")}; did you mean "1.5 hours"?`],
    ["14", `${base("14")}; add a unit, e.g. "14 days"`],
    [
      "2 months",
      `${base("2 months")}; months and years have no fixed length, so write days or weeks instead (e.g. "30 days" or "52 weeks")`,
    ],
    ["0 days", `${base("0 days")}; a wait must be longer than zero`],
    ["4000 days", `${base("4000 days")}; a single wait can be at most 3650 days (about 10 years)`],
    [
      "soon",
      `${base("soon")}; write a number and a unit: seconds (s, sec), minutes (m, min), hours (h, hr), days (d, day), weeks (w, week)`,
    ],
    [
      "3 fortnights",
      `${base("3 fortnights")}; allowed units: seconds (s, sec), minutes (m, min), hours (h, hr), days (d, day), weeks (w, week)`,
    ],
  ];
  it.each(cases)("%j", (text, message) => {
    expect(durationProblem(text)).toBe(message);
  });
});
