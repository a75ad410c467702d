/**
 * The secrets on rapport's SMS endpoints.
 *
 * Delivery reports: each message's dlr-url carries a MAC of its message id, so only the
 * gateway we gave the URL to can report on it (a guessed or altered id does not verify).
 * The key is HKDF-SHA256(RAPPORT_SECRET, "rapport-sms-dlr:v1"): a key of its own, so nothing
 * signed for reply addresses or consent links verifies here or the other way round.
 *
 * Incoming texts: Kannel's get-url is a fixed URL in its config; it carries
 * SMS_INBOUND_SECRET, compared in constant time (sameSecret).
 */
import { createHash, createHmac, hkdfSync, timingSafeEqual } from "node:crypto";

export interface DlrTokens {
  make(messageId: string): string;
  verify(messageId: string, token: string): boolean;
}

/** 128 bits of HMAC-SHA256, base64url. */
const TOKEN_CHARS = 22;

export function createDlrTokens(secret: string): DlrTokens {
  const key = Buffer.from(hkdfSync("sha256", secret, Buffer.alloc(0), "rapport-sms-dlr:v1", 32));
  const make = (messageId: string) =>
    createHmac("sha256", key).update(messageId, "utf8").digest("base64url").slice(0, TOKEN_CHARS);
  return {
    make,
    verify: (messageId, token) => sameSecret(make(messageId), token),
  };
}

/** Equal strings, in time that does not depend on where they differ (or on their lengths). */
export function sameSecret(expected: string, given: string): boolean {
  const a = createHash("sha256").update(expected, "utf8").digest();
  const b = createHash("sha256").update(given, "utf8").digest();
  return timingSafeEqual(a, b) && expected.length === given.length;
}
