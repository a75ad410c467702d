import { describe, expect, it } from "vitest";
import { isGsm7, smsSegments } from "../../../src/channels/sms-encoding.js";

describe("SMS encoding and segments", () => {
  it("keeps plain text, accents of the GSM alphabet and newlines in GSM-7", () => {
    expect(smsSegments("Thanks for registering your turntable! Reply 4040 for care tips.")).toMatchObject({
      encoding: "GSM-7",
      segments: 1,
      nonGsm: [],
    });
    expect(isGsm7("Déjà vu? Ñ, Öl, £5, @home\n")).toBe(true);
    expect(isGsm7("Ñandú")).toBe(false); // ú is not in the GSM alphabet (ù is)
  });

  it("fits 160 GSM-7 characters in one part and 161 in two of 153", () => {
    expect(smsSegments("a".repeat(160))).toEqual({ encoding: "GSM-7", units: 160, segments: 1, nonGsm: [] });
    expect(smsSegments("a".repeat(161)).segments).toBe(2);
    expect(smsSegments("a".repeat(306)).segments).toBe(2);
    expect(smsSegments("a".repeat(307)).segments).toBe(3);
  });

  it("counts GSM-7 extension characters as two septets", () => {
    expect(smsSegments("€")).toMatchObject({ encoding: "GSM-7", units: 2 });
    expect(smsSegments("{[|]}~^\\").units).toBe(16);
    // 80 euro signs are 160 septets: one part; 81 are 162: two.
    expect(smsSegments("€".repeat(80)).segments).toBe(1);
    expect(smsSegments("€".repeat(81)).segments).toBe(2);
  });

  it("never splits an escape from its character across parts", () => {
    // 152 septets then "€" (2): the 153-septet part cannot hold it whole, so it moves on.
    const text = `${"a".repeat(152)}€${"a".repeat(10)}`;
    expect(smsSegments(text)).toMatchObject({ units: 164, segments: 2 });
    // 305 septets + "€": 153 + 152 fills part two to 152 + 2 > 153, so three parts.
    expect(smsSegments(`${"a".repeat(305)}€`).segments).toBe(3);
  });

  it("switches to UCS-2 for a character outside the GSM alphabet, naming it", () => {
    const s = smsSegments("Merci — à bientôt");
    expect(s.encoding).toBe("UCS-2");
    expect(s.nonGsm).toEqual(["—", "ô"]);
    expect(s.units).toBe(17);
    expect(smsSegments("ж".repeat(70)).segments).toBe(1);
    expect(smsSegments("ж".repeat(71)).segments).toBe(2);
  });

  it("counts an emoji outside the BMP as two UCS-2 units and never splits the pair", () => {
    expect(smsSegments("👍")).toMatchObject({ encoding: "UCS-2", units: 2, segments: 1 });
    expect(smsSegments("👍".repeat(35)).segments).toBe(1); // 70 units
    expect(smsSegments("👍".repeat(36)).segments).toBe(2); // 72 units
    // 66 units then an emoji: 68 > 67, so the pair starts part two whole.
    expect(smsSegments(`${"ж".repeat(66)}👍${"ж".repeat(10)}`)).toMatchObject({ units: 78, segments: 2 });
    expect(smsSegments(`${"ж".repeat(133)}👍`)).toMatchObject({ units: 135, segments: 3 });
  });
});
