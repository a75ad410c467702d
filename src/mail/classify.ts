/**
 * ParsedInbound -> Classification: what kind of inbound message this is, and why.
 *
 * Contract: classifyInbound(parsed, raw?) never throws and always returns a verdict. Pass the
 * raw message when you have it: quoted original headers in a bounce are read from it too.
 * Order matters and is deliberate:
 *   complaint -> bounce -> auto_reply -> unsubscribe -> human_reply.
 * Complaints first because an ARF report also carries the original message; bounces before
 * auto-replies because most DSNs carry "Auto-Submitted: auto-replied/auto-generated" and a
 * bounce must suppress the address rather than be ignored; unsubscribe only for what is left,
 * since an autoresponder's "stop" is not a person's.
 */

import { detectAutoReply } from "./auto-reply.js";
import { type BounceDetails, detectBounce } from "./bounce.js";
import { type ComplaintDetails, detectComplaint } from "./complaint.js";
import type { ParsedInbound } from "./parse-inbound.js";
import { extractNewText } from "./reply-text.js";
import { detectUnsubscribe } from "./unsubscribe.js";

export type InboundKind = "human_reply" | "auto_reply" | "bounce" | "complaint" | "unsubscribe";

export interface Classification {
  kind: InboundKind;
  /** Short, human-readable: which rule decided, e.g. "Auto-Submitted: auto-replied". */
  reason: string;
  /** Set for kind "bounce". */
  bounce?: BounceDetails;
  /** Set for kind "complaint". */
  complaint?: ComplaintDetails;
  /** Message-ID of the message we sent that bounced or was reported; set for bounce and complaint. */
  originalMessageId?: string | null;
}

/**
 * `newText` lets a caller that needs the new text anyway (understandMail) share it: extracting
 * it is the costliest step, and it is done at most once per message.
 */
export function classifyInbound(
  parsed: ParsedInbound,
  raw?: Buffer | string,
  newText: () => string = once(() => extractNewText(parsed.text)),
): Classification {
  const complaint = detectComplaint(parsed, raw);
  if (complaint) {
    return {
      kind: "complaint",
      reason: complaint.reason,
      complaint: complaint.complaint,
      originalMessageId: complaint.complaint.originalMessageId,
    };
  }
  const bounce = detectBounce(parsed, raw);
  if (bounce) {
    return {
      kind: "bounce",
      reason: bounce.reason,
      bounce: bounce.bounce,
      originalMessageId: bounce.originalMessageId,
    };
  }
  // Before the auto-reply markers: a mail program's unsubscribe button (the mailto: of our
  // List-Unsubscribe header) sends "unsubscribe" automatically, often marked as automatic.
  // Only the subject counts here, and only when it is the command and nothing else.
  const byButton = detectUnsubscribe(parsed.subject, "");
  if (byButton && newText().length <= 500) {
    return {
      kind: "unsubscribe",
      reason: `${byButton} (an unsubscribe request, even if sent automatically)`,
    };
  }
  const auto = detectAutoReply(parsed, newText);
  if (auto) return { kind: "auto_reply", reason: auto };
  const unsubscribe = detectUnsubscribe(parsed.subject, newText());
  if (unsubscribe) return { kind: "unsubscribe", reason: unsubscribe };
  return { kind: "human_reply", reason: "no bounce, complaint or automatic-reply markers" };
}

/** f, computed on the first call only. */
export function once<T>(f: () => T): () => T {
  let done = false;
  let value: T;
  return () => {
    if (!done) {
      value = f();
      done = true;
    }
    return value;
  };
}
