/**
 * Builders for the small .eml messages the mail unit tests use. Written for these tests
 * (never copied from the corpus); each builder keeps only what its rule looks at.
 */

export function eml(headers: Record<string, string>, body: string): string {
  const base: Record<string, string> = {
    Date: "Tue, 02 Jan 2024 10:00:00 +0000",
    "Message-ID": "<inbound-1@mail.example.net>",
    "MIME-Version": "1.0",
    ...headers,
  };
  const head = Object.entries(base)
    .map(([k, v]) => `${k}: ${v}`)
    .join("\r\n");
  return `${head}\r\n\r\n${body.replace(/\r?\n/g, "\r\n")}`;
}

/** The message rapport sent, as a bounce or complaint returns it. */
export const ORIGINAL = [
  "From: Rapport Shop <hello@shop.example.com>",
  "To: Jane Buyer <jane@customer.example.org>",
  "Subject: Thanks for your order",
  "Message-ID: <out-42.7f3a@shop.example.com>",
  "Date: Mon, 01 Jan 2024 09:00:00 +0000",
  "",
  "Thank you for your purchase!",
].join("\n");

export function dsn(opts: {
  action: string;
  status: string;
  diagnostic: string;
  recipient?: string;
  subject?: string;
  originalPart?: "message/rfc822" | "text/rfc822-headers";
}): string {
  const recipient = opts.recipient ?? "jane@customer.example.org";
  const originalPart = opts.originalPart ?? "message/rfc822";
  const original = originalPart === "message/rfc822" ? ORIGINAL : (ORIGINAL.split("\n\n")[0] ?? "");
  return eml(
    {
      From: "Mail Delivery System <MAILER-DAEMON@mx.customer.example.org>",
      To: "bounces+42@shop.example.com",
      Subject: opts.subject ?? "Undelivered Mail Returned to Sender",
      "Auto-Submitted": "auto-replied",
      "Content-Type": 'multipart/report; report-type=delivery-status; boundary="B1"',
    },
    [
      "--B1",
      "Content-Type: text/plain; charset=us-ascii",
      "",
      "This is the mail system at host mx.customer.example.org.",
      "",
      "I'm sorry to have to inform you that your message could not",
      "be delivered to one or more recipients.",
      "",
      "--B1",
      "Content-Type: message/delivery-status",
      "",
      "Reporting-MTA: dns; mx.customer.example.org",
      "Arrival-Date: Mon, 01 Jan 2024 09:00:01 +0000",
      "",
      `Final-Recipient: rfc822; ${recipient}`,
      `Original-Recipient: rfc822;${recipient}`,
      `Action: ${opts.action}`,
      `Status: ${opts.status}`,
      "Remote-MTA: dns; in.customer.example.org",
      `Diagnostic-Code: smtp; ${opts.diagnostic}`,
      "",
      "--B1",
      `Content-Type: ${originalPart}`,
      "",
      original,
      "",
      "--B1--",
      "",
    ].join("\n"),
  );
}
