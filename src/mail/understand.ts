/**
 * One call from raw bytes to everything rapport wants to know about an inbound message.
 *
 * Contract: understandMail(raw, opts?) parses (throwing only MessageTooLargeError, see
 * parse-inbound.ts), classifies, and extracts the new text of the message. newText is the
 * reply without quotes and signature; it is what matters for human_reply and unsubscribe,
 * and is kept for auto-replies too (an out-of-office often names a return date or a
 * colleague). For bounces and complaints it is the empty string: their text is the mail
 * system's, not a person's.
 *
 * This runs on the calling thread. The worker process runs it on threads of its own through
 * createMailUnderstander (understand-pool.ts), which has the same shape (MailUnderstander)
 * and adds a deadline and a memory cap; tests and `rapport inspect-mail` call it directly.
 */
import { type Classification, classifyInbound, once } from "./classify.js";
import { MailNotUnderstoodError } from "./inbound-errors.js";
import { type ParsedInbound, type ParseOptions, parseInbound } from "./parse-inbound.js";
import { extractNewText } from "./reply-text.js";

export interface UnderstoodMail {
  parsed: ParsedInbound;
  classification: Classification;
  newText: string;
}

/** understandMail's shape, for whoever runs it (this thread or a pool of threads). */
export type MailUnderstander = (raw: Buffer | string, opts?: ParseOptions) => Promise<UnderstoodMail>;

export { MailNotUnderstoodError };

export async function understandMail(raw: Buffer | string, opts: ParseOptions = {}): Promise<UnderstoodMail> {
  const parsed = await parseInbound(raw, opts);
  const newText = once(() => extractNewText(parsed.text));
  const classification = classifyInbound(parsed, raw, newText);
  const machine = classification.kind === "bounce" || classification.kind === "complaint";
  return { parsed, classification, newText: machine ? "" : newText() };
}
