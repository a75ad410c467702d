/**
 * One call from raw bytes to everything rapport wants to know about an inbound message.
 *
 * Contract: understandMail(raw, opts?) parses (throwing only MessageTooLargeError, see
 * parse-inbound.ts), classifies, and extracts the new text of the message. newText is the
 * reply without quotes and signature; it is what matters for human_reply and unsubscribe,
 * and is kept for auto-replies too (an out-of-office often names a return date or a
 * colleague). For bounces and complaints it is the empty string: their text is the mail
 * system's, not a person's.
 */
import { type Classification, classifyInbound } from "./classify.js";
import { type ParsedInbound, type ParseOptions, parseInbound } from "./parse-inbound.js";
import { extractNewText } from "./reply-text.js";

export interface UnderstoodMail {
  parsed: ParsedInbound;
  classification: Classification;
  newText: string;
}

export async function understandMail(raw: Buffer | string, opts: ParseOptions = {}): Promise<UnderstoodMail> {
  const parsed = await parseInbound(raw, opts);
  const classification = classifyInbound(parsed, raw);
  const machine = classification.kind === "bounce" || classification.kind === "complaint";
  return { parsed, classification, newText: machine ? "" : extractNewText(parsed.text) };
}
