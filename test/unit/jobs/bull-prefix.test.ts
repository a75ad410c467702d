import { describe, expect, it } from "vitest";
import { bullPrefix } from "../../../src/jobs/bull-prefix.js";
import { QUEUE_NAMES } from "../../../src/jobs/queues.js";

/** What Redis Cluster hashes for a key: the text inside the first {…} when non-empty, else the whole key. */
function hashedPart(key: string): string {
  const open = key.indexOf("{");
  const close = open < 0 ? -1 : key.indexOf("}", open + 1);
  return close > open + 1 ? key.slice(open + 1, close) : key;
}

describe("bullPrefix", () => {
  it("wraps the setting and the queue's name in one hash tag", () => {
    expect(bullPrefix("rapport", "steps")).toBe("{rapport:steps}");
    expect(bullPrefix("t0a1b-c_d", "deliveries")).toBe("{t0a1b-c_d:deliveries}");
  });

  it("puts every key BullMQ builds for a queue in one slot, and each queue in its own", () => {
    const tags = new Set<string>();
    for (const name of Object.values(QUEUE_NAMES)) {
      const prefix = bullPrefix("rapport", name);
      // BullMQ's keys are `${prefix}:${queue name}:${suffix}`; the suffix may be a job id.
      const keys = [
        "wait",
        "active",
        "delayed",
        "meta",
        "events",
        "marker",
        "run-abc-3",
        "run-abc-3:lock",
      ].map((suffix) => `${prefix}:${name}:${suffix}`);
      const hashed = new Set(keys.map(hashedPart));
      expect(hashed).toEqual(new Set([`rapport:${name}`]));
      tags.add(`rapport:${name}`);
    }
    expect(tags.size).toBe(Object.keys(QUEUE_NAMES).length);
  });

  it("refuses a prefix or name that would break the tag, naming which", () => {
    expect(() => bullPrefix("rap{port}", "steps")).toThrow(/queue prefix "rap\{port\}".*without \{ or \}/);
    expect(() => bullPrefix("rapport", "st}eps")).toThrow(/queue name "st\}eps"/);
    expect(() => bullPrefix("", "steps")).toThrow(/queue prefix "": expected a non-empty name/);
  });
});
