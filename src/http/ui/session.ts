/**
 * The dashboard's login session: a cookie holding `expiry.sessionId.signature`, signed
 * with HMAC-SHA256 under a key derived from rapport's secret and the accepted passwords,
 * so changing the API keys (or DASHBOARD_PASSWORD) ends every session. Nothing is kept
 * on the server: a session is valid while its signature checks and its expiry is ahead.
 *
 * The cookie is HttpOnly (no script reads it), SameSite=Strict (no other site's page
 * sends it, which is the first guard against cross-site POSTs) and Secure when the
 * request came over https. The second guard is a CSRF token in every form, derived from
 * the session id (csrfToken), checked on every POST (validCsrf).
 *
 * Contract: createSessions({ secret, passwords, ttlMs }) → { checkPassword, issue, read,
 * csrfToken, validCsrf }; all comparisons take constant time.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";

export const SESSION_COOKIE = "rapport_ui";

export interface Session {
  id: string;
  expiresAt: number;
}

export interface Sessions {
  /** True when `given` is one of the accepted passwords (every one compared, no early exit). */
  checkPassword(given: string): boolean;
  /** A new session from `now`, and the cookie value that carries it. */
  issue(now: number): { session: Session; cookie: string };
  /** The session a cookie value carries, or null (absent, forged, expired). */
  read(cookie: string | undefined, now: number): Session | null;
  csrfToken(session: Session): string;
  validCsrf(session: Session, token: string | undefined): boolean;
  ttlMs: number;
}

const sha256 = (s: string) => createHash("sha256").update(s, "utf8").digest();

function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

export function createSessions(opts: {
  secret: string;
  passwords: readonly string[];
  ttlMs: number;
}): Sessions {
  if (opts.passwords.length === 0) throw new Error("the dashboard needs at least one password (an API key)");
  const digests = opts.passwords.map(sha256);
  const key = createHmac("sha256", opts.secret)
    .update("rapport dashboard session\0")
    .update(Buffer.concat(digests))
    .digest();
  const sign = (text: string) => createHmac("sha256", key).update(text).digest();
  return {
    ttlMs: opts.ttlMs,
    checkPassword(given) {
      const d = sha256(given);
      let ok = false;
      for (const k of digests) if (timingSafeEqual(k, d)) ok = true;
      return ok;
    },
    issue(now) {
      const session = { id: randomBytes(18).toString("base64url"), expiresAt: now + opts.ttlMs };
      const body = `${session.expiresAt}.${session.id}`;
      return { session, cookie: `${body}.${sign(body).toString("base64url")}` };
    },
    read(cookie, now) {
      const m = /^(\d{1,16})\.([A-Za-z0-9_-]{24})\.([A-Za-z0-9_-]{43})$/.exec(cookie ?? "");
      if (!m) return null;
      const [, expiry, id, mac] = m as unknown as [string, string, string, string];
      if (!sameBytes(Buffer.from(mac, "base64url"), sign(`${expiry}.${id}`))) return null;
      const expiresAt = Number(expiry);
      return expiresAt > now ? { id, expiresAt } : null;
    },
    csrfToken: (session) => sign(`csrf\0${session.id}`).toString("base64url"),
    validCsrf(session, token) {
      if (!token) return false;
      return sameBytes(
        Buffer.from(token, "utf8"),
        Buffer.from(sign(`csrf\0${session.id}`).toString("base64url")),
      );
    },
  };
}
