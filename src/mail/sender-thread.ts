/**
 * The SMTP sender thread: a pooled nodemailer transport, run by worker_threads (see
 * createSmtpMailer in transport.ts), so MIME building and encoding happen beside the
 * event loop that serves HTTP, the store and the queues instead of on it.
 *
 * Contract: each `send` gets exactly one answer (a response or an error). A send not
 * answered within its deadline is answered with SEND_DEADLINE_CODE and its transport
 * is closed with force, so nothing of it can still reach the server after that: the
 * caller's claim on the message holds longer than the deadline, which is what keeps
 * a stalled send from overlapping a retry (see processDelivery).
 */
import { type MessagePort, parentPort, workerData } from "node:worker_threads";
import nodemailer, { type Transporter } from "nodemailer";
import { setDeadline } from "../infra/deadline-timer.js";
import { nodemailerDkim } from "./dkim-options.js";
import {
  type FromSender,
  SEND_ABORTED_CODE,
  SEND_DEADLINE_CODE,
  SEND_NOT_STARTED_CODE,
  type SendErrorFields,
  type SenderThreadData,
  type ToSender,
} from "./sender-protocol.js";
import { watchThaw } from "./thaw-sockets.js";

/** nodemailer options for the pooled transport; exported for the unit test. */
export function transportOptions(data: SenderThreadData) {
  return {
    url: data.url,
    connectionTimeout: data.timeouts.connectionMs,
    greetingTimeout: data.timeouts.greetingMs,
    socketTimeout: data.timeouts.socketMs,
    dnsTimeout: Math.min(data.timeouts.connectionMs, 30_000),
    // A dropped connection fails the send instead of nodemailer sending it again on its own:
    // rapport's ledger decides about retries (and counts the ones that may be duplicates).
    maxRequeues: 0,
    ...(data.dkim ? { dkim: nodemailerDkim(data.dkim) } : {}),
  };
}

/**
 * How long a send stopped over its deadline may still take after waking (see above):
 * below SENDER_GRACE_MS, the main thread's own wait for the thread after a stop.
 */
export const THAW_GRACE_MS = 1000;

export function errorFields(err: unknown): SendErrorFields {
  const e = (err ?? {}) as Record<string, unknown>;
  return {
    message: String(e.message ?? err),
    ...(typeof e.code === "string" ? { code: e.code } : {}),
    ...(typeof e.responseCode === "number" ? { responseCode: e.responseCode } : {}),
    ...(typeof e.response === "string" ? { response: e.response } : {}),
    ...(typeof e.command === "string" ? { command: e.command } : {}),
  };
}

export function runSender(port: MessagePort, data: SenderThreadData): void {
  const create = (): Transporter => nodemailer.createTransport(transportOptions(data));
  let transport = create();
  // Transports closed by a deadline: their other sends' failures are ours, not the server's.
  const aborted = new WeakSet<Transporter>();
  const answer = (msg: FromSender) => port.postMessage(msg);
  port.on("message", (msg: ToSender) => {
    if (msg.type === "close") {
      transport.close();
      port.close();
      return;
    }
    // Counted from the caller's clock, not from now: a send posted just before the process
    // was stopped (SIGSTOP, a frozen VM) and read here after it woke may be past its
    // deadline already, and the caller's claim on the message may have lapsed meanwhile.
    // Starting it then would race the caller's backstop (a cut-off send counts as perhaps
    // delivered, and its retry as a possible duplicate); refusing it sends nothing.
    const left = Math.min(msg.deadlineMs, msg.endAt - Date.now());
    if (left <= 0) {
      answer({
        id: msg.id,
        error: {
          message: `the send reached the SMTP sender thread ${-left} ms after its deadline (was the process stopped?); nothing was sent`,
          code: SEND_NOT_STARTED_CODE,
        },
      });
      return;
    }
    const used = transport;
    let answered = false;
    // A deadline that a stopped process (SIGSTOP) wakes up past still reads the server's
    // answer that came meanwhile first (see deadline-timer.ts). A conversation the stop
    // froze mid-message finishes writing only on waking, and the server's 250 follows a
    // moment later: cutting it off then would count a delivered message as uncertain and
    // send it again. So after a stop the send gets THAW_GRACE_MS more, never past thawUntil
    // (inside the claim's lease: see processDelivery).
    const cancelDeadline = setDeadline(
      left,
      () => {
        if (answered) return;
        answered = true;
        answer({
          id: msg.id,
          error: {
            message: `the SMTP server did not finish the send within ${left} ms (SMTP_SEND_DEADLINE_MS); connection aborted`,
            code: SEND_DEADLINE_CODE,
          },
        });
        // Sends on the same pool fail now too (and are retried): better than one that may
        // still deliver after its claim is gone.
        if (transport === used) transport = create();
        aborted.add(used);
        (used.close as (opts?: { force?: boolean }) => void)({ force: true });
      },
      { graceMs: msg.thawUntil === undefined ? 0 : THAW_GRACE_MS, graceUntil: msg.thawUntil ?? 0 },
    );
    used.sendMail(msg.mail).then(
      (info: { response?: unknown }) => {
        cancelDeadline();
        if (answered) return;
        answered = true;
        answer({ id: msg.id, response: String(info.response ?? "") });
      },
      (err: unknown) => {
        cancelDeadline();
        if (answered) return;
        answered = true;
        const fields = errorFields(err);
        answer({
          id: msg.id,
          error:
            aborted.has(used) && fields.responseCode === undefined
              ? { ...fields, code: SEND_ABORTED_CODE, message: `aborted with the pool: ${fields.message}` }
              : fields,
        });
      },
    );
  });
  answer({ ready: true });
}

if (parentPort) {
  // A stop (SIGSTOP) must not time out a connection whose answer is already waiting.
  watchThaw();
  runSender(parentPort, workerData as SenderThreadData);
}
