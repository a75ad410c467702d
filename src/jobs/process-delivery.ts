/**
 * deliveries queue: claim the outbox row, render, send, record.
 *
 * Never twice: the claim is an atomic update, a row already sent is skipped, and a row
 * another attempt holds is left to it. After the server's 250 the claim is never given
 * back: the ledger write is retried until it lands (recordSent). The one window left is
 * a process killed (or frozen past the lease) after the SMTP server accepted the message
 * and before the ledger write; the lease then runs out and the message is sent again
 * with the same Message-ID, which receiving systems use to fold duplicates. We choose
 * delivering over losing, and the ledger counts such a message as a possible duplicate.
 * Never lost: a transient failure (4xx, network, deadline) gives the row back and BullMQ
 * retries with backoff; after the last retry the sweeper keeps re-queueing it until
 * sendGiveUpMs has passed.
 * Refused for good (5xx at RCPT or after DATA): recorded like an incoming bounce, of its
 * kind (src/mail/refusal.ts), and the message failed. A hard one (5.1.1 no such user)
 * suppresses the address; a block (5.7.x spam, policy, DMARC; a message too big) keeps it.
 * Our own server refusing to relay or asking for authentication ("554 5.7.1 Relay access
 * denied") would refuse every recipient alike: that is the operator's setup, not the
 * address nor this message, so it is retried like a transient failure (backoff, then the
 * sweeper until sendGiveUpMs) and logged at error level once per episode with the fix.
 *
 * The lease is longer than the longest attempt, by construction rather than renewal: a
 * send's deadline is the smaller of SMTP_SEND_DEADLINE_MS and what is left of the lease
 * less SENDER_GRACE_MS and LEASE_MARGIN_MS, and the mailer ends every send (answer, abort,
 * or a terminated sender thread) by deadline + SENDER_GRACE_MS. Renewing would need a
 * store write every few seconds per send and would still fail exactly when it matters (a
 * frozen process renews nothing); a bound needs no writes and holds for any process
 * that is alive.
 *
 * A message is due when it is created, so the job that created it hands its first send
 * to the send pool right after the store transaction (deliverNow) instead of to a
 * deliveries job; the deliveries queue takes over only when that first attempt did not
 * finish the message.
 */
import { UnrecoverableError } from "bullmq";
import { resolveChannel } from "../channels/sms-policy.js";
import { consentVerdict, customerPolicy } from "../consent/hold-back.js";
import { unsubscribeUrlFor } from "../consent/links.js";
import { describeFrequency } from "../consent/preferences.js";
import { INBOUND_MESSAGE_ID_PROPERTY } from "../events/known-types.js";
import { capsOf, earliestSendTime, type SendPolicy, scalePolicy } from "../flows/send-policy.js";
import { isTimeZone } from "../flows/time.js";
import { displayName } from "../mail/display-name.js";
import { RELAY_FIX } from "../mail/relay-refusal-log.js";
import {
  isUncertainSendError,
  type MailAddress,
  type OutgoingMail,
  refusalOf,
  relayRefusalOf,
  SENDER_GRACE_MS,
} from "../mail/transport.js";
import type { ClaimOptions, DeliveryContext, MessageRow } from "../store/store.js";
import { type RenderedMessage, renderMessage } from "../templates/render.js";
import { deliverSms } from "./deliver-sms.js";
import type { JobDeps } from "./deps.js";
import { sendingFor } from "./exhausted.js";
import type { DeliveryJob } from "./queues.js";
import { recordSent } from "./record-sent.js";
import { templateDataFor } from "./template-data.js";

export type DeliveryOutcome = "sent" | "already-done" | "missing" | "failed" | "suppressed" | "postponed";

/**
 * The earliest time this message may go out under the brand's send policy: now for
 * transactional messages and team notifications, else the next moment inside the send
 * window (in the customer's time zone, else the brand's), under the frequency cap and
 * under the customer's own limit (their preferences' frequency), if they set one. With
 * RAPPORT_WAIT_SCALE the caps' periods are scaled and the window is off (scalePolicy).
 */
export async function allowedFrom(
  ctx: DeliveryContext,
  deps: Pick<JobDeps, "brand" | "store" | "clock" | "waitScale">,
  /** The channel's policy: the brand's for email, with the SMS quiet hours for SMS (sms-policy.ts). */
  basePolicy: SendPolicy = deps.brand.sendPolicy,
): Promise<number> {
  const now = deps.clock.now();
  const { message, customer } = ctx;
  // The customer's own limit (their preferences) beside the brand's cap; in demo mode
  // (RAPPORT_WAIT_SCALE) the periods scale like the waits and the window goes.
  const policy = scalePolicy(customerPolicy(basePolicy, customer.preferences), deps.waitScale);
  const { caps, lookbackMs } = capsOf(policy);
  if (message.transactional || message.audience === "team" || (!policy.window && caps.length === 0))
    return now;
  const sentAt = caps.length > 0 ? await deps.store.relationshipSendTimes(message.id, now - lookbackMs) : [];
  const timezone =
    customer.timezone && isTimeZone(customer.timezone) ? customer.timezone : deps.brand.defaultTimezone;
  return earliestSendTime(policy, { now, timezone, sentAt });
}

/**
 * Whether a message is outside the frequency cap: transactional, or not to the customer
 * (a note to the team). Such a claim needs no turn among the customer's (messages.ts).
 */
export function outsideTheCap(m: Pick<MessageRow, "transactional" | "audience">): boolean {
  return m.transactional || m.audience !== "customer";
}

/** Thrown when another attempt holds the claim: BullMQ retries later. */
export class MessageBusyError extends Error {
  constructor(id: string, until: number | null) {
    super(
      `message ${id} is being sent by another attempt (claim until ${until ? new Date(until).toISOString() : "?"})`,
    );
    this.name = "MessageBusyError";
  }
}

/**
 * The envelope and headers of one message. Its own reply address is both the Reply-To
 * (answers come home, attributed to it) and the envelope sender (VERP: bounces come home
 * to the same address, so they are attributed to the exact message that bounced).
 * A team notification is answered straight to the customer instead.
 */
export function outgoingMail(
  ctx: DeliveryContext,
  rendered: RenderedMessage,
  deps: Pick<JobDeps, "brand" | "addresses" | "consentLinks">,
): OutgoingMail {
  const { message, customer } = ctx;
  const replyAddress = deps.addresses.forMessage(message.id);
  const toTeam = message.audience === "team";
  const headers: Record<string, string> = {
    "X-Rapport-Message": message.id,
    // RFC 3834: automatic, so well-behaved auto-responders (out-of-office) stay silent.
    "Auto-Submitted": "auto-generated",
  };
  const unsubscribeUrl = unsubscribeUrlFor(message, deps.consentLinks);
  if (unsubscribeUrl) Object.assign(headers, listUnsubscribeHeaders(unsubscribeUrl, replyAddress));
  const inReplyTo = toTeam ? null : answeredMessageId(ctx);
  return {
    from: deps.brand.from,
    // Display names as address objects: nodemailer quotes and encodes them (no header injection).
    to: toTeam ? message.toAddress : named(customer.name, message.toAddress),
    // A customer answering sees the brand's name; the team answering sees the customer's.
    replyTo: toTeam ? named(customer.name, customer.email) : named(deps.brand.name, replyAddress),
    envelopeFrom: replyAddress,
    subject: rendered.subject,
    html: rendered.html,
    text: rendered.text,
    messageId: message.messageIdHeader,
    ...(inReplyTo ? { inReplyTo } : {}),
    template: message.template,
    headers,
  };
}

/** `{ name, address }` with the name made safe to show (display-name.ts), or the bare address without one. */
function named(name: string | null, address: string): MailAddress {
  const shown = name ? displayName(name) : "";
  return shown ? { name: shown, address } : address;
}

/** A Message-ID as it may go in In-Reply-To: one `<…>` with no space, control or bracket inside. */
const MESSAGE_ID = /^<[^<>\s\p{Cc}]{1,250}>$/u;

/**
 * The Message-ID of the mail a message answers: what a step sends in the advance that took
 * the customer's reply (wait_for_reply's on_reply) answers that reply, and a run started
 * by mail a person sent us (an owner_message or reply event, process-inbound.ts) answers
 * that mail, so the answer threads under it in the customer's mail program. It came from outside:
 * used only when it is a well-formed Message-ID.
 */
export function answeredMessageId(ctx: Pick<DeliveryContext, "event" | "message">): string | null {
  // A step taken because the customer replied (after wait_for_reply) answers that reply;
  // else a run started by their mail answers the mail.
  for (const id of [ctx.message.inReplyTo, ctx.event?.body.properties?.[INBOUND_MESSAGE_ID_PROPERTY]])
    if (typeof id === "string" && MESSAGE_ID.test(id)) return id;
  return null;
}

/**
 * RFC 2369 + RFC 8058, on every non-transactional message to a customer: the mail
 * program's own "unsubscribe" button. The https link is POSTed to by the mailbox provider
 * (one click, answered by src/http/unsubscribe-route.ts); the mailto, for programs that
 * only write mail, reaches the inbound side as an unsubscribe request. Both land in
 * src/consent/unsubscribe.ts.
 *
 * Raw headers rather than nodemailer's `list` option: it has no List-Unsubscribe-Post,
 * and it would rewrite a URL it does not like instead of refusing it. Both values are
 * ours (a validated RAPPORT_PUBLIC_URL, a base64url token, a base32 reply address), and
 * are checked once more here: nothing in them may end the bracket or the header line.
 */
export function listUnsubscribeHeaders(url: string, mailto: string): Record<string, string> {
  for (const part of [url, mailto]) {
    if (!/^[\x21-\x7e]+$/.test(part) || /[<>,"]/.test(part))
      throw new Error(
        `refusing to put ${JSON.stringify(part)} in List-Unsubscribe: not a plain URL or address`,
      );
  }
  return {
    "List-Unsubscribe": `<${url}>, <mailto:${mailto}?subject=unsubscribe>`,
    "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
  };
}

/** Time kept free at the end of a lease for a slow event loop and the ledger write. */
export const LEASE_MARGIN_MS = 30_000;

/**
 * How close to the lease's end a send stopped over its deadline (SIGSTOP, a frozen VM) may
 * still read an answer after waking: smaller than LEASE_MARGIN_MS, which keeps room for a
 * slow event loop on every send, because this is a second chance given only after a stop.
 * The lease must still leave room for the ledger write that follows a late 250. With
 * LEASE_MARGIN_MS here a send claimed a few seconds before a 35 s stop on a 60 s lease got
 * no grace at all, and a 250 already on its way counted as uncertain and was sent twice.
 */
export const THAW_LEASE_MARGIN_MS = 10_000;

/** Until when (Date.now()) a send may run after a stop: see THAW_LEASE_MARGIN_MS. */
export function thawDeadline(leaseUntil: number): number {
  return leaseUntil - THAW_LEASE_MARGIN_MS;
}

/** Thrown when the claim has too little lease left for a send to fit in it. */
export class LeaseTooShortError extends Error {
  constructor(id: string, leftMs: number) {
    super(`message ${id}: only ${leftMs} ms of the claim's lease left, too little for a send; retried later`);
    this.name = "LeaseTooShortError";
  }
}

/** How long this send may take: inside the claim's lease, with room to spare (see the top). */
export function sendDeadline(leaseUntil: number, now: number, configuredMs: number | undefined): number {
  const fits = leaseUntil - now - SENDER_GRACE_MS - LEASE_MARGIN_MS;
  return configuredMs === undefined ? fits : Math.min(configuredMs, fits);
}

/** The release option that gives the row back only while this attempt's claim holds. */
export const ownClaim = (m: { leaseUntil: number | null }) =>
  m.leaseUntil === null ? {} : { leaseUntil: m.leaseUntil };

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err)).slice(0, 2000);

export async function processDelivery(
  data: DeliveryJob,
  deps: JobDeps,
  /** What the caller knows of the message (deliverNow: whether it is outside the frequency cap). */
  claimOpts: ClaimOptions = {},
): Promise<DeliveryOutcome> {
  const { store, clock } = deps;
  const claim = await store.claimMessage(data.messageId, clock.now(), deps.sendLeaseMs, claimOpts);
  if (claim.outcome === "missing") return "missing";
  if (claim.outcome === "done") return "already-done";
  if (claim.outcome === "busy") throw new MessageBusyError(data.messageId, claim.message.leaseUntil);

  const fail = async (reason: string): Promise<never> => {
    await store.failMessage(data.messageId, reason, clock.now());
    throw new UnrecoverableError(reason);
  };

  const ctx = claim.context ?? (await store.deliveryContext(data.messageId));
  if (!ctx) return fail("the message's customer is missing from the store");
  const channel = resolveChannel(ctx.message.channel, ctx.customer, ctx.smsSuppression);
  if (channel === "sms") return deliverSms(ctx, claim.message.leaseUntil ?? 0, deps, fail);
  if (ctx.message.channel === "preferred")
    await store.addressMessage(data.messageId, "email", ctx.customer.email, clock.now());
  // The customer's choices and the address as they are now, just before sending: a
  // message planned before an unsubscribe is held back (hold-back.ts has the rules).
  const verdict = consentVerdict({ ...ctx, topics: deps.brand.topics });
  if (!verdict.send) {
    // Not an error: the row says why, and the timeline shows it.
    await store.suppressMessage(data.messageId, verdict.reason, clock.now());
    return "suppressed";
  }
  const notBefore = await allowedFrom(ctx, deps);
  if (notBefore > clock.now()) {
    const own = ctx.customer.preferences.frequency;
    const rules = own
      ? `send window, frequency cap or the customer's limit of ${describeFrequency(own)}`
      : "send window or frequency cap";
    const reason = `postponed to ${new Date(notBefore).toISOString()} (${rules})`;
    await store.postponeMessage(data.messageId, notBefore, reason, clock.now());
    await deps.queues.postponeDelivery(data.messageId, notBefore, notBefore - clock.now());
    return "postponed";
  }
  const template = deps.templates.get(ctx.message.template);
  if (!template) return fail(`template "${ctx.message.template}" is not in config/templates`);

  let rendered: ReturnType<typeof renderMessage>;
  try {
    rendered = renderMessage(template, templateDataFor(ctx, deps.brand, deps.addresses, deps.consentLinks));
  } catch (err) {
    return fail(`could not render: ${errorText(err)}`);
  }

  let mail: OutgoingMail;
  try {
    mail = outgoingMail(ctx, rendered, deps);
  } catch (err) {
    return fail(`could not build the message: ${errorText(err)}`);
  }

  const deadlineMs = sendDeadline(claim.message.leaseUntil ?? 0, clock.now(), deps.sendDeadlineMs);
  if (deadlineMs <= 0) {
    const err = new LeaseTooShortError(data.messageId, deadlineMs);
    await store.releaseMessage(data.messageId, err.message, clock.now(), ownClaim(claim.message));
    throw err;
  }

  let smtpResponse: string;
  const sendStarted = performance.now();
  const took = () => (performance.now() - sendStarted) / 1000;
  try {
    // After a stop (SIGSTOP, a frozen VM) the send may run past its deadline to read an
    // answer already on its way, but never into the lease's last THAW_LEASE_MARGIN_MS.
    const thawUntil = thawDeadline(claim.message.leaseUntil ?? 0);
    smtpResponse = (await deps.mailer.send(mail, { deadlineMs, thawUntil })).response;
    deps.metrics?.sendFinished(took(), "sent", "email");
    deps.relayRefusals?.accepted();
  } catch (err) {
    const refusal = refusalOf(err);
    deps.metrics?.sendFinished(took(), refusal ? "refused" : "failed", "email");
    if (refusal) {
      await store.recordSendRefusal(data.messageId, refusal, clock.now());
      deps.logger.warn(
        {
          messageId: data.messageId,
          to: ctx.message.toAddress,
          response: refusal.response,
          kind: refusal.kind,
        },
        refusal.kind === "hard"
          ? "the mail server refused the message for good: address suppressed (hard bounce)"
          : "the mail server refused the message for good: blocked (the sender or the message, not the address, which is kept)",
      );
      throw new UnrecoverableError(`refused by the mail server: ${refusal.response}`);
    }
    const relay = relayRefusalOf(err);
    if (relay) {
      const context = { messageId: data.messageId, to: ctx.message.toAddress };
      if (deps.relayRefusals) deps.relayRefusals.refused(relay, context);
      else deps.logger.error({ ...context, response: relay }, RELAY_FIX);
    }
    const age = sendingFor(ctx.message, clock.now());
    if (age > deps.sendGiveUpMs)
      return fail(`gave up after ${Math.round(age / 3600_000)} h: ${errorText(err)}`);
    await store.releaseMessage(data.messageId, errorText(err), clock.now(), {
      uncertain: isUncertainSendError(err),
      ...ownClaim(claim.message),
    });
    throw err;
  }
  // The server has it: from here on the claim is never released (see recordSent).
  await recordSent(
    store,
    data.messageId,
    { subject: rendered.subject, smtpResponse, now: () => clock.now() },
    { logger: deps.logger, ...(deps.ledgerRetry ? { retry: deps.ledgerRetry } : {}) },
  );
  return "sent";
}

/**
 * The first attempt at a message just written to the outbox, made beside the job that
 * wrote it (one queue job fewer per message). With a send pool (the worker has one) the
 * attempt runs there and this returns at once; a full pool hands the message to the
 * deliveries queue. Without one (tools, tests) the attempt runs inline. The claim makes
 * the attempt safe beside any deliveries job. If it fails transiently (the row is given
 * back) or finds the claim held, the message goes to the deliveries queue after the
 * first backoff delay and continues there; a permanent failure is already on the row.
 * Should even that queueing fail, or the process die before or during the send, the row
 * stays 'queued' (or its lease runs out) and the sweeper queues it.
 */
export async function deliverNow(
  messageId: string,
  deps: JobDeps,
  claimOpts: ClaimOptions = {},
): Promise<void> {
  if (!deps.sendPool) return firstAttempt(messageId, deps, claimOpts);
  if (deps.sendPool.submit(messageId, claimOpts)) return;
  deps.logger.debug({ messageId, ...deps.sendPool.size() }, "send pool full; first send queued");
  // Not a failure: due now, so no backoff delay (a burst that filled the pool would
  // otherwise wait RAPPORT_RETRY_BASE_MS for nothing).
  await queueDelivery(messageId, deps, "now");
}

/** The send pool's task (see createSendPool in main.ts). Never rejects. */
export async function firstAttempt(
  messageId: string,
  deps: JobDeps,
  claimOpts: ClaimOptions = {},
): Promise<void> {
  try {
    await processDelivery({ messageId }, deps, claimOpts);
    return;
  } catch (err) {
    if (err instanceof UnrecoverableError) {
      // Failed for good (refused, unrenderable, given up): the row says why. No deliveries
      // job follows, so the error-level line exhausted.ts writes for a job is written here.
      deps.logger.error({ messageId, reason: err.message }, "message failed");
      return;
    }
    deps.logger.warn({ messageId, err: errorText(err) }, "first send attempt failed; queued for retry");
  }
  await queueDelivery(messageId, deps, "after backoff");
}

/** Hands the message to the deliveries queue; should even that fail, the sweeper queues it. */
async function queueDelivery(messageId: string, deps: JobDeps, when: "now" | "after backoff"): Promise<void> {
  try {
    if (when === "now") await deps.queues.addDelivery(messageId);
    else await deps.queues.retryDelivery(messageId);
  } catch (err) {
    deps.logger.warn({ messageId, err: errorText(err) }, "could not queue the delivery; the sweeper will");
  }
}
