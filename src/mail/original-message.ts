/**
 * Finding the message we sent inside a bounce or complaint.
 *
 * Contract: originalMessageId(parsed, raw?) returns the Message-ID ("<...>") of the returned
 * or reported message, or null. It is how a bounce is attributed to one outbox row, so it
 * looks in order of trust: the attached message/rfc822 or text/rfc822-headers part, then
 * header lines quoted in the text (non-standard bounces paste the original below their
 * notice), then the raw body (parts mailparser kept as attachments are not in the text),
 * then Amazon SES's JSON notification. The bounce's own header is never searched.
 */
import type { ParsedInbound } from "./parse-inbound.js";
import { headerRecord, normaliseMessageId, parseHeaderBlock, splitHeadBody } from "./raw-text.js";

/** The original message's header fields (lower-cased names), when the report carries them. */
export function originalHeaders(parsed: ParsedInbound): Record<string, string[]> {
  return parsed.report.originalHeaders ? headerRecord(parseHeaderBlock(parsed.report.originalHeaders)) : {};
}

// A quoted "Message-ID: <...>" line; quoting may indent it or prefix "> ". The value may sit on
// the next line when the header was folded.
const QUOTED_MESSAGE_ID =
  /^[ \t>|]*Message-I[Dd][ \t]*:[ \t]*(?:\r?\n[ \t]+)?(<[^<>\s]+>|[^\s<>@]+@[^\s<>]+)/gm;
const SES_MESSAGE_ID = /\{\s*"name"\s*:\s*"Message-ID"\s*,\s*"value"\s*:\s*"([^"]+)"/i;

export function originalMessageId(parsed: ParsedInbound, raw?: Buffer | string): string | null {
  const fromHeaders = normaliseMessageId(originalHeaders(parsed)["message-id"]?.[0]);
  if (fromHeaders) return fromHeaders;

  const candidates: string[] = [parsed.text];
  if (raw !== undefined) {
    const rawText = typeof raw === "string" ? raw : raw.toString("utf8");
    candidates.push(splitHeadBody(rawText).body);
  }
  for (const text of candidates) {
    for (const m of text.matchAll(QUOTED_MESSAGE_ID)) {
      // Only the body is searched, so a match cannot be the bounce's own Message-ID.
      const id = normaliseMessageId(m[1]);
      if (id) return id;
    }
    const ses = SES_MESSAGE_ID.exec(text);
    const sesId = normaliseMessageId(ses?.[1]);
    if (sesId) return sesId;
  }
  return null;
}
