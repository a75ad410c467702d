import { simpleParser } from "mailparser";
import { describe, expect, it } from "vitest";
import { mailbox } from "../../../src/mail/display-name.js";

const at = "reply+oabc@reply.example";

describe("mailbox with a display name", () => {
  it.each([
    ["Lyra RD 2780 owners' desk", `Lyra RD 2780 owners' desk <${at}>`],
    ['The "Best" deck', `"The \\"Best\\" deck" <${at}>`],
    ["Lyra, RD <2780>", `"Lyra, RD <2780>" <${at}>`],
    ["Back\\slash", `"Back\\\\slash" <${at}>`],
    ["Lyra\r\nBcc: eve@example.com", `"Lyra Bcc: eve@example.com" <${at}>`],
    ["Plattenspieler Größe", `"Plattenspieler Größe" <${at}>`],
    ["Lyra\u202eevil\u2028x", `Lyra evil x <${at}>`],
    ["  \r\n ", at],
    ["x".repeat(100), `${"x".repeat(64)} <${at}>`],
  ])("%j → %s", (name, expected) => {
    expect(mailbox(name, at)).toBe(expected);
  });

  it.each([
    'A "quoted", <x@evil.example> name',
    "Lyra\r\nBcc: eve@example.com",
    "a,b,c@evil.example",
    "trailing backslash \\",
  ])("reads back as one address with the name, never another: %j", async (name) => {
    const parsed = await simpleParser(`To: ${mailbox(name, at)}\r\nSubject: x\r\n\r\nbody\r\n`);
    const to = parsed.to && !Array.isArray(parsed.to) ? parsed.to.value : [];
    expect(to.map((a) => a.address)).toEqual([at]);
    expect(parsed.headers.has("bcc")).toBe(false);
  });
});
