/**
 * Sends raw mail to rapport's inbound SMTP listener over real SMTP (nodemailer), the
 * way a customer's mail provider would deliver it.
 */
import nodemailer from "nodemailer";

export interface MailIn {
  from: string;
  to: string | string[];
  raw: string | Buffer;
}

export async function sendToListener(port: number, mail: MailIn): Promise<{ response: string }> {
  const transport = nodemailer.createTransport({ host: "127.0.0.1", port, secure: false, ignoreTLS: true });
  try {
    const to = Array.isArray(mail.to) ? mail.to : [mail.to];
    const info = await transport.sendMail({ envelope: { from: mail.from, to }, raw: mail.raw });
    return { response: String(info.response) };
  } finally {
    transport.close();
  }
}

/** A plain reply as a mail program writes it: new text on top, the quoted message below. */
export function replyMime(o: {
  from: string;
  to: string;
  subject: string;
  inReplyTo?: string;
  messageId: string;
  text: string;
  quoted?: string;
}): string {
  const lines = [
    `From: ${o.from}`,
    `To: ${o.to}`,
    `Subject: ${o.subject}`,
    `Message-ID: ${o.messageId}`,
    "Date: Sun, 22 Nov 2026 12:00:00 +0000",
    ...(o.inReplyTo ? [`In-Reply-To: ${o.inReplyTo}`, `References: ${o.inReplyTo}`] : []),
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=utf-8",
    "",
    o.text,
    "",
    ...(o.quoted
      ? [
          "On Sun, 22 Nov 2026 at 10:00, Lyra Audio <hello@lyra-audio.example> wrote:",
          ...o.quoted.split("\n").map((l) => `> ${l}`),
        ]
      : []),
    "",
  ];
  return lines.join("\r\n");
}
