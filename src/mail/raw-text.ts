/**
 * Raw-text helpers for messages a MIME parser cannot fully make sense of.
 *
 * Contract: every function here is pure, takes decoded text (never throws on any input)
 * and is a best-effort fallback. Bounces are written by servers that do not always follow
 * RFC 2046: a multipart/report whose boundary never appears, an original message pasted
 * into the text, report fields inline in a text/plain body. Reading those needs a forgiving
 * line-based view of the text next to the structured one mailparser gives.
 */

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
  const first = text.split(/\r?\n/, 1)[0] ?? "";
  return /^[!-9;-~]+:/.test(first) || /^From \S/.test(first);
}

/**
 * Parse a header block into fields. Continuation lines (leading white space) are folded into
 * the previous field; lines that are not fields (an mbox "From " line, junk) are skipped.
 */
export function parseHeaderBlock(head: string): HeaderField[] {
  const fields: HeaderField[] = [];
  for (const line of head.split(/\r?\n/)) {
    const last = fields[fields.length - 1];
    if (/^[ \t]/.test(line)) {
      if (last) last.value = `${last.value} ${line.trim()}`.trim();
      continue;
    }
    const m = /^([!-9;-~]+)[ \t]*:[ \t]*(.*)$/.exec(line);
    if (m?.[1] !== undefined) fields.push({ name: m[1].toLowerCase(), value: (m[2] ?? "").trim() });
  }
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

const REPORT_TYPES =
  /^content-type:[ \t]*(message\/(?:delivery-status|feedback-report|rfc822)|text\/rfc822-headers)\b/gim;

/**
 * Find report-related parts by their Content-Type lines anywhere in the text. This is what
 * rescues a multipart/report whose boundary is missing or mangled: the parts are still there,
 * each introduced by its own Content-Type line, content after the next empty line.
 */
export function scanReportParts(text: string, maxPartChars = 65_536): ScannedPart[] {
  const parts: ScannedPart[] = [];
  for (const m of text.matchAll(REPORT_TYPES)) {
    const contentType = (m[1] ?? "").toLowerCase();
    const after = text.slice(m.index + m[0].length);
    const blank = /\r?\n[ \t]*\r?\n/.exec(after);
    if (!blank) continue;
    let content = after.slice(blank.index + blank[0].length);
    // The part ends at the next boundary line ("--something"); an embedded message may contain
    // its own multipart boundaries, but only its header block is used, so cutting there is fine.
    const end = /^--[^\s-][^\s]*[ \t]*$/m.exec(content);
    if (end) content = content.slice(0, end.index);
    parts.push({ contentType, content: content.slice(0, maxPartChars) });
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
  const bracketed = /<[^<>\s]+@[^<>\s]+>/.exec(value) ?? /<[^<>\s]+>/.exec(value);
  if (bracketed) return bracketed[0];
  const bare = /[^<>\s"]+@[^<>\s"]+/.exec(value);
  return bare ? `<${bare[0]}>` : null;
}

const EMAIL =
  /[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+/;

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
