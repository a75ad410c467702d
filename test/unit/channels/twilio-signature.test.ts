import { describe, expect, it } from "vitest";
import { twilioSignature, verifyTwilioSignature } from "../../../src/channels/twilio-signature.js";

// Twilio's documented example (the "Secure webhooks" page and its SDKs' tests).
const URL_ = "https://mycompany.com/myapp.php?foo=1&bar=2";
const PARAMS: Array<[string, string]> = [
  ["CallSid", "CA1234567890ABCDE"],
  ["Caller", "+12349013030"],
  ["Digits", "1234"],
  ["From", "+12349013030"],
  ["To", "+18005551212"],
];
const TOKEN = "12345";
const EXPECTED = "0/KCTR6DLpKmkAf8muzZqo1nDgQ=";

describe("X-Twilio-Signature", () => {
  it("matches Twilio's documented example, whatever the parameters' order", () => {
    expect(twilioSignature(TOKEN, URL_, PARAMS)).toBe(EXPECTED);
    expect(twilioSignature(TOKEN, URL_, [...PARAMS].reverse())).toBe(EXPECTED);
  });

  it.each([
    ["the documented signature", TOKEN, URL_, PARAMS, EXPECTED, true],
    ["no header", TOKEN, URL_, PARAMS, undefined, false],
    ["an empty header", TOKEN, URL_, PARAMS, "", false],
    ["another token", "54321", URL_, PARAMS, EXPECTED, false],
    ["another URL (http)", TOKEN, URL_.replace("https:", "http:"), PARAMS, EXPECTED, false],
    ["another query", TOKEN, URL_.replace("bar=2", "bar=3"), PARAMS, EXPECTED, false],
    ["a changed parameter", TOKEN, URL_, [...PARAMS.slice(0, 4), ["To", "+18005551213"]], EXPECTED, false],
    ["an added parameter", TOKEN, URL_, [...PARAMS, ["Body", "hi"]], EXPECTED, false],
    ["a truncated signature", TOKEN, URL_, PARAMS, EXPECTED.slice(0, -2), false],
  ] as const)("%s → %s", (_, token, url, params, header, ok) => {
    expect(verifyTwilioSignature(token, url, params, header)).toBe(ok);
  });

  it("signs a repeated parameter's every value, in order", () => {
    const a = twilioSignature(TOKEN, URL_, [
      ["X", "2"],
      ["X", "1"],
    ]);
    expect(a).toBe(
      twilioSignature(TOKEN, URL_, [
        ["X", "1"],
        ["X", "2"],
      ]),
    );
    expect(a).not.toBe(twilioSignature(TOKEN, URL_, [["X", "1"]]));
  });
});
