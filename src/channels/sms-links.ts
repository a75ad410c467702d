/**
 * rapport's URLs that Kannel calls, built on RAPPORT_PUBLIC_URL (read on every call, as
 * consent links are: in tests it follows the port the server got).
 *
 *   dlr-url:  PUBLIC_URL/sms/dlr/MESSAGE_ID/TOKEN?status=%d&answer=%A
 *   get-url:  PUBLIC_URL/sms/inbound?secret=SMS_INBOUND_SECRET&from=%p&to=%P&text=%a&charset=%C&id=%I
 *
 * %d, %A, %p, %P, %a, %C and %I are Kannel's escapes, filled in by Kannel when it calls.
 */
import type { DlrTokens } from "./sms-tokens.js";

export function dlrUrlFor(publicUrl: () => string, tokens: DlrTokens): (messageId: string) => string {
  return (messageId) => {
    const base = publicUrl().replace(/\/+$/, "");
    return `${base}/sms/dlr/${encodeURIComponent(messageId)}/${tokens.make(messageId)}?status=%d&answer=%A`;
  };
}

/** The sms-service get-url to put in kannel.conf (README), for this public URL and secret. */
export function inboundGetUrl(publicUrl: string, secret: string): string {
  const base = publicUrl.replace(/\/+$/, "");
  return `${base}/sms/inbound?secret=${encodeURIComponent(secret)}&from=%p&to=%P&text=%a&charset=%C&id=%I`;
}

/** Twilio's StatusCallback for a message: PUBLIC_URL/sms/twilio/status/MESSAGE_ID/TOKEN (signed twice: our token, Twilio's signature). */
export function twilioStatusUrlFor(
  publicUrl: () => string,
  tokens: DlrTokens,
): (messageId: string) => string {
  return (messageId) => {
    const base = publicUrl().replace(/\/+$/, "");
    return `${base}/sms/twilio/status/${encodeURIComponent(messageId)}/${tokens.make(messageId)}`;
  };
}

/** The incoming-message webhook to set on the Twilio number (or Messaging Service): PUBLIC_URL/sms/twilio/inbound. */
export function twilioInboundUrl(publicUrl: string): string {
  return `${publicUrl.replace(/\/+$/, "")}/sms/twilio/inbound`;
}
