/**
 * DKIM signing as nodemailer does it (its transport-level `dkim` option), the same for
 * the SMTP sender thread and the outbox folder. Which headers the signature covers is
 * said here, not left to nodemailer's default list: that list lacks
 * List-Unsubscribe-Post, and a one-click unsubscribe header a relay could add or change
 * unsigned is one receivers (Gmail, Yahoo) do not honour (RFC 8058 section 4).
 */

/** What signing needs; plain strings, so it crosses to the sender thread as workerData. */
export interface DkimSigning {
  domainName: string;
  keySelector: string;
  /** PEM; checked at start (config/dkim-key.ts), since nodemailer would send unsigned on a bad one. */
  privateKey: string;
}

/**
 * Signed when present (nodemailer lists in h= only the ones a message has). Identity and
 * content (From … Content-Transfer-Encoding), threading, the list headers with both
 * unsubscribe headers, and Auto-Submitted, which tells auto-responders to stay silent.
 */
export const DKIM_SIGNED_HEADERS: readonly string[] = [
  "From",
  "Sender",
  "Reply-To",
  "To",
  "Cc",
  "Subject",
  "Date",
  "Message-ID",
  "In-Reply-To",
  "References",
  "MIME-Version",
  "Content-Type",
  "Content-Transfer-Encoding",
  "List-Id",
  "List-Unsubscribe",
  "List-Unsubscribe-Post",
  "Auto-Submitted",
];

/** nodemailer's `dkim` transport option. */
export function nodemailerDkim(signing: DkimSigning) {
  return {
    domainName: signing.domainName,
    keySelector: signing.keySelector,
    privateKey: signing.privateKey,
    headerFieldNames: DKIM_SIGNED_HEADERS.join(":"),
  };
}
