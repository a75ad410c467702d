import { describe, expect, it } from "vitest";
import { closest, editDistance } from "../../../src/flows/suggest.js";

describe("editDistance", () => {
  const cases: Array<[string, string, number]> = [
    ["wait", "wait", 0],
    ["wiat", "wait", 1], // a swap of neighbours is one edit
    ["dayz", "days", 1],
    ["", "abc", 3],
    ["kitten", "sitting", 3],
  ];
  it.each(cases)("%j ↔ %j = %i", (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
    expect(editDistance(b, a)).toBe(d);
  });
});

describe("closest", () => {
  const cases: Array<[string, string[], string | null]> = [
    ["wiat", ["send", "wait", "id"], "wait"],
    ["once_per_prodcut", ["once", "once_per_product", "every_time"], "once_per_product"],
    ["dayz", ["day", "days", "d"], "days"], // same length wins a tie
    ["Steps", ["name", "steps"], "steps"], // case is ignored
    ["banana", ["send", "wait", "id"], null], // nothing close enough
    ["x", ["in", "not"], null],
  ];
  it.each(cases)("%j in %j → %j", (word, candidates, expected) => {
    expect(closest(word, candidates)).toBe(expected);
  });
});
