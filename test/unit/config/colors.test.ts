import { describe, expect, it } from "vitest";
import {
  BRAND_COLOR_DEFAULTS,
  brandPalette,
  contrastRatio,
  mix,
  paletteProblems,
} from "../../../src/config/colors.js";

describe("brand colours", () => {
  it("computes WCAG contrast ratios", () => {
    expect(contrastRatio("#000000", "#ffffff")).toBeCloseTo(21, 5);
    expect(contrastRatio("#fff", "#fff")).toBeCloseTo(1, 5);
    // The classic AA borderline: #767676 on white is 4.54:1.
    expect(contrastRatio("#767676", "#ffffff")).toBeCloseTo(4.54, 2);
    expect(contrastRatio("#ffffff", "#767676")).toBe(contrastRatio("#767676", "#ffffff"));
  });

  it("mixes colours", () => {
    expect(mix("#000000", "#ffffff", 0.5)).toBe("#808080");
    expect(mix("#abc", "#000", 0)).toBe("#aabbcc");
  });

  it("the defaults reach AA in every pair a page uses", () => {
    expect(paletteProblems(BRAND_COLOR_DEFAULTS)).toEqual([]);
    const p = brandPalette(BRAND_COLOR_DEFAULTS);
    expect(contrastRatio(p.text, p.background)).toBeGreaterThan(12);
    expect(contrastRatio(p.primary, p.background)).toBeGreaterThanOrEqual(4.5);
    expect(contrastRatio(p.onPrimary, p.primary)).toBeGreaterThanOrEqual(4.5);
    expect(contrastRatio(p.quiet, p.background)).toBeGreaterThanOrEqual(4.5);
  });

  it("a dark theme works: the button label is whichever of background and text stands out", () => {
    const dark = { primary: "#f2b880", background: "#1c1b1a", text: "#f4f1ec" };
    expect(paletteProblems(dark)).toEqual([]);
    expect(brandPalette(dark).onPrimary).toBe("#1c1b1a");
    expect(brandPalette(BRAND_COLOR_DEFAULTS).onPrimary).toBe(BRAND_COLOR_DEFAULTS.background);
  });

  it("names the setting, the pair and the ratio when text would be hard to read", () => {
    const problems = paletteProblems({ primary: "#ffcc00", background: "#ffffff", text: "#999999" });
    expect(problems.map((p) => p.setting)).toEqual(["text", "primary", "primary"]);
    expect(problems[0]?.message).toMatch(
      /^text #999999 on background #ffffff has a contrast of 2\.8:1; .*4\.5:1/,
    );
    expect(problems[1]?.message).toMatch(
      /^links in primary #ffcc00 on background #ffffff has a contrast of 1\.5:1/,
    );
    expect(problems[2]?.message).toMatch(
      /^button labels \(#999999\) on primary #ffcc00 has a contrast of 1\.8:1/,
    );
  });
});
