import { describe, expect, it } from "vitest";
import { smsShortLinkBase } from "../../../src/cli/sms-link-base.js";

describe("the base validate counts short links with", () => {
  it.each([
    [{}, "http://127.0.0.1:3000"],
    [{ PORT: "8080" }, "http://127.0.0.1:8080"],
    [{ RAPPORT_PUBLIC_URL: "https://r.lyra.example/" }, "https://r.lyra.example"],
    [{ RAPPORT_PUBLIC_URL: "https://lyra.example/rapport", PORT: "8080" }, "https://lyra.example/rapport"],
    [{ SMS_SHORT_LINKS: "false", RAPPORT_PUBLIC_URL: "https://r.lyra.example" }, null],
    [{ SMS_SHORT_LINKS: "0" }, null],
    [{ SMS_SHORT_LINKS: "true" }, "http://127.0.0.1:3000"],
  ])("%j → %s", (env, base) => {
    expect(smsShortLinkBase(env)).toBe(base);
  });
});
