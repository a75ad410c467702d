import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  base32,
  createReplyAddresses,
  fromBase32,
  isOwnershipIdPrefix,
  ownershipIdMatches,
  splitAddress,
} from "../../../src/mail/tokens.js";

const secret = "s".repeat(40);
const addresses = createReplyAddresses({ secret, domain: "reply.lyra-audio.example" });
const id = "0f8fad5b-d9cb-469f-a165-70867728950e";
const tokenOf = (address: string) => (splitAddress(address)?.tag ?? "") as string;

// Made by the previous release (43-character owner tokens) with this secret and id: owner
// lines already in people's mailboxes. Literal, so a change of the old layout shows here.
const OLD_OWNER_LINE = "reply+ob6h22w6zzndj7ilfocdhokevbycqaqra7z3ugc6fat@reply.lyra-audio.example";
const OLD_MESSAGE_ADDRESS = "reply+mb6h22w6zzndj7ilfocdhokevbycopjfp2lckkgaqum@reply.lyra-audio.example";

/** The token with the character at `at` replaced by each letter whose top bits match: all spellings. */
function spellings(address: string, at: number): string[] {
  const alphabet = "abcdefghijklmnopqrstuvwxyz234567";
  const [localPart, domain] = address.split("@") as [string, string];
  const value = alphabet.indexOf(localPart[at] as string);
  return [0, 1, 2, 3].map(
    (low) => `${localPart.slice(0, at)}${alphabet[(value & ~3) | low]}${localPart.slice(at + 1)}@${domain}`,
  );
}

describe("reply addresses", () => {
  it("round-trips message addresses (43-character tokens) and owner lines (24)", () => {
    const m = addresses.forMessage(id);
    const o = addresses.forOwnership(id);
    expect(m).toMatch(/^reply\+m[a-z2-7]{42}@reply\.lyra-audio\.example$/);
    expect(o).toMatch(/^reply\+o[a-z2-7]{23}@reply\.lyra-audio\.example$/);
    expect(tokenOf(o).length).toBeLessThanOrEqual(24);
    expect(m.split("@")[0]?.length).toBeLessThanOrEqual(64);
    expect(addresses.parse(m)).toEqual({ ok: true, target: { kind: "message", id } });
    expect(addresses.parse(o)).toEqual({ ok: true, target: { kind: "owner", id: "0f8fad5b-d9cb" } });
  });

  it("keeps reading what the previous release sent", () => {
    expect(addresses.forMessage(id)).toBe(OLD_MESSAGE_ADDRESS);
    expect(addresses.parse(OLD_OWNER_LINE)).toEqual({ ok: true, target: { kind: "owner", id } });
    expect(addresses.parse(OLD_OWNER_LINE.replace("+o", "+m"))).toMatchObject({ problem: "bad-signature" });
  });

  it("survives case folding and display names", () => {
    for (const made of [addresses.forMessage(id), addresses.forOwnership(id), OLD_OWNER_LINE]) {
      expect(addresses.parse(made.toUpperCase())).toMatchObject({ ok: true });
      expect(addresses.parse(`"Lyra RD 2780 owners' desk" <${made}>`)).toMatchObject({ ok: true });
    }
  });

  it("gives every id its own address", () => {
    const ids = Array.from({ length: 200 }, () => randomUUID());
    expect(new Set(ids.map((i) => addresses.forMessage(i))).size).toBe(200);
    expect(new Set(ids.map((i) => addresses.forOwnership(i))).size).toBe(200);
  });

  // The last character of a field whose bits do not fill it: the message/old-owner id
  // (26 characters for 128 bits) ends at token index 26; the owner line's id prefix
  // (10 characters for 48 bits) at index 10. "reply+" is 6 characters before the token.
  it.each([
    ["a message address", addresses.forMessage(id), 6 + 26],
    ["an owner line", addresses.forOwnership(id), 6 + 10],
    ["an old owner line", OLD_OWNER_LINE, 6 + 26],
  ])("accepts only the canonical one of the 4 spellings of %s", (_what, address, at) => {
    const all = spellings(address, at);
    expect(new Set(all).size).toBe(4);
    expect(all).toContain(address);
    for (const spelling of all) {
      const parsed = addresses.parse(spelling);
      if (spelling === address) expect(parsed).toMatchObject({ ok: true });
      else expect(parsed).toMatchObject({ ok: false, problem: "bad-token" });
    }
  });

  const forged = (address: string, at: number) => {
    const [localPart, domain] = address.split("@") as [string, string];
    const c = localPart[at] === "a" ? "b" : "a";
    return `${localPart.slice(0, at)}${c}${localPart.slice(at + 1)}@${domain}`;
  };

  it.each([
    ["a changed MAC character", forged(addresses.forMessage(id), 48), "bad-signature"],
    ["a changed id character", forged(addresses.forMessage(id), 10), "bad-signature"],
    ["a changed owner-line MAC character", forged(addresses.forOwnership(id), 20), "bad-signature"],
    ["a changed owner-line id character", forged(addresses.forOwnership(id), 9), "bad-signature"],
    ["an owner token relabelled as a message", OLD_OWNER_LINE.replace("+o", "+m"), "bad-signature"],
    [
      "another secret",
      createReplyAddresses({ secret: "t".repeat(40), domain: "reply.lyra-audio.example" }).forMessage(id),
      "bad-signature",
    ],
    [
      "an owner line under another secret",
      createReplyAddresses({ secret: "t".repeat(40), domain: "reply.lyra-audio.example" }).forOwnership(id),
      "bad-signature",
    ],
    [
      "a foreign domain",
      addresses.forMessage(id).replace("reply.lyra-audio.example", "evil.example"),
      "foreign-domain",
    ],
    ["another mailbox at our domain", "postmaster@reply.lyra-audio.example", "unknown-local"],
    ["no token", "reply@reply.lyra-audio.example", "no-token"],
    ["a short token", "reply+mabc@reply.lyra-audio.example", "bad-token"],
    ["a message letter on an owner-line layout", addresses.forOwnership(id).replace("+o", "+m"), "bad-token"],
    ["an owner line with a character more", addresses.forOwnership(id).replace("@", "a@"), "bad-token"],
    ["an unknown kind letter", addresses.forMessage(id).replace("+m", "+x"), "bad-token"],
    ["characters outside base32", addresses.forMessage(id).replace(/\+m(.)/, "+m1"), "bad-token"],
    ["characters outside base32 in a MAC", addresses.forOwnership(id).replace(/.@/, "1@"), "bad-token"],
    ["not an address", "nobody", "malformed"],
  ])("refuses %s", (_what, address, problem) => {
    expect(addresses.parse(address)).toMatchObject({ ok: false, problem });
  });

  it("refuses short secrets and non-UUID ids", () => {
    expect(() => createReplyAddresses({ secret: "short", domain: "x.example" })).toThrow(/32 characters/);
    expect(() => addresses.forMessage("m1")).toThrow(/UUID/);
    expect(() => addresses.forOwnership("o1")).toThrow(/UUID/);
  });
});

describe("ownership references", () => {
  it.each([
    ["0f8fad5b-d9cb", id, true, true],
    ["0f8fad5b-d9cc", id, true, false],
    [id, id, false, true],
    ["0f8fad5b-d9cb-469f-a165-70867728950f", id, false, false],
    ["0f8fad5b", id, false, false],
  ])("%s names %s: prefix %s, match %s", (reference, ownershipId, prefix, matches) => {
    expect(isOwnershipIdPrefix(reference)).toBe(prefix);
    expect(ownershipIdMatches(reference, ownershipId)).toBe(matches);
  });
});

describe("base32 and address parts", () => {
  it.each([[0], [1], [5], [6], [10], [16]])("round-trips %i bytes", (n) => {
    const bytes = Buffer.from(Array.from({ length: n }, (_, i) => (i * 37 + 11) & 255));
    expect(fromBase32(base32(bytes))).toEqual(bytes);
  });
  it.each([
    ["ab", "a byte and 2 unused bits set", null],
    ["aa", "a byte and its zero bits", Buffer.from([0])],
    ["7", "a lone character (5 unused bits) set", null],
    ["a1", "a character outside the alphabet", null],
  ])("decodes %s (%s)", (text, _what, expected) => {
    expect(fromBase32(text)).toEqual(expected);
  });
  it("splits local, tag and domain", () => {
    expect(splitAddress("Ada <Reply+ABC@Reply.Example>")).toEqual({
      local: "reply",
      tag: "abc",
      domain: "reply.example",
    });
    expect(splitAddress("care@x.example")).toEqual({ local: "care", tag: null, domain: "x.example" });
    expect(splitAddress("@x")).toBeNull();
  });
});
