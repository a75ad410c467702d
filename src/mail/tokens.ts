/**
 * Reply addresses: `local+TOKEN@replyDomain`, one per outgoing message (its Reply-To)
 * and one per ownership (the owner-only address, permanent).
 *
 * Contract:
 *   const addresses = createReplyAddresses({ secret, domain, local });
 *   addresses.forMessage(messageId) / addresses.forOwnership(ownershipId) → address
 *   addresses.parse(address) → { ok: true, target } | { ok: false, problem, reason }
 *
 * TOKEN = kind letter ("m" message, "o" owner) + the id's 16 UUID bytes + the first
 * 10 bytes (80 bits) of HMAC-SHA256(secret, kind + id bytes), all in lower-case
 * base32: 43 characters, so the local part stays well under SMTP's 64. Lower-case
 * because some mail systems fold the case of local parts; base32 survives that. The
 * id inside is not secret (it is an opaque UUID); the MAC is what makes an address
 * impossible to guess or forge without the secret, and it is compared in constant time.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

export type ReplyTargetKind = "message" | "owner";
export interface ReplyTarget {
  kind: ReplyTargetKind;
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

const KIND_LETTER: Record<ReplyTargetKind, string> = { message: "m", owner: "o" };
const LETTER_KIND: Record<string, ReplyTargetKind> = { m: "message", o: "owner" };
const MAC_BYTES = 10;
const ID_BYTES = 16;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ALPHABET = "abcdefghijklmnopqrstuvwxyz234567";
// kind letter + base32 of 16 id bytes (26 chars) + base32 of 10 MAC bytes (16 chars)
const TOKEN_LENGTH = 1 + 26 + 16;

export function base32(bytes: Uint8Array): string {
  let out = "";
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

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

export function createReplyAddresses(opts: ReplyAddressOptions): ReplyAddresses {
  if (opts.secret.length < 32)
    throw new RangeError("the reply-address secret must be at least 32 characters");
  const domain = opts.domain.toLowerCase();
  const local = (opts.local ?? "reply").toLowerCase();
  const mac = (letter: string, id: Buffer) =>
    createHmac("sha256", opts.secret)
      .update(`rapport-reply:${letter}:`)
      .update(id)
      .digest()
      .subarray(0, MAC_BYTES);

  const make = (kind: ReplyTargetKind, id: string) => {
    const letter = KIND_LETTER[kind];
    const bytes = uuidBytes(id);
    return `${local}+${letter}${base32(bytes)}${base32(mac(letter, bytes))}@${domain}`;
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
    const kind = LETTER_KIND[token[0] ?? ""];
    if (token.length !== TOKEN_LENGTH || !kind) {
      return { ok: false, problem: "bad-token", reason: "the token is not one rapport makes" };
    }
    const id = fromBase32(token.slice(1, 27));
    const given = fromBase32(token.slice(27));
    if (!id || !given || id.length !== ID_BYTES || given.length !== MAC_BYTES) {
      return { ok: false, problem: "bad-token", reason: "the token is not one rapport makes" };
    }
    const expected = mac(KIND_LETTER[kind], id);
    if (!timingSafeEqual(expected, given)) {
      return { ok: false, problem: "bad-signature", reason: "the token's signature does not match" };
    }
    return { ok: true, target: { kind, id: uuidText(id) } };
  };

  return {
    domain,
    forMessage: (id) => make("message", id),
    forOwnership: (id) => make("owner", id),
    parse,
  };
}
