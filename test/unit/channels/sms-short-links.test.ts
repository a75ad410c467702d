import { describe, expect, it } from "vitest";
import {
  findLinks,
  isShortCode,
  newShortCode,
  SHORT_CODE_LENGTH,
  shortenLinks,
  withPlaceholderLinks,
} from "../../../src/channels/sms-short-links.js";

const BASE = "https://r.lyra.example";

describe("short codes", () => {
  it("are 10 base62 characters, different each time", () => {
    const codes = new Set(Array.from({ length: 1000 }, () => newShortCode()));
    expect(codes.size).toBe(1000);
    for (const code of codes) {
      expect(code).toMatch(/^[0-9A-Za-z]{10}$/);
      expect(isShortCode(code)).toBe(true);
    }
    expect(SHORT_CODE_LENGTH).toBe(10);
  });

  it("skip bytes of 248 and up, so every character is as likely (no modulo bias)", () => {
    // 248..255 would map to 0..7 a fifth time; they are dropped, the rest map byte % 62.
    const bytes = [255, 248, 0, 61, 62, 247, 1, 2, 3, 4, 5, 6, 7, 8];
    const code = newShortCode((n) => Buffer.from(bytes.slice(0, n)));
    expect(code).toBe("0z0z123456"); // 0, 61, 62 % 62, 247 % 62, 1…6
  });

  it.each([
    ["", false],
    ["abcDEF1234", true],
    ["abcDEF123", false],
    ["abcDEF12345", false],
    ["abcDEF123-", false],
    ["abcDEF123é", false],
    ["../../etc1", false],
  ])("isShortCode(%j) is %s", (s, ok) => {
    expect(isShortCode(s)).toBe(ok);
  });
});

describe("findLinks", () => {
  it.each([
    ["See https://lyra.example/care", ["https://lyra.example/care"]],
    ["See https://lyra.example/care.", ["https://lyra.example/care"]],
    ["Tips: https://lyra.example/a?b=1&c=2, then reply", ["https://lyra.example/a?b=1&c=2"]],
    ["(see https://lyra.example/x)", ["https://lyra.example/x"]],
    ["https://en.wikipedia.org/wiki/Lyra_(band) now", ["https://en.wikipedia.org/wiki/Lyra_(band)"]],
    ["two: http://a.example and HTTPS://B.example/p!", ["http://a.example", "HTTPS://B.example/p"]],
    ["not links: lyra.example, ftp://x.example, https:// alone", []],
    ["Reply 4040 or STOP", []],
  ])("%j", (text, urls) => {
    expect(findLinks(text).map((l) => l.url)).toEqual(urls);
  });
});

describe("shortenLinks", () => {
  it("replaces every link by BASE/s/CODE, one code per distinct URL, punctuation kept", async () => {
    const asked: string[] = [];
    const codes = ["AAAAAAAAAA", "BBBBBBBBBB"];
    const { text, links } = await shortenLinks(
      "Hi Ada: https://lyra.example/care/rd-2780?utm=sms. Again: https://lyra.example/care/rd-2780?utm=sms! Or https://lyra.example/faq",
      `${BASE}/`,
      (url) => {
        asked.push(url);
        return codes[asked.length - 1] as string;
      },
    );
    expect(text).toBe(`Hi Ada: ${BASE}/s/AAAAAAAAAA. Again: ${BASE}/s/AAAAAAAAAA! Or ${BASE}/s/BBBBBBBBBB`);
    expect(asked).toEqual(["https://lyra.example/care/rd-2780?utm=sms", "https://lyra.example/faq"]);
    expect(links).toEqual([
      { url: "https://lyra.example/care/rd-2780?utm=sms", code: "AAAAAAAAAA" },
      { url: "https://lyra.example/faq", code: "BBBBBBBBBB" },
    ]);
  });

  it("leaves a text without links, and links already short, as they are", async () => {
    const never = () => {
      throw new Error("no code needed");
    };
    expect((await shortenLinks("Reply STOP to opt out.", BASE, never)).text).toBe("Reply STOP to opt out.");
    const own = `Again: ${BASE}/s/CCCCCCCCCC`;
    expect((await shortenLinks(own, BASE, never)).text).toBe(own);
  });

  it("counts as short for validate: every link at the length it goes out with", () => {
    const text = withPlaceholderLinks(`Tips: https://lyra.example/${"x".repeat(200)} bye`, BASE);
    expect(text).toBe(`Tips: ${BASE}/s/xxxxxxxxxx bye`);
  });
});
