/**
 * Bearer API keys. Keys are compared as SHA-256 digests with timingSafeEqual, so the
 * comparison takes the same time whatever the key and whichever key is tried.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { MiddlewareHandler } from "hono";

const digest = (s: string) => createHash("sha256").update(s, "utf8").digest();

export function apiKeyAuth(keys: readonly string[]): MiddlewareHandler {
  const digests = keys.map(digest);
  return async (c, next) => {
    const header = c.req.header("authorization") ?? "";
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    const given = match?.[1] ? digest(match[1]) : null;
    // Compare against every key (no early exit) so timing does not tell which matched.
    let ok = false;
    for (const d of digests) if (given && timingSafeEqual(d, given)) ok = true;
    if (!ok) {
      c.header("WWW-Authenticate", 'Bearer realm="rapport"');
      return c.json({ error: "unauthorized", message: "send Authorization: Bearer <API key>" }, 401);
    }
    await next();
  };
}
