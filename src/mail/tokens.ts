/**
 * Reply addresses: `local+TOKEN@replyDomain`, one per outgoing message (its Reply-To)
 * and one per ownership (the owner-only address, the "owner line", permanent).
 *
 * Contract:
 *   const addresses = createReplyAddresses({ secret, domain, local });
 *   addresses.forMessage(messageId) / addresses.forOwnership(ownershipId) → address
 *   addresses.parse(address) → { ok: true, target } | { ok: false, problem, reason }
 *   An owner target's `id` is either a whole ownership id (addresses made before the
 *   short owner line) or its first 13 characters (`isOwnershipIdPrefix`); the store's
 *   getOwnership resolves both, `ownershipIdMatches` says whether a reference names an id.
 *
 * All tokens are lower-case base32 (some mail systems fold the case of local parts;
 * base32 survives that, so parse folds case first). Every token has exactly one spelling:
 * where the bits of a field do not fill its last base32 character, the unused low bits
 * must be zero, so `…a` and `…b` cannot both name the same id (parse refuses the others
 * as bad-token, which the listener answers 550 5.1.1).
 *
 * Message token (43 characters, Reply-To and VERP bounce address):
 *   "m" + base32(16 UUID bytes) (26) + base32(first 10 bytes, 80 bits, of
 *   HMAC-SHA256(secret, "rapport-reply:m:" + id bytes)) (16).
 *   Kept as it was: nobody types a Reply-To (the mail program fills it in), every message
 *   ever sent keeps its address, and carrying the whole id means no lookup is needed.
 *
 * Owner line (24 characters, shown to the owner to write to by hand):
 *   "o" + base32(first 6 bytes, 48 bits, of the ownership UUID) (10) + the first 13
 *   base32 characters (65 bits) of base32(HMAC-SHA256(secret, "rapport-owner-line:" +
 *   those 6 bytes)) (13).
 *   Why 65 bits of MAC is enough: a guess is valid only if its 13 characters equal the MAC
 *   of its prefix, chance 2^-65 whatever the guesser knows short of the secret. The one
 *   place that answers guesses is our SMTP listener (550 at RCPT; HTTP inbound needs an
 *   API key; mail through another MX or IMAP answers nothing and costs a stored message
 *   each), and it refuses a client address (an IPv6 /64) for an hour after
 *   INBOUND_MAX_UNKNOWN_RECIPIENTS_PER_CLIENT (default 20) unknown recipients. A million
 *   client addresses then get 20 × 24 × 365 × 10^6 ≈ 2^37.4 guesses a year: a chance
 *   below 2^-27 of one success. Fewer characters would cost that margin; more would
 *   not be short enough to copy by hand.
 *   Why 48 bits of id: UUIDv4's first 48 bits are random, and they find the ownership by
 *   an index range scan; two ownerships share a prefix only with chance ~N²/2^49 (about
 *   one in 560 at a million ownerships), and then the store finds neither rather than
 *   guessing (the mail is recorded unattributed, never on the wrong owner).
 *   Old 43-character owner tokens ("o" + the message layout, "rapport-reply:o:") are still
 *   read, so owner lines already sent keep working; they are no longer made.
 *
 * The id inside a token is not secret (opaque random bytes); the MAC is what makes an
 * address impossible to guess or forge without the secret, compared in constant time.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

export type ReplyTargetKind = "message" | "owner";
export interface ReplyTarget {
  kind: ReplyTargetKind;
  /** A message id; for an owner, an ownership id or its 13-character prefix (short owner lines). */
  id: string;
}

export type ParsedReplyAddress =
  | { ok: true; target: ReplyTarget }
  | {
      ok: false;
      /** foreign-domain: not our reply domain (we are not a relay); the rest: ours but not a valid token. */
      problem: "malformed" | "foreign-domain" | "unknown-local" | "no-token" | "bad-token" | "bad-signature";
      reason: string;
    };

export interface ReplyAddresses {
  readonly domain: string;
  forMessage(messageId: string): string;
  forOwnership(ownershipId: string): string;
  parse(address: string): ParsedReplyAddress;
}

export interface ReplyAddressOptions {
  /** At least 32 characters (RAPPORT_SECRET, or the one embedded mode keeps under ./var). */
  secret: string;
  domain: string;
  /** The part before "+": default "reply". */
  local?: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ALPHABET = "abcdefghijklmnopqrstuvwxyz234567";
const BASE32_TEXT = /^[a-z2-7]*$/;

const ID_BYTES = 16;
const LONG_MAC_BYTES = 10;
/** kind letter + base32 of 16 id bytes (26) + base32 of 10 MAC bytes (16). */
export const LONG_TOKEN_LENGTH = 1 + 26 + 16;

const LINE_ID_BYTES = 6;
const LINE_ID_CHARS = 10;
const LINE_MAC_CHARS = 13;
/** "o" + base32 of 6 id bytes (10) + 13 base32 characters of MAC (65 bits). */
export const OWNER_LINE_TOKEN_LENGTH = 1 + LINE_ID_CHARS + LINE_MAC_CHARS;
/** The characters of an ownership id an owner line carries: "0f8fad5b-d9cb" (48 bits). */
const PREFIX_TEXT_LENGTH = 13;

export function base32(bytes: Uint8Array): string {
  let out = "";
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = ((value << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

/**
 * Decodes canonical base32 only: null for a character outside the alphabet, or when the
 * unused low bits of the last character are not zero (the other spellings of the same bytes).
 */
export function fromBase32(text: string): Buffer | null {
  const out: number[] = [];
  let bits = 0;
  let value = 0;
  for (const ch of text) {
    const v = ALPHABET.indexOf(ch);
    if (v < 0) return null;
    value = ((value << 5) | v) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  if ((value & ((1 << bits) - 1)) !== 0) return null;
  return Buffer.from(out);
}

function uuidBytes(id: string): Buffer {
  if (!UUID.test(id)) throw new TypeError(`reply addresses are made for UUID ids, got ${JSON.stringify(id)}`);
  return Buffer.from(id.replace(/-/g, ""), "hex");
}

function uuidText(bytes: Buffer): string {
  const h = bytes.toString("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** True for the ownership reference a short owner line carries ("0f8fad5b-d9cb"), not a whole id. */
export function isOwnershipIdPrefix(reference: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}$/.test(reference);
}

/** Whether an owner target's id names this ownership: the same id, or its owner-line prefix. */
export function ownershipIdMatches(reference: string, ownershipId: string): boolean {
  const id = ownershipId.toLowerCase();
  return isOwnershipIdPrefix(reference) ? id.slice(0, PREFIX_TEXT_LENGTH) === reference : id === reference;
}

/** Splits `local+tag@domain` (an address, or a mailbox like `Name <addr>`) into its parts. */
export function splitAddress(address: string): { local: string; tag: string | null; domain: string } | null {
  const bare = (/<([^>]*)>/.exec(address)?.[1] ?? address).trim().toLowerCase();
  const at = bare.lastIndexOf("@");
  if (at <= 0 || at === bare.length - 1) return null;
  const localPart = bare.slice(0, at);
  const plus = localPart.indexOf("+");
  return {
    local: plus < 0 ? localPart : localPart.slice(0, plus),
    tag: plus < 0 ? null : localPart.slice(plus + 1),
    domain: bare.slice(at + 1),
  };
}

/** Constant-time equality of two strings of the same length (the caller checked the lengths). */
function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function createReplyAddresses(opts: ReplyAddressOptions): ReplyAddresses {
  if (opts.secret.length < 32)
    throw new RangeError("the reply-address secret must be at least 32 characters");
  const domain = opts.domain.toLowerCase();
  const local = (opts.local ?? "reply").toLowerCase();
  const hmac = (label: string, bytes: Buffer) =>
    createHmac("sha256", opts.secret).update(label).update(bytes).digest();
  // Distinct labels: a MAC made for one layout or kind never verifies as another.
  const longMac = (letter: string, id: Buffer) =>
    base32(hmac(`rapport-reply:${letter}:`, id).subarray(0, LONG_MAC_BYTES));
  const lineMac = (prefix: Buffer) =>
    base32(hmac("rapport-owner-line:", prefix).subarray(0, 9)).slice(0, LINE_MAC_CHARS);

  const badToken = { ok: false, problem: "bad-token", reason: "the token is not one rapport makes" } as const;
  const badSignature = {
    ok: false,
    problem: "bad-signature",
    reason: "the token's signature does not match",
  } as const;

  const forMessage = (messageId: string) => {
    const bytes = uuidBytes(messageId);
    return `${local}+m${base32(bytes)}${longMac("m", bytes)}@${domain}`;
  };

  const forOwnership = (ownershipId: string) => {
    const prefix = uuidBytes(ownershipId).subarray(0, LINE_ID_BYTES);
    return `${local}+o${base32(prefix)}${lineMac(prefix)}@${domain}`;
  };

  /** Message tokens, and owner tokens made before the short owner line. */
  const parseLong = (letter: "m" | "o", token: string): ParsedReplyAddress => {
    const id = fromBase32(token.slice(1, 27));
    const given = token.slice(27);
    if (!id || id.length !== ID_BYTES || !BASE32_TEXT.test(given)) return badToken;
    if (!sameText(longMac(letter, id), given)) return badSignature;
    return { ok: true, target: { kind: letter === "m" ? "message" : "owner", id: uuidText(id) } };
  };

  const parseOwnerLine = (token: string): ParsedReplyAddress => {
    const prefix = fromBase32(token.slice(1, 1 + LINE_ID_CHARS));
    const given = token.slice(1 + LINE_ID_CHARS);
    // The MAC's 13 characters are all significant bits (65): any base32 text is canonical.
    if (!prefix || prefix.length !== LINE_ID_BYTES || !BASE32_TEXT.test(given)) return badToken;
    if (!sameText(lineMac(prefix), given)) return badSignature;
    return { ok: true, target: { kind: "owner", id: uuidText(prefix).slice(0, PREFIX_TEXT_LENGTH) } };
  };

  const parse = (address: string): ParsedReplyAddress => {
    const parts = splitAddress(address);
    if (!parts) return { ok: false, problem: "malformed", reason: "not an email address" };
    if (parts.domain !== domain) {
      return { ok: false, problem: "foreign-domain", reason: `${parts.domain} is not ${domain}` };
    }
    if (parts.local !== local) {
      return { ok: false, problem: "unknown-local", reason: `no mailbox ${parts.local}@${domain}` };
    }
    if (!parts.tag) return { ok: false, problem: "no-token", reason: "the address carries no token" };
    const token = parts.tag;
    const letter = token[0];
    if (token.length === LONG_TOKEN_LENGTH && (letter === "m" || letter === "o"))
      return parseLong(letter, token);
    if (token.length === OWNER_LINE_TOKEN_LENGTH && letter === "o") return parseOwnerLine(token);
    return badToken;
  };

  return { domain, forMessage, forOwnership, parse };
}
