/**
 * Consent tokens: the TOKEN in `PUBLIC_URL/u/TOKEN` (unsubscribe) and `PUBLIC_URL/p/TOKEN`
 * (the preference page). One per customer, optionally narrowed to a topic.
 *
 * Contract:
 *   const tokens = createConsentTokens(secret);
 *   tokens.make(customerId, topic?) → token (base64url, no padding)
 *   tokens.read(token) → { ok: true, customerId, topic } | { ok: false, reason }
 *
 * Layout (bytes, then base64url):
 *   [version << 4 | id kind] [id] [topic, UTF-8, 0..64 bytes] [MAC, 16 bytes]
 *   id kind 0: a lower-case UUID as its 16 bytes (every id the store makes: 44 characters in all);
 *   id kind 1: any other id, as [length] [UTF-8 bytes].
 *   MAC: the first 16 bytes (128 bits) of HMAC-SHA256 over everything before it, keyed with
 *   HKDF-SHA256(secret, info "rapport-consent-token:v1"): a key of its own, so nothing signed
 *   for reply addresses (src/mail/tokens.ts) can ever verify here or the other way round.
 *
 * No expiry: a link in a mail from years ago must still unsubscribe (RFC 8058, CAN-SPAM).
 * Rotating RAPPORT_SECRET is what retires every token at once.
 *
 * Canonical spelling only: base64url decoding is lenient (padding, the `+/` alphabet,
 * non-zero unused bits of the last character), so a token is refused unless re-encoding
 * its bytes gives exactly the text given, and unless its fields are laid out exactly as
 * make() would lay them (a UUID only ever as kind 0, UTF-8 that round-trips). One token
 * has one spelling; anything altered is refused, compared in constant time.
 *
 * The customer id inside is not secret (opaque random bytes); the MAC is what makes a
 * token impossible to forge for someone else without the secret.
 */
import { createHmac, hkdfSync, timingSafeEqual } from "node:crypto";

export type ConsentTokenResult =
  | { ok: true; customerId: string; topic: string | null }
  | { ok: false; reason: string };

export interface ConsentTokens {
  make(customerId: string, topic?: string | null): string;
  read(token: string): ConsentTokenResult;
}

const VERSION = 1;
const KIND_UUID = 0;
const KIND_TEXT = 1;
const MAC_BYTES = 16;
const MAX_ID_BYTES = 200;
export const MAX_TOPIC_BYTES = 64;
/** Longer than any token make() produces (1 + 1 + 200 + 64 + 16 bytes). */
const MAX_TOKEN_CHARS = 400;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
// C0/C1 controls and line separators: a topic is a name, and it ends up in pages and logs.
const CONTROL = /[\p{Cc}\p{Zl}\p{Zp}]/u;
const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** The text a field's bytes spell, or null unless that text encodes back to the same bytes. */
function utf8(bytes: Uint8Array): string | null {
  try {
    const text = strictUtf8.decode(bytes);
    return Buffer.from(text, "utf8").equals(bytes) ? text : null;
  } catch {
    return null;
  }
}

function topicProblem(topic: string): string | null {
  const bytes = Buffer.byteLength(topic, "utf8");
  if (bytes === 0) return "the topic is empty";
  if (bytes > MAX_TOPIC_BYTES) return `the topic is longer than ${MAX_TOPIC_BYTES} bytes`;
  if (CONTROL.test(topic)) return "the topic contains control characters";
  return null;
}

function idBytes(customerId: string): Buffer {
  if (UUID.test(customerId))
    return Buffer.concat([Buffer.of(KIND_UUID), Buffer.from(customerId.replace(/-/g, ""), "hex")]);
  const text = Buffer.from(customerId, "utf8");
  if (text.length === 0 || text.length > MAX_ID_BYTES)
    throw new TypeError(`consent tokens are made for ids of 1 to ${MAX_ID_BYTES} bytes`);
  return Buffer.concat([Buffer.of(KIND_TEXT, text.length), text]);
}

function uuidText(bytes: Uint8Array): string {
  const h = Buffer.from(bytes).toString("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** The id field at the start of `body` (after the first byte): the id and where the topic starts. */
function readId(kind: number, body: Buffer): { id: string; end: number } | null {
  if (kind === KIND_UUID) return body.length >= 16 ? { id: uuidText(body.subarray(0, 16)), end: 16 } : null;
  if (kind !== KIND_TEXT) return null;
  const length = body[0];
  if (length === undefined || length === 0 || body.length < 1 + length) return null;
  const id = utf8(body.subarray(1, 1 + length));
  // A UUID is only ever spelled as kind 0: kind 1 holding one would be a second spelling.
  if (id === null || UUID.test(id)) return null;
  return { id, end: 1 + length };
}

export function createConsentTokens(secret: string): ConsentTokens {
  if (secret.length < 32) throw new RangeError("the consent-token secret must be at least 32 characters");
  const key = Buffer.from(hkdfSync("sha256", secret, Buffer.alloc(0), "rapport-consent-token:v1", 32));
  const mac = (payload: Buffer) => createHmac("sha256", key).update(payload).digest().subarray(0, MAC_BYTES);

  const make = (customerId: string, topic: string | null = null): string => {
    if (topic !== null) {
      const problem = topicProblem(topic);
      if (problem) throw new TypeError(`consent token for topic ${JSON.stringify(topic)}: ${problem}`);
    }
    const id = idBytes(customerId);
    const head = Buffer.of((VERSION << 4) | (id[0] as number));
    const payload = Buffer.concat([head, id.subarray(1), Buffer.from(topic ?? "", "utf8")]);
    return Buffer.concat([payload, mac(payload)]).toString("base64url");
  };

  const refused = (reason: string): ConsentTokenResult => ({ ok: false, reason });

  const read = (token: string): ConsentTokenResult => {
    if (token.length === 0 || token.length > MAX_TOKEN_CHARS || !BASE64URL.test(token))
      return refused("not a token rapport makes");
    const bytes = Buffer.from(token, "base64url");
    if (bytes.toString("base64url") !== token)
      return refused("not a token rapport makes (not its one spelling)");
    if (bytes.length < 1 + MAC_BYTES) return refused("not a token rapport makes (too short)");
    const payload = bytes.subarray(0, bytes.length - MAC_BYTES);
    const given = bytes.subarray(bytes.length - MAC_BYTES);
    // The signature first: nothing of an unsigned token's contents is looked at or reported.
    if (!timingSafeEqual(mac(payload), given)) return refused("the token's signature does not match");
    const first = payload[0] as number;
    if (first >> 4 !== VERSION) return refused("not a token rapport makes (unknown version)");
    const id = readId(first & 0x0f, payload.subarray(1));
    if (!id) return refused("not a token rapport makes (bad id)");
    const topicBytes = payload.subarray(1 + id.end);
    if (topicBytes.length === 0) return { ok: true, customerId: id.id, topic: null };
    const topic = utf8(topicBytes);
    if (topic === null || topicProblem(topic)) return refused("not a token rapport makes (bad topic)");
    return { ok: true, customerId: id.id, topic };
  };

  return { make, read };
}
