import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { base32, createReplyAddresses, fromBase32, splitAddress } from "../../../src/mail/tokens.js";

const secret = "s".repeat(40);
const addresses = createReplyAddresses({ secret, domain: "reply.lyra-audio.example" });
const id = "0f8fad5b-d9cb-469f-a165-70867728950e";

describe("reply addresses", () => {
  it("round-trips message and owner addresses", () => {
    const m = addresses.forMessage(id);
    const o = addresses.forOwnership(id);
    expect(m).toMatch(/^reply\+m[a-z2-7]{42}@reply\.lyra-audio\.example$/);
    expect(m.split("@")[0]?.length).toBeLessThanOrEqual(64);
    expect(addresses.parse(m)).toEqual({ ok: true, target: { kind: "message", id } });
    expect(addresses.parse(o)).toEqual({ ok: true, target: { kind: "owner", id } });
    expect(m).not.toEqual(o.replace("+o", "+m"));
  });

  it("survives case folding and display names", () => {
    const m = addresses.forMessage(id);
    expect(addresses.parse(m.toUpperCase())).toMatchObject({ ok: true });
    expect(addresses.parse(`"Lyra" <${m}>`)).toMatchObject({ ok: true, target: { id } });
  });

  it("gives every id its own address", () => {
    const ids = Array.from({ length: 200 }, () => randomUUID());
    const made = new Set(ids.map((i) => addresses.forMessage(i)));
    expect(made.size).toBe(200);
  });

  const forged = (address: string, at: number) => {
    const [localPart, domain] = address.split("@") as [string, string];
    const c = localPart[at] === "a" ? "b" : "a";
    return `${localPart.slice(0, at)}${c}${localPart.slice(at + 1)}@${domain}`;
  };

  it.each([
    ["a changed MAC character", forged(addresses.forMessage(id), 48), "bad-signature"],
    ["a changed id character", forged(addresses.forMessage(id), 10), "bad-signature"],
    [
      "an owner token relabelled as a message",
      addresses.forOwnership(id).replace("+o", "+m"),
      "bad-signature",
    ],
    [
      "another secret",
      createReplyAddresses({ secret: "t".repeat(40), domain: "reply.lyra-audio.example" }).forMessage(id),
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
    ["an unknown kind letter", addresses.forMessage(id).replace("+m", "+x"), "bad-token"],
    ["characters outside base32", addresses.forMessage(id).replace(/\+m(.)/, "+m1"), "bad-token"],
    ["not an address", "nobody", "malformed"],
  ])("refuses %s", (_what, address, problem) => {
    expect(addresses.parse(address)).toMatchObject({ ok: false, problem });
  });

  it("refuses short secrets and non-UUID ids", () => {
    expect(() => createReplyAddresses({ secret: "short", domain: "x.example" })).toThrow(/32 characters/);
    expect(() => addresses.forMessage("m1")).toThrow(/UUID/);
  });
});

describe("base32 and address parts", () => {
  it.each([[0], [1], [5], [10], [16]])("round-trips %i bytes", (n) => {
    const bytes = Buffer.from(Array.from({ length: n }, (_, i) => (i * 37 + 11) & 255));
    expect(fromBase32(base32(bytes))).toEqual(bytes);
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
