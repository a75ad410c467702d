/**
 * What the main thread and the SMTP sender thread (sender-thread.ts) say to each other.
 * Types only: both sides import them, so a change to the messages is type-checked on both.
 */
import type { DkimSigning } from "./dkim-options.js";

/** nodemailer's deadlines for each phase of an SMTP conversation (ms). */
export interface SmtpTimeouts {
  /** Connecting, DNS lookup included. */
  connectionMs: number;
  /** From connected to the server's 220 greeting. */
  greetingMs: number;
  /** Silence on an open connection (any command's answer, the 250 after DATA included). */
  socketMs: number;
}

export interface SenderThreadData {
  /** The pooled transport's URL (pool and maxConnections are in its query). */
  url: string;
  timeouts: SmtpTimeouts;
  /** Every message is signed with this key when set (DKIM_* settings). */
  dkim?: DkimSigning;
}

/** The message as nodemailer takes it (see toNodemailer in transport.ts). */
export type NodemailerMail = Record<string, unknown>;

export type ToSender =
  | {
      type: "send";
      id: number;
      mail: NodemailerMail;
      /** The thread gives up on the send after this long and aborts its connection. */
      deadlineMs: number;
      /**
       * The same deadline as wall-clock time (Date.now()): a send the thread gets only
       * after it has passed is not started at all (see sender-thread.ts).
       */
      endAt: number;
      /**
       * Wall-clock time the send may run to, past endAt, when the process was stopped over
       * its deadline (absent: not at all): room for an answer already on its way.
       */
      thawUntil?: number;
    }
  | { type: "close" };

/** nodemailer's error fields that decide what happens next (isPermanentSendError reads them). */
export interface SendErrorFields {
  message: string;
  code?: string;
  responseCode?: number;
  response?: string;
  /** The SMTP command that failed, as nodemailer names it ("RCPT TO", "DATA", "CONN", …). */
  command?: string;
}

export type FromSender =
  /** Sent once, when the thread listens: a send's deadline counts from here on the thread. */
  { ready: true } | { id: number; response: string } | { id: number; error: SendErrorFields };

/** The code an error carries when rapport's own send deadline passed. */
export const SEND_DEADLINE_CODE = "ESENDDEADLINE";
/** A send cut off because another send's deadline closed the pool it ran on. */
export const SEND_ABORTED_CODE = "ESENDABORTED";
/** A send cut off because the sender thread stopped (terminated when it did not answer). */
export const SENDER_STOPPED_CODE = "ESENDERSTOPPED";

/**
 * A send the thread got only after its deadline had passed (the process was stopped, or
 * the thread's queue was that long): nothing of it was sent, so a retry is no duplicate.
 */
export const SEND_NOT_STARTED_CODE = "ESENDNOTSTARTED";

/**
 * Codes of sends cut off by rapport mid-conversation: the server may already have had
 * the whole message, so a retry that goes out may be a second copy.
 */
export const UNCERTAIN_SEND_CODES: ReadonlySet<string> = new Set([
  SEND_DEADLINE_CODE,
  SEND_ABORTED_CODE,
  SENDER_STOPPED_CODE,
]);
