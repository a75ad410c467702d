import { describe, expect, it } from "vitest";
import {
  type BroadcastProgress,
  buildBroadcastBody,
  parseProperties,
  progressLine,
} from "../../../src/cli/broadcast.js";

const running: BroadcastProgress = {
  broadcastId: "news-1",
  status: "running",
  total: 10_000,
  started: 4_000,
  skipped: 500,
  done: false,
  error: null,
};

describe("rapport broadcast", () => {
  it("builds the body from the options", () => {
    expect(
      buildBroadcastBody("product-news", {
        category: "turntable",
        property: ["headline=A new mat", "body=a=b"],
        id: "news-1",
        url: "http://x",
      }),
    ).toEqual({
      id: "news-1",
      flow: "product-news",
      audience: { category: "turntable" },
      properties: { headline: "A new mat", body: "a=b" },
    });
    expect(() => buildBroadcastBody("product-news", { url: "http://x" })).toThrow(
      /audience: give exactly one/,
    );
    expect(() => parseProperties(["nope"])).toThrow(/name=value/);
  });

  it("draws progress", () => {
    expect(progressLine(running, 10)).toBe(
      "[#####-----]  45% 4,500/10,000 owners: 4,000 started, 500 skipped",
    );
    expect(progressLine(running, 0)).toBe(" 45% 4,500/10,000 owners: 4,000 started, 500 skipped");
    expect(progressLine({ ...running, status: "completed", started: 9_500, done: true }, 4)).toBe(
      "[####] 100% 10,000/10,000 owners: 9,500 started, 500 skipped (done)",
    );
    expect(progressLine({ ...running, status: "queued", total: null, started: 0, skipped: 0 })).toBe(
      "broadcast news-1: queued",
    );
    expect(progressLine({ ...running, status: "failed", error: "flow gone", done: true })).toMatch(
      /failed \(flow gone\)/,
    );
  });
});

describe("--audience", () => {
  it.each([
    ["sku:LYRA-RD-2780", { sku: "LYRA-RD-2780" }],
    ["category:turntable", { category: "turntable" }],
  ])("%s", (text, audience) => {
    expect(
      buildBroadcastBody("product-news", { audience: text, property: [], url: "http://x" }).audience,
    ).toEqual(audience);
  });
  it("names what it expected", () => {
    expect(() =>
      buildBroadcastBody("product-news", { audience: "owners", property: [], url: "http://x" }),
    ).toThrow(/--audience: expected sku:SKU or category:CATEGORY/);
  });
});
