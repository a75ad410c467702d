/**
 * A mailbox with a display name, `Name <address>`, safe to put in a header or show for
 * copying into one, whatever the name holds (names come from product data).
 *
 * Contract: mailbox(name, address) → string. Control characters (CR, LF, tab, the C1
 * set), Unicode line/paragraph separators and bidirectional overrides become spaces, runs
 * of space collapse, the name is cut to 64 characters. A name of letters, digits, spaces
 * and the other RFC 5322 atext characters (the apostrophe among them) stays as it is, so
 * "Lyra RD 2780 owners' desk <…>" reads naturally; any other name is a quoted string with
 * `"` and `\` escaped, so commas, quotes and angle brackets in it cannot add or change an
 * address. An empty name gives the bare address. Non-ASCII stays (RFC 6532); where a
 * header is built from it nodemailer encodes it. `address` is trusted (we make it).
 */
// \p{Cc}: C0 controls (CR, LF, tab…), DEL and the C1 set.
const UNSAFE = /[\p{Cc}\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;
const ATEXT_WORDS = /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~ ]+$/;
const MAX_NAME = 64;

export function displayName(name: string): string {
  const clean = name.replace(UNSAFE, " ").replace(/\s+/g, " ").trim();
  return Array.from(clean).slice(0, MAX_NAME).join("").trim();
}

export function mailbox(name: string, address: string): string {
  const clean = displayName(name);
  if (!clean) return address;
  const phrase = ATEXT_WORDS.test(clean) ? clean : `"${clean.replace(/["\\]/g, "\\$&")}"`;
  return `${phrase} <${address}>`;
}
