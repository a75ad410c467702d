import { describe, expect, it } from "vitest";
import { formatRetry, parseRetryKind } from "../../../src/cli/retry.js";

describe("rapport retry", () => {
  it.each(["messages", "events", "inbound", "all"] as const)("--kind %s is read", (kind) => {
    expect(parseRetryKind(kind)).toBe(kind);
  });

  it("an unknown --kind names the choices", () => {
    expect(() => parseRetryKind("runs")).toThrow(
      '--kind: expected one of messages, events, inbound, all, found "runs"',
    );
  });

  it.each([
    {
      outcomes: [{ kind: "messages" as const, reset: [], queued: 0 }],
      text: "messages: 0 brought back",
    },
    {
      outcomes: [{ kind: "messages" as const, reset: ["m1", "m2"], queued: 2 }],
      text: "messages: 2 brought back (queued now)\n  m1\n  m2",
    },
    {
      outcomes: [{ kind: "inbound" as const, reset: ["i1"], queued: 0 }],
      text: "inbound: 1 brought back (0 queued now, the rest by the running rapport's sweeper within 30000 ms)\n  i1",
    },
  ])("says what it brought back and how it is queued: $text", ({ outcomes, text }) => {
    expect(formatRetry(outcomes, 30_000)).toBe(text);
  });
});
