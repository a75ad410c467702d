import { describe, expect, it } from "vitest";
import { createSessions } from "../../../../src/http/ui/session.js";

const make = (passwords = ["api-key-0123456789abcdefghij"], secret = "secret-of-32-bytes-or-so-0123456") =>
  createSessions({ secret, passwords, ttlMs: 60_000 });

describe("dashboard sessions", () => {
  it("accepts each password and nothing else", () => {
    const s = make(["first-key-0123456789abcdef", "second-key-0123456789abcde"]);
    expect(s.checkPassword("first-key-0123456789abcdef")).toBe(true);
    expect(s.checkPassword("second-key-0123456789abcde")).toBe(true);
    expect(s.checkPassword("first-key-0123456789abcde")).toBe(false);
    expect(s.checkPassword("")).toBe(false);
  });

  it("reads back the session it issued until it expires", () => {
    const s = make();
    const { session, cookie } = s.issue(1000);
    expect(s.read(cookie, 1000)).toEqual(session);
    expect(s.read(cookie, 60_999)).toEqual(session);
    expect(s.read(cookie, 61_000)).toBeNull();
  });

  it("refuses a cookie altered anywhere, or signed under another secret or password list", () => {
    const s = make();
    const { cookie } = s.issue(1000);
    const [expiry, id, mac] = cookie.split(".") as [string, string, string];
    expect(s.read(`${Number(expiry) + 1}.${id}.${mac}`, 1000)).toBeNull();
    expect(s.read(`${expiry}.${id.replace(/^./, (c) => (c === "A" ? "B" : "A"))}.${mac}`, 1000)).toBeNull();
    expect(s.read(`${expiry}.${id}.${mac.replace(/^./, (c) => (c === "A" ? "B" : "A"))}`, 1000)).toBeNull();
    expect(s.read(undefined, 1000)).toBeNull();
    expect(s.read("garbage", 1000)).toBeNull();
    expect(make(undefined, "another-secret-0123456789abcdefgh").read(cookie, 1000)).toBeNull();
    // Changing the passwords ends every session.
    expect(make(["a-new-key-0123456789abcdefgh"]).read(cookie, 1000)).toBeNull();
  });

  it("gives each session its own CSRF token and checks it", () => {
    const s = make();
    const a = s.issue(1000).session;
    const b = s.issue(1000).session;
    expect(s.csrfToken(a)).not.toBe(s.csrfToken(b));
    expect(s.validCsrf(a, s.csrfToken(a))).toBe(true);
    expect(s.validCsrf(a, s.csrfToken(b))).toBe(false);
    expect(s.validCsrf(a, undefined)).toBe(false);
    expect(s.validCsrf(a, "")).toBe(false);
  });

  it("needs a password", () => {
    expect(() => createSessions({ secret: "x", passwords: [], ttlMs: 1 })).toThrow(/at least one password/);
  });
});
