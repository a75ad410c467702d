/**
 * Outgoing mail. Two transports behind one small interface so the delivery job and
 * tests can swap them: pooled SMTP (SMTP_URL) or, in embedded mode, .eml files in an
 * outbox folder that a person can open in any mail program.
 */
import { randomUUID } from "node:crypto";
import { link, mkdir, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Worker } from "node:worker_threads";
import nodemailer from "nodemailer";
import { setDeadline } from "../infra/deadline-timer.js";
import { moduleThreadUrl, startModuleThread } from "../infra/module-thread.js";
import { type DkimSigning, nodemailerDkim } from "./dkim-options.js";
import { isRelayRefusal, refusalKind, refusalStatus } from "./refusal.js";
import {
  type FromSender,
  SEND_DEADLINE_CODE,
  SENDER_STOPPED_CODE,
  type SenderThreadData,
  type SmtpTimeouts,
  type ToSender,
  UNCERTAIN_SEND_CODES,
} from "./sender-protocol.js";
import { textEncodingFor } from "./text-encoding.js";

/**
 * An address, bare or with a display name. A name is handed to nodemailer as an address
 * object, never pasted into header text: nodemailer quotes and encodes it, so no name
 * (customer data) can add a recipient or a header line.
 */
export type MailAddress = string | { name: string; address: string };

/** The bare address of a MailAddress (the SMTP envelope takes no names). */
export function bareAddress(a: MailAddress): string {
  return typeof a === "string" ? a : a.address;
}

export interface OutgoingMail {
  from: string;
  to: MailAddress;
  replyTo?: MailAddress;
  /** The message this one answers (its Message-ID, brackets included): In-Reply-To and References, so it threads. */
  inReplyTo?: string;
  /** The template it was rendered from: part of its file name in the outbox folder. */
  template?: string;
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

export interface SendOptions {
  /** Give up (and abort the connection) after this long; the mailer's own deadline caps it. */
  deadlineMs?: number;
  /**
   * Wall-clock time (Date.now()) a send may still run to when its process was stopped
   * over its deadline, for an answer already on its way (absent: none). Must lie inside
   * whatever keeps other attempts off (the claim's lease).
   */
  thawUntil?: number;
}

export interface Mailer {
  send(mail: OutgoingMail, opts?: SendOptions): Promise<SendResult>;
  close(): Promise<void>;
  describe(): string;
}

/** A failure that retrying cannot fix (a 5xx answer): the message is marked failed. */
export function isPermanentSendError(err: unknown): boolean {
  const code = (err as { responseCode?: unknown })?.responseCode;
  return typeof code === "number" && code >= 500 && code < 600;
}

/**
 * A send rapport cut off mid-conversation (its deadline, or the pool or thread it ran on
 * stopped): the server may have had the whole message, so a retry may be a second copy.
 */
export function isUncertainSendError(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return typeof code === "string" && UNCERTAIN_SEND_CODES.has(code);
}

/**
 * The SMTP commands whose 5xx refuses the recipient or this message (nodemailer's names):
 * RCPT TO, and DATA (the DATA command, or the answer after the message). A 5xx anywhere
 * else (the greeting, AUTH, MAIL FROM) says something about our side (credentials, sender
 * domain, our IP): it is retried like any failure, and suppresses no one.
 */
const REFUSING_COMMANDS: ReadonlySet<string> = new Set(["RCPT TO", "DATA"]);

/**
 * What a permanent refusal of the recipient or message said, for the ledger
 * (recordSendRefusal), and its kind (refusal.ts): "hard" suppresses the address, "block"
 * (spam, policy, DMARC, a message too big) fails the message and keeps the address.
 * Null for what is retried instead: a soft 5xx (5.2.2 mailbox full), and a relay or
 * authentication refusal (relayRefusalOf), which our own setup causes and the operator fixes.
 */
export function refusalOf(
  err: unknown,
): { command: string | null; responseCode: number; response: string; kind: "hard" | "block" } | null {
  if (!isPermanentSendError(err)) return null;
  const e = err as { responseCode: number; response?: unknown; command?: unknown; message?: unknown };
  if (typeof e.command !== "string" || !REFUSING_COMMANDS.has(e.command)) return null;
  const response = responseOf(e);
  const status = refusalStatus({ responseCode: e.responseCode, response });
  if (isRelayRefusal(status, response)) return null;
  const kind = refusalKind(status, response);
  // A 5xx that is soft all the same (5.2.2 mailbox full) is retried like a 4xx, and
  // suppresses no one: as when the same answer comes back by mail (refusal.ts).
  if (kind === "soft") return null;
  return { command: e.command, responseCode: e.responseCode, response, kind };
}

/**
 * The answer when our SMTP server refuses to relay for us or wants authentication
 * ("554 5.7.1 <x>: Relay access denied", "530 5.7.0 Authentication required"), at any
 * command; else null. Every recipient would get it: the message is retried with the
 * usual backoff until its give-up time, nobody is suppressed, and the operator is told
 * to check SMTP_URL's credentials and the relay's allowed senders.
 */
export function relayRefusalOf(err: unknown): string | null {
  if (!isPermanentSendError(err)) return null;
  const e = err as { responseCode: number; response?: unknown; message?: unknown };
  const response = responseOf(e);
  return isRelayRefusal(refusalStatus({ responseCode: e.responseCode, response }), response)
    ? response
    : null;
}

function responseOf(e: { responseCode: number; response?: unknown; message?: unknown }): string {
  return typeof e.response === "string" && e.response ? e.response : String(e.message ?? e.responseCode);
}

function toNodemailer(mail: OutgoingMail) {
  return {
    from: mail.from,
    to: mail.to,
    replyTo: mail.replyTo,
    ...(mail.envelopeFrom ? { envelope: { from: mail.envelopeFrom, to: bareAddress(mail.to) } } : {}),
    ...(mail.inReplyTo ? { inReplyTo: mail.inReplyTo, references: [mail.inReplyTo] } : {}),
    subject: mail.subject,
    html: mail.html,
    text: mail.text,
    // Quoted-printable where nodemailer would pick it anyway, without its count over every part.
    ...textEncodingFor(mail),
    messageId: mail.messageId,
    headers: mail.headers,
    // Our own header values are built from validated data; nodemailer still encodes them.
    disableFileAccess: true,
    disableUrlAccess: true,
  };
}

/**
 * The pooled SMTP transport on a thread of its own (sender-thread.ts). Every send has a
 * deadline, counted from when it was handed over (a thread still starting up uses up
 * part of it): the thread aborts a send that passes it; should the thread itself not
 * answer within SENDER_GRACE_MS more, it is terminated (its sockets with it) and started
 * again on the next send. So a send handed to this mailer is over, one way or the other,
 * within deadlineMs + SENDER_GRACE_MS: processDelivery keeps that under the claim's lease.
 */
export const SENDER_GRACE_MS = 2000;
/** A sender thread not up after this long is stopped; its sends fail (nothing was sent). */
const THREAD_START_LIMIT_MS = 30_000;

interface SenderHandle {
  worker: Worker;
  /** Resolves when the thread listens; never rejects (a thread that dies fails its sends). */
  ready: Promise<void>;
}

interface PendingSend {
  ok: (r: SendResult) => void;
  fail: (e: Error) => void;
  worker: Worker;
  /** Handed to the thread (it may have reached the server). */
  posted: boolean;
  backstop?: () => void;
}

function createThreadedSmtpMailer(
  url: string,
  shown: string,
  poolSize: number,
  timeouts: SmtpTimeouts,
  defaultDeadlineMs: number,
  dkim: DkimSigning | undefined,
): Mailer {
  const workerData: SenderThreadData = { url, timeouts, ...(dkim ? { dkim } : {}) };
  const pending = new Map<number, PendingSend>();
  let next = 0;
  let closing = false;
  let current: SenderHandle | null = null;
  const settle = (id: number) => {
    const p = pending.get(id);
    if (p) {
      pending.delete(id);
      p.backstop?.();
    }
    return p;
  };
  // Started again on the next send if it ever stops (its sends fail and are retried).
  const sender = (): SenderHandle => {
    if (current) return current;
    const worker = startModuleThread(moduleThreadUrl(import.meta.url, "./sender-thread"), { workerData });
    let becameReady: () => void = () => {};
    const ready = new Promise<void>((ok) => {
      becameReady = ok;
    });
    const watchdog = setTimeout(() => void worker.terminate(), THREAD_START_LIMIT_MS);
    watchdog.unref();
    worker.on("message", (msg: FromSender) => {
      if ("ready" in msg) {
        clearTimeout(watchdog);
        becameReady();
        return;
      }
      const p = settle(msg.id);
      if (!p) return;
      // The error keeps nodemailer's fields (responseCode: isPermanentSendError reads it).
      if ("error" in msg) p.fail(Object.assign(new Error(msg.error.message), msg.error));
      else p.ok({ response: msg.response });
    });
    let crash = "";
    worker.on("error", (err) => {
      crash = `: ${err.message}`;
    });
    worker.on("exit", () => {
      clearTimeout(watchdog);
      if (current?.worker === worker) current = null;
      for (const [id, p] of [...pending]) {
        if (p.worker !== worker) continue;
        settle(id);
        // Only a send the thread had may have reached the server.
        p.fail(
          Object.assign(new Error(`the SMTP sender thread stopped${crash}`), {
            ...(p.posted ? { code: SENDER_STOPPED_CODE } : {}),
          }),
        );
      }
    });
    current = { worker, ready };
    return current;
  };
  // Started now, not on the first send: loading the thread is not free (from src it
  // compiles TypeScript first), and the first message is often one a person waits for.
  sender();
  return {
    send(mail, opts) {
      if (closing) return Promise.reject(new Error("the mailer is closed"));
      const deadlineMs = Math.max(1, Math.min(opts?.deadlineMs ?? defaultDeadlineMs, defaultDeadlineMs));
      const endAt = Date.now() + deadlineMs;
      return new Promise((ok, fail) => {
        const id = next++;
        const handle = sender();
        const entry: PendingSend = { ok, fail, worker: handle.worker, posted: false };
        pending.set(id, entry);
        void handle.ready.then(() => {
          if (pending.get(id) !== entry) return; // the thread died meanwhile: already failed
          const left = endAt - Date.now();
          if (left <= 0) {
            settle(id);
            fail(
              new Error(
                `the SMTP sender thread was not up within the send's ${deadlineMs} ms; nothing was sent`,
              ),
            );
            return;
          }
          // The thread answers every send by its deadline; one that does not is stuck, and
          // terminating it is the only way to be sure its sockets send nothing more.
          // Its grace after a stop is longer than the thread's, so the thread answers first.
          entry.backstop = setDeadline(
            left + SENDER_GRACE_MS,
            () => {
              if (!settle(id)) return;
              fail(
                Object.assign(
                  new Error(`the SMTP sender thread did not answer within ${deadlineMs} ms; restarted`),
                  {
                    code: SEND_DEADLINE_CODE,
                  },
                ),
              );
              if (current?.worker === handle.worker) current = null;
              void handle.worker.terminate();
            },
            { graceMs: SENDER_GRACE_MS },
          );
          const msg: ToSender = {
            type: "send",
            id,
            mail: toNodemailer(mail),
            deadlineMs: left,
            endAt,
            ...(opts?.thawUntil !== undefined ? { thawUntil: opts.thawUntil } : {}),
          };
          entry.posted = true;
          handle.worker.postMessage(msg);
        });
      });
    },
    async close() {
      closing = true;
      const running = current;
      if (!running) return;
      const exited = new Promise((r) => running.worker.once("exit", r));
      const msg: ToSender = { type: "close" };
      running.worker.postMessage(msg);
      await exited;
    },
    describe: () =>
      `SMTP ${shown} (pool of ${poolSize}, on a sender thread${dkim ? `, ${describeDkim(dkim)}` : ""})`,
  };
}

export interface SmtpMailerOptions {
  poolSize: number;
  timeouts: SmtpTimeouts;
  /** The longest a send may take (SMTP_SEND_DEADLINE_MS); a caller may ask for less. */
  sendDeadlineMs: number;
  /** DKIM-sign every message with this key (DKIM_* settings). */
  dkim?: DkimSigning;
}

/** Defaults of SMTP_CONNECTION_TIMEOUT_MS, SMTP_GREETING_TIMEOUT_MS, SMTP_SOCKET_TIMEOUT_MS, SMTP_SEND_DEADLINE_MS. */
export const SMTP_DEFAULTS = {
  timeouts: { connectionMs: 10_000, greetingMs: 10_000, socketMs: 30_000 },
  sendDeadlineMs: 60_000,
} as const;

export function createSmtpMailer(url: string, opts: SmtpMailerOptions): Mailer {
  // nodemailer reads pool options from the URL's query, beside anything the operator set there.
  const pooled = new URL(url);
  pooled.searchParams.set("pool", "true");
  if (!pooled.searchParams.has("maxConnections"))
    pooled.searchParams.set("maxConnections", String(opts.poolSize));
  // Built here once too, so a URL nodemailer refuses stops rapport at start, as before.
  nodemailer.createTransport(pooled.toString()).close();
  const shown = url.replace(/\/\/[^@/]*@/, "//***@");
  return createThreadedSmtpMailer(
    pooled.toString(),
    shown,
    opts.poolSize,
    opts.timeouts,
    opts.sendDeadlineMs,
    opts.dkim,
  );
}

const describeDkim = (dkim: DkimSigning) =>
  `DKIM-signed as ${dkim.keySelector}._domainkey.${dkim.domainName}`;

/** Safe in a file name on any system: letters, digits and . @ _ + - (anything else becomes _). */
const fileSafe = (s: string, max: number) => s.replace(/[^A-Za-z0-9.@_+-]/g, "_").slice(0, max);

/**
 * `TIME-TEMPLATE-RECIPIENT` (no extension), so `ls var/outbox` reads as a log, oldest first:
 * `2026-11-30T08.35.12Z-thank-you-ada@example.com`. The time is UTC (the Z), without
 * colons (not allowed in file names everywhere).
 */
export function outboxFileName(mail: Pick<OutgoingMail, "to" | "template" | "messageId">, at: Date): string {
  const time = at.toISOString().slice(0, 19).replace(/:/g, ".");
  const template = fileSafe(mail.template ?? "message", 64);
  return `${time}Z-${template}-${fileSafe(bareAddress(mail.to), 100)}`;
}

export function createOutboxMailer(dir: string, opts: { dkim?: DkimSigning } = {}): Mailer {
  // Signed like SMTP mail, so a message in the outbox shows what a receiver would verify.
  const transport = nodemailer.createTransport({
    streamTransport: true,
    buffer: true,
    newline: "unix",
    ...(opts.dkim ? { dkim: nodemailerDkim(opts.dkim) } : {}),
  });
  return {
    async send(mail) {
      await mkdir(dir, { recursive: true });
      const info = await transport.sendMail(toNodemailer(mail));
      // Written whole under a temporary name, then linked to its own: a reader never sees half
      // a message, and a link never replaces a file (two messages named alike in one second
      // get -2, -3, … rather than one overwriting the other).
      const tmp = join(dir, `.${randomUUID()}.tmp`);
      await writeFile(tmp, info.message as Buffer);
      const base = outboxFileName(mail, new Date());
      try {
        for (let n = 1; ; n++) {
          const file = join(dir, n === 1 ? `${base}.eml` : `${base}-${n}.eml`);
          try {
            await link(tmp, file);
            return { response: `written to ${file}` };
          } catch (err) {
            if ((err as NodeJS.ErrnoException).code !== "EEXIST" || n >= 1000) throw err;
          }
        }
      } finally {
        await unlink(tmp).catch(() => {});
      }
    },
    async close() {},
    describe: () => `outbox folder ${dir}${opts.dkim ? `, ${describeDkim(opts.dkim)}` : ""}`,
  };
}
