import { describe, expect, it } from "vitest";
import { changeTags, foldTagChanges, type TagChange } from "../../../src/flows/tags.js";

const tag = (...add: string[]): TagChange => ({ add, remove: [] });
const untag = (...remove: string[]): TagChange => ({ add: [], remove });

describe("changeTags", () => {
  it.each<[string, string[], TagChange, string[]]>([
    ["adds once, sorted", ["vip"], tag("early", "vip"), ["early", "vip"]],
    ["removes", ["early", "vip"], untag("early", "absent"), ["vip"]],
    ["a tag in both lists of one change is added", ["x"], { add: ["y"], remove: ["y", "x"] }, ["y"]],
    ["reads stored values as text", [1, "a"] as unknown as string[], tag("b"), ["1", "a", "b"]],
  ])("%s", (_what, before, change, after) => {
    expect(changeTags(before, change)).toEqual(after);
  });
});

describe("foldTagChanges: one change equal to the steps applied in order", () => {
  const cases: Array<[string, TagChange[]]> = [
    ["tag then untag", [tag("x"), untag("x")]],
    ["untag then tag", [untag("x"), tag("x")]],
    ["tag, untag, tag", [tag("x", "y"), untag("x"), tag("x")]],
    ["unrelated", [tag("a"), untag("b"), tag("c")]],
    ["both in one change", [{ add: ["x"], remove: ["x"] }, untag("y")]],
  ];
  const starts = [[], ["x"], ["x", "y", "b"], ["a", "c"]];
  it.each(cases)("%s", (_what, changes) => {
    for (const start of starts) {
      const stepByStep = changes.reduce<string[]>((tags, c) => changeTags(tags, c), start);
      expect(changeTags(start, foldTagChanges(changes))).toEqual(stepByStep);
    }
  });
});
