/**
 * Outgoing mail. Two transports behind one small interface so the delivery job and
 * tests can swap them: pooled SMTP (SMTP_URL) or, in embedded mode, .eml files in an
 * outbox folder that a person can open in any mail program.
 */
import { mkdir, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import nodemailer from "nodemailer";

export interface OutgoingMail {
  from: string;
  to: string;
  replyTo?: string;
  /** SMTP MAIL FROM (where bounces go); defaults to `from`. */
  envelopeFrom?: string;
  subject: string;
  html: string;
  text: string;
  /** The Message-ID header, angle brackets included; derived from the outbox row. */
  messageId: string;
  headers?: Record<string, string>;
}

export interface SendResult {
  /** The server's answer (or where the file went), kept on the send ledger. */
  response: string;
}

export interface Mailer {
  send(mail: OutgoingMail): Promise<SendResult>;
  close(): Promise<void>;
  describe(): string;
}

/** A failure that retrying cannot fix (a 5xx answer): the message is marked failed. */
export function isPermanentSendError(err: unknown): boolean {
  const code = (err as { responseCode?: unknown })?.responseCode;
  return typeof code === "number" && code >= 500 && code < 600;
}

function toNodemailer(mail: OutgoingMail) {
  return {
    from: mail.from,
    to: mail.to,
    replyTo: mail.replyTo,
    ...(mail.envelopeFrom ? { envelope: { from: mail.envelopeFrom, to: mail.to } } : {}),
    subject: mail.subject,
    html: mail.html,
    text: mail.text,
    messageId: mail.messageId,
    headers: mail.headers,
    // Our own header values are built from validated data; nodemailer still encodes them.
    disableFileAccess: true,
    disableUrlAccess: true,
  };
}

export function createSmtpMailer(url: string, poolSize: number): Mailer {
  // nodemailer reads pool options from the URL's query, beside anything the operator set there.
  const pooled = new URL(url);
  pooled.searchParams.set("pool", "true");
  if (!pooled.searchParams.has("maxConnections")) pooled.searchParams.set("maxConnections", String(poolSize));
  const transport = nodemailer.createTransport(pooled.toString());
  const shown = url.replace(/\/\/[^@/]*@/, "//***@");
  return {
    async send(mail) {
      const info = await transport.sendMail(toNodemailer(mail));
      return { response: String(info.response ?? "") };
    },
    async close() {
      transport.close();
    },
    describe: () => `SMTP ${shown} (pool of ${poolSize})`,
  };
}

export function createOutboxMailer(dir: string): Mailer {
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: "unix" });
  return {
    async send(mail) {
      await mkdir(dir, { recursive: true });
      const info = await transport.sendMail(toNodemailer(mail));
      const name = `${mail.messageId.replace(/[<>]/g, "").replace(/[^A-Za-z0-9.@_-]/g, "_")}.eml`;
      const file = join(dir, name);
      // Write then rename: a reader never sees half a message.
      await writeFile(`${file}.tmp`, info.message as Buffer);
      await rename(`${file}.tmp`, file);
      return { response: `written to ${file}` };
    },
    async close() {},
    describe: () => `outbox folder ${dir}`,
  };
}
