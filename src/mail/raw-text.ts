/**
 * Raw-text helpers for messages a MIME parser cannot fully make sense of.
 *
 * Contract: every function here is pure, takes decoded text (never throws on any input)
 * and is a best-effort fallback. Bounces are written by servers that do not always follow
 * RFC 2046: a multipart/report whose boundary never appears, an original message pasted
 * into the text, report fields inline in a text/plain body. Reading those needs a forgiving
 * line-based view of the text next to the structured one mailparser gives.
 *
 * Every function here runs in time linear in its input (no regex that can backtrack over a
 * long run of one character, no rescanning the rest of the text per match) and keeps what it
 * returns bounded: inbound mail is written by strangers and may be built to be slow.
 */

/** A header value longer than this is cut: no header rapport reads is anywhere near it. */
export const MAX_HEADER_VALUE_CHARS = 16_384;
/** Header fields kept from one block; the rest are ignored (10,000 headers are an attack, not mail). */
export const MAX_HEADER_FIELDS = 1_000;
/** Report parts read from raw text: real bounces carry one to a few. */
export const MAX_SCANNED_PARTS = 20;

/** One header field: lower-cased name, value unfolded (continuation lines joined by a space). */
export interface HeaderField {
  name: string;
  value: string;
}

/** Split a message into its header block and body at the first empty line (CRLF or LF). */
export function splitHeadBody(text: string): { head: string; body: string } {
  const match = /\r?\n\r?\n/.exec(text);
  if (!match) {
    // No empty line: if the text starts like a header block it is all head, else all body.
    return looksLikeHeaderBlock(text) ? { head: text, body: "" } : { head: "", body: text };
  }
  const head = text.slice(0, match.index);
  const body = text.slice(match.index + match[0].length);
  return looksLikeHeaderBlock(head) ? { head, body } : { head: "", body: text };
}

/** True when the first line of the text looks like "Name: value" (or an mbox "From " line). */
export function looksLikeHeaderBlock(text: string): boolean {
  const nl = text.indexOf("\n");
  // Only the start of the first line matters; a name is short.
  const first = text.slice(0, Math.min(nl === -1 ? text.length : nl, 1000));
  return /^[!-9;-~]+:/.test(first) || /^From \S/.test(first);
}

/**
 * Parse a header block into fields. Continuation lines (leading white space) are folded into
 * the previous field; lines that are not fields (an mbox "From " line, junk) are skipped.
 * At most MAX_HEADER_FIELDS fields, each value cut at MAX_HEADER_VALUE_CHARS: a value is
 * built from its pieces once (joining and trimming per continuation line was quadratic).
 */
export function parseHeaderBlock(head: string): HeaderField[] {
  const fields: HeaderField[] = [];
  let pieces: string[] = [];
  let length = 0;
  let current: { name: string } | null = null;
  const add = (piece: string): void => {
    if (piece === "" || length >= MAX_HEADER_VALUE_CHARS) return;
    const cut = piece.slice(0, MAX_HEADER_VALUE_CHARS - length);
    pieces.push(cut);
    length += cut.length + 1;
  };
  const flush = (): void => {
    if (current) fields.push({ name: current.name, value: pieces.join(" ") });
    current = null;
    pieces = [];
    length = 0;
  };
  for (const line of head.split("\n")) {
    if (line.startsWith(" ") || line.startsWith("\t")) {
      if (current) add(line.trim());
      continue;
    }
    flush();
    if (fields.length >= MAX_HEADER_FIELDS) break;
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trimEnd();
    if (!/^[!-9;-~]+$/.test(name)) continue;
    current = { name: name.toLowerCase() };
    add(line.slice(colon + 1).trim());
  }
  flush();
  return fields;
}

/** Group header fields by lower-cased name, keeping their order. */
export function headerRecord(fields: HeaderField[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const f of fields) {
    const list = out[f.name];
    if (list) list.push(f.value);
    else out[f.name] = [f.value];
  }
  return out;
}

/** A MIME part found by scanning text rather than by a MIME parser. */
export interface ScannedPart {
  /** Lower-cased media type, e.g. "message/delivery-status". */
  contentType: string;
  /** The part's content, up to the next boundary-looking line. */
  content: string;
}

/** How far after a part's Content-Type line its empty line is looked for (the part's own header block). */
const PART_HEAD_WINDOW = 8_192;

const REPORT_TYPES =
  /^content-type:[ \t]*(message\/(?:delivery-status|feedback-report|rfc822)|text\/rfc822-headers)\b/gim;

/**
 * Find report-related parts by their Content-Type lines anywhere in the text. This is what
 * rescues a multipart/report whose boundary is missing or mangled: the parts are still there,
 * each introduced by its own Content-Type line, content after the next empty line.
 */
export function scanReportParts(text: string, maxPartChars = 65_536): ScannedPart[] {
  const parts: ScannedPart[] = [];
  // Each part is read within a window after its Content-Type line, so the work per part is
  // bounded (reading "the rest of the text" per match was quadratic on a text made of such
  // lines), and only the first MAX_SCANNED_PARTS parts are read.
  for (const m of text.matchAll(REPORT_TYPES)) {
    if (parts.length >= MAX_SCANNED_PARTS) break;
    const contentType = (m[1] ?? "").toLowerCase();
    const from = m.index + m[0].length;
    const headWindow = text.slice(from, from + PART_HEAD_WINDOW);
    const blank = /\r?\n[ \t]*\r?\n/.exec(headWindow);
    if (!blank) continue;
    const start = from + blank.index + blank[0].length;
    let content = text.slice(start, start + maxPartChars);
    // The part ends at the next boundary line ("--something"); an embedded message may contain
    // its own multipart boundaries, but only its header block is used, so cutting there is fine.
    const end = /^--[^\s-][^\s]*[ \t]*$/m.exec(content);
    if (end) content = content.slice(0, end.index);
    parts.push({ contentType, content });
  }
  return parts;
}

/** Every "<...>" token in a header value such as References or In-Reply-To. */
export function messageIdList(value: string | undefined | null): string[] {
  if (!value) return [];
  return [...value.matchAll(/<[^<>\s]+>/g)].map((m) => m[0]);
}

/** A Message-ID normalised to "<id>" form, or null when the value holds none. */
export function normaliseMessageId(value: string | undefined | null): string | null {
  if (!value) return null;
  const bracketed = /<[^<>\s@]+@[^<>\s]+>/.exec(value) ?? /<[^<>\s]+>/.exec(value);
  if (bracketed) return bracketed[0];
  // Bounded runs: an unbounded one retried from every position of a long token without "@" is quadratic.
  const bare = /[^<>\s"@]{1,256}@[^<>\s"]{1,256}/.exec(value);
  return bare ? `<${bare[0]}>` : null;
}

// Local part and labels have bounded lengths (RFC 5321: 64 and 63): an unbounded local part,
// tried from every position of a long run of such characters with no "@", is quadratic.
const EMAIL =
  /[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?){1,16}/;

/** The first e-mail address in a string, lower-cased, or null. */
export function firstAddress(value: string | undefined | null): string | null {
  if (!value) return null;
  const m = EMAIL.exec(value);
  return m ? m[0].toLowerCase().replace(/\.$/, "") : null;
}

/** Every e-mail address in a string, lower-cased, in order, without repeats. */
export function allAddresses(value: string | undefined | null): string[] {
  if (!value) return [];
  const seen = new Set<string>();
  for (const m of value.matchAll(new RegExp(EMAIL.source, "g")))
    seen.add(m[0].toLowerCase().replace(/\.$/, ""));
  return [...seen];
}
