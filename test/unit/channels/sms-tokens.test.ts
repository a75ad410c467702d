import { describe, expect, it } from "vitest";
import { sendsmsUrl } from "../../../src/channels/kannel.js";
import { dlrUrlFor, inboundGetUrl } from "../../../src/channels/sms-links.js";
import { createDlrTokens, sameSecret } from "../../../src/channels/sms-tokens.js";

const secret = "s".repeat(40);

describe("delivery-report tokens", () => {
  it("verify for their own message only, and not under another secret", () => {
    const tokens = createDlrTokens(secret);
    const token = tokens.make("msg-1");
    expect(token).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(tokens.verify("msg-1", token)).toBe(true);
    expect(tokens.verify("msg-2", token)).toBe(false);
    expect(tokens.verify("msg-1", `${token}x`)).toBe(false);
    expect(createDlrTokens("t".repeat(40)).verify("msg-1", token)).toBe(false);
  });

  it("compares secrets whole", () => {
    expect(sameSecret("abc", "abc")).toBe(true);
    expect(sameSecret("abc", "abd")).toBe(false);
    expect(sameSecret("abc", "ab")).toBe(false);
    expect(sameSecret("abc", "")).toBe(false);
  });
});

describe("Kannel URLs", () => {
  const tokens = createDlrTokens(secret);
  const dlrUrl = dlrUrlFor(() => "https://rapport.example/", tokens);

  it("puts the message's signed dlr-url with Kannel's escapes in the sendsms request", () => {
    const url = sendsmsUrl(
      { messageId: "m1", to: "+447700900123", from: "4040", text: "Hello" },
      { url: "http://kannel:13013/cgi-bin/sendsms", username: "u", password: "p", dlrUrl },
    );
    expect(url.searchParams.get("dlr-url")).toBe(
      `https://rapport.example/sms/dlr/m1/${tokens.make("m1")}?status=%d&answer=%A`,
    );
    expect(url.searchParams.get("dlr-mask")).toBe("27");
    expect(url.searchParams.get("charset")).toBe("UTF-8");
    expect(url.searchParams.has("coding")).toBe(false);
    expect(url.searchParams.get("to")).toBe("+447700900123");
  });

  it("asks for UCS-2 (coding=2) only when the text is not GSM-7", () => {
    const url = sendsmsUrl(
      { messageId: "m1", to: "+447700900123", from: "4040", text: "Merci 👍" },
      { url: "http://kannel:13013/cgi-bin/sendsms", username: "u", password: "p", dlrUrl },
    );
    expect(url.searchParams.get("coding")).toBe("2");
  });

  it("builds the get-url for kannel.conf", () => {
    expect(inboundGetUrl("https://rapport.example", "a b")).toBe(
      "https://rapport.example/sms/inbound?secret=a%20b&from=%p&to=%P&text=%a&charset=%C&id=%I",
    );
  });
});
