/**
 * Outgoing mail. Two transports behind one small interface so the delivery job and
 * tests can swap them: pooled SMTP (SMTP_URL) or, in embedded mode, .eml files in an
 * outbox folder that a person can open in any mail program.
 */
import { mkdir, rename, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
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

/**
 * The pooled SMTP transport on a thread of its own: building and encoding MIME is as
 * much CPU as all the rest of a message's path, and here it runs beside the event loop
 * that serves HTTP, the store and the queues instead of on it.
 */
const SENDER_THREAD = `
const { parentPort, workerData } = require("node:worker_threads");
const nodemailer = require(workerData.nodemailer);
const transport = nodemailer.createTransport(workerData.url);
parentPort.on("message", (msg) => {
  if (msg.type === "close") {
    transport.close();
    parentPort.close();
    return;
  }
  transport.sendMail(msg.mail).then(
    (info) => parentPort.postMessage({ id: msg.id, response: String(info.response ?? "") }),
    (err) => parentPort.postMessage({
      id: msg.id,
      error: { message: String(err && err.message), code: err && err.code, responseCode: err && err.responseCode, response: err && err.response },
    }),
  );
});
`;

function createThreadedSmtpMailer(url: string, shown: string, poolSize: number): Mailer {
  const workerData = { url, nodemailer: createRequire(import.meta.url).resolve("nodemailer") };
  const pending = new Map<number, { ok: (r: SendResult) => void; fail: (e: Error) => void }>();
  let next = 0;
  let closing = false;
  let thread: Worker | null = null;
  // Started on the first send; started again if it ever stops (its sends fail and are retried).
  const sender = (): Worker => {
    if (thread) return thread;
    const started = new Worker(SENDER_THREAD, { eval: true, workerData });
    started.on("message", (msg: { id: number; response?: string; error?: Record<string, unknown> }) => {
      const p = pending.get(msg.id);
      if (!p) return;
      pending.delete(msg.id);
      // The error keeps nodemailer's fields (responseCode: isPermanentSendError reads it).
      if (msg.error) p.fail(Object.assign(new Error(String(msg.error.message)), msg.error));
      else p.ok({ response: msg.response ?? "" });
    });
    let crash = "";
    started.on("error", (err) => {
      crash = `: ${err.message}`;
    });
    started.on("exit", () => {
      if (thread === started) thread = null;
      const err = new Error(`the SMTP sender thread stopped${crash}`);
      for (const p of pending.values()) p.fail(err);
      pending.clear();
    });
    thread = started;
    return started;
  };
  return {
    send(mail) {
      if (closing) return Promise.reject(new Error("the mailer is closed"));
      return new Promise((ok, fail) => {
        const id = next++;
        pending.set(id, { ok, fail });
        sender().postMessage({ id, mail: toNodemailer(mail) });
      });
    },
    async close() {
      closing = true;
      const running = thread;
      if (!running) return;
      const exited = new Promise((r) => running.once("exit", r));
      running.postMessage({ type: "close" });
      await exited;
    },
    describe: () => `SMTP ${shown} (pool of ${poolSize}, on a sender thread)`,
  };
}

export function createSmtpMailer(url: string, poolSize: number): Mailer {
  // nodemailer reads pool options from the URL's query, beside anything the operator set there.
  const pooled = new URL(url);
  pooled.searchParams.set("pool", "true");
  if (!pooled.searchParams.has("maxConnections")) pooled.searchParams.set("maxConnections", String(poolSize));
  // Built here once too, so a URL nodemailer refuses stops rapport at start, as before.
  nodemailer.createTransport(pooled.toString()).close();
  const shown = url.replace(/\/\/[^@/]*@/, "//***@");
  return createThreadedSmtpMailer(pooled.toString(), shown, poolSize);
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
