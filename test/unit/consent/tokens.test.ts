/** Consent tokens: signed per customer (and topic), one spelling, altered ones refused. */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createConsentTokens, MAX_TOPIC_BYTES } from "../../../src/consent/tokens.js";
import { createReplyAddresses } from "../../../src/mail/tokens.js";

const secret = "c".repeat(40);
const tokens = createConsentTokens(secret);
const id = "0f6b7c1e-5d2a-4c7e-9a51-3b8f0e2d4a96";

/** The token with one bit of byte `at` flipped, spelled canonically again. */
function flipBit(token: string, at: number): string {
  const bytes = Buffer.from(token, "base64url");
  bytes[at] = (bytes[at] as number) ^ 1;
  return bytes.toString("base64url");
}

describe("consent tokens", () => {
  it("round-trips a customer id, short and URL-safe", () => {
    const token = tokens.make(id);
    expect(token).toMatch(/^[A-Za-z0-9_-]{44}$/);
    expect(tokens.read(token)).toEqual({ ok: true, customerId: id, topic: null });
  });

  it("round-trips a topic, which changes the token", () => {
    const topical = tokens.make(id, "product_news");
    expect(topical).not.toBe(tokens.make(id));
    expect(tokens.read(topical)).toEqual({ ok: true, customerId: id, topic: "product_news" });
    expect(tokens.read(tokens.make(id, "Café & Co"))).toMatchObject({ topic: "Café & Co" });
  });

  it("round-trips ids that are not UUIDs, and upper-case UUIDs as they are", () => {
    for (const other of ["id12", "cust-Ω", id.toUpperCase()]) {
      expect(tokens.read(tokens.make(other, "birthday"))).toEqual({
        ok: true,
        customerId: other,
        topic: "birthday",
      });
    }
  });

  it("is the same token every time (no expiry, no randomness): links sent years ago keep working", () => {
    expect(createConsentTokens(secret).make(id, "care_tips")).toBe(tokens.make(id, "care_tips"));
  });

  it("refuses every single-bit alteration", () => {
    for (const token of [tokens.make(id), tokens.make(id, "product_news"), tokens.make("id12")]) {
      const length = Buffer.from(token, "base64url").length;
      for (let at = 0; at < length; at++) expect(tokens.read(flipBit(token, at)).ok).toBe(false);
    }
  });

  it("refuses a token signed with another secret, or cut short, or lengthened", () => {
    const token = tokens.make(id);
    expect(createConsentTokens("d".repeat(40)).read(token)).toEqual({
      ok: false,
      reason: "the token's signature does not match",
    });
    expect(tokens.read(token.slice(0, -1)).ok).toBe(false);
    expect(tokens.read(token.slice(0, 20)).ok).toBe(false);
    expect(tokens.read(`${token}A`).ok).toBe(false);
    expect(tokens.read("").ok).toBe(false);
    expect(tokens.read("x".repeat(5000)).ok).toBe(false);
  });

  it("moves a topic's bytes into the id or out of it only by breaking the signature", () => {
    // Same bytes, read with another boundary: the MAC covers the layout, so no.
    const withTopic = Buffer.from(tokens.make("id12", "ab"), "base64url");
    withTopic[1] = 5; // the id length: "id12a" with topic "b"
    expect(tokens.read(withTopic.toString("base64url")).ok).toBe(false);
  });

  it("accepts only the canonical spelling", () => {
    const token = tokens.make(id); // 33 bytes: no unused bits, no padding
    expect(tokens.read(`${token}=`).ok).toBe(false);
    expect(tokens.read(`${token.slice(0, 10)} ${token.slice(10)}`).ok).toBe(false);
    // The standard alphabet's "+" and "/" decode to the same bytes as "-" and "_".
    const dashed = Array.from({ length: 50 }, (_, i) => tokens.make(`c${i}`)).find((t) => /[-_]/.test(t));
    expect(dashed).toBeDefined();
    expect(tokens.read(dashed as string).ok).toBe(true);
    expect(tokens.read((dashed as string).replace(/-/g, "+").replace(/_/g, "/")).ok).toBe(false);
    // A length whose last character has unused bits: another letter there decodes to the
    // same bytes, and is refused.
    const odd = tokens.make("id12"); // 1 + 1 + 4 + 16 = 22 bytes → 30 characters, 4 unused bits
    expect(tokens.read(odd).ok).toBe(true);
    const last = odd.at(-1) as string;
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const sibling = alphabet[alphabet.indexOf(last) + 1] as string;
    const twin = `${odd.slice(0, -1)}${sibling}`;
    expect(Buffer.from(twin, "base64url").equals(Buffer.from(odd, "base64url"))).toBe(true);
    expect(tokens.read(twin)).toMatchObject({ ok: false, reason: expect.stringMatching(/spelling/) });
  });

  it("never verifies a reply address's MAC (a key of its own)", () => {
    const reply = createReplyAddresses({ secret, domain: "reply.example" }).forMessage(id);
    expect(tokens.read(reply.slice(6, 49)).ok).toBe(false);
    // And the other way round: a consent token is no reply token.
    expect(
      createReplyAddresses({ secret, domain: "reply.example" }).parse(
        `reply+${tokens.make(id)}@reply.example`,
      ).ok,
    ).toBe(false);
  });

  it("refuses to make tokens it could not read back", () => {
    expect(() => tokens.make(id, "")).toThrow(/empty/);
    expect(() => tokens.make(id, "x".repeat(MAX_TOPIC_BYTES + 1))).toThrow(/longer than/);
    expect(() => tokens.make(id, "a\r\nb")).toThrow(/control/);
    expect(() => tokens.make("")).toThrow(/ids of 1 to/);
    expect(() => createConsentTokens("short")).toThrow(/32 characters/);
  });

  it("gives every customer a different token", () => {
    const seen = new Set(Array.from({ length: 200 }, () => tokens.make(randomUUID())));
    expect(seen.size).toBe(200);
  });
});
