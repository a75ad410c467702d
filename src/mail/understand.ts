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

/**
 * Longest text forTransfer keeps of each string: far more than anything the inbound job keeps
 * (an interaction's text is cut at 20,000 characters, a subject at 1,000), far less than the
 * megabytes a hostile message can make the body text or one header.
 */
export const TRANSFER_MAX_CHARS = 65_536;

const cut = (s: string): string => (s.length > TRANSFER_MAX_CHARS ? s.slice(0, TRANSFER_MAX_CHARS) : s);

/**
 * The mail as it crosses from a worker process to the inbound job: the body text, the new
 * text, the subject and each header value cut at TRANSFER_MAX_CHARS, so reading the answer stays cheap on
 * the event loop that serves HTTP and SMTP whatever the message. Everything was classified
 * and extracted on the whole text first; the raw message keeps everything.
 */
export function forTransfer(mail: UnderstoodMail): UnderstoodMail {
  const headers: Record<string, string[]> = {};
  for (const [name, values] of Object.entries(mail.parsed.headers)) headers[name] = values.map(cut);
  return {
    ...mail,
    parsed: { ...mail.parsed, subject: cut(mail.parsed.subject), text: cut(mail.parsed.text), headers },
    newText: cut(mail.newText),
  };
}

export async function understandMail(raw: Buffer | string, opts: ParseOptions = {}): Promise<UnderstoodMail> {
  const parsed = await parseInbound(raw, opts);
  const newText = once(() => extractNewText(parsed.text));
  const classification = classifyInbound(parsed, raw, newText);
  const machine = classification.kind === "bounce" || classification.kind === "complaint";
  return { parsed, classification, newText: machine ? "" : newText() };
}
