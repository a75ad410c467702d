/**
 * deliveries queue: claim the outbox row, render, send, record.
 *
 * Never twice: the claim is an atomic update, a row already sent is skipped, and a row
 * another attempt holds is left to it. The one window left is a process killed after
 * the SMTP server accepted the message and before the ledger write (milliseconds); the
 * lease then runs out and the message is sent again with the same Message-ID, which
 * receiving systems use to fold duplicates. We choose delivering over losing.
 * Never lost: a transient failure gives the row back and BullMQ retries with backoff;
 * after the last retry the sweeper keeps re-queueing it until sendGiveUpMs has passed.
 *
 * A message is due when it is created, so the job that created it sends it right after
 * the store transaction (deliverNow) instead of handing it to a deliveries job; the
 * deliveries queue takes over only when that first attempt did not finish the message.
 */
import { UnrecoverableError } from "bullmq";
import { earliestSendTime } from "../flows/send-policy.js";
import { isTimeZone } from "../flows/time.js";
import { isPermanentSendError, type OutgoingMail } from "../mail/transport.js";
import type { DeliveryContext } from "../store/store.js";
import { type RenderedMessage, renderMessage } from "../templates/render.js";
import type { JobDeps } from "./deps.js";
import type { DeliveryJob } from "./queues.js";
import { templateDataFor } from "./template-data.js";

export type DeliveryOutcome = "sent" | "already-done" | "missing" | "failed" | "suppressed" | "postponed";

/**
 * The earliest time this message may go out under the brand's send policy: now for
 * transactional messages and team notifications, else the next moment inside the send
 * window (in the customer's time zone, else the brand's) and under the frequency cap.
 */
export async function allowedFrom(
  ctx: DeliveryContext,
  deps: Pick<JobDeps, "brand" | "store" | "clock">,
): Promise<number> {
  const now = deps.clock.now();
  const policy = deps.brand.sendPolicy;
  const { message, customer } = ctx;
  if (message.transactional || message.audience === "team" || (!policy.window && !policy.cap)) return now;
  const sentAt = policy.cap ? await deps.store.relationshipSendTimes(message.id, now - policy.cap.perMs) : [];
  const timezone =
    customer.timezone && isTimeZone(customer.timezone) ? customer.timezone : deps.brand.defaultTimezone;
  return earliestSendTime(policy, { now, timezone, sentAt });
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
  deps: Pick<JobDeps, "brand" | "addresses">,
): OutgoingMail {
  const { message, customer } = ctx;
  const replyAddress = deps.addresses.forMessage(message.id);
  const toTeam = message.audience === "team";
  const headers: Record<string, string> = {
    "X-Rapport-Message": message.id,
    // RFC 3834: automatic, so well-behaved auto-responders (out-of-office) stay silent.
    "Auto-Submitted": "auto-generated",
  };
  if (!toTeam) {
    // RFC 2369 / RFC 8058: the mail program's own "unsubscribe" button, answered by the inbound side.
    headers["List-Unsubscribe"] = `<mailto:${replyAddress}?subject=unsubscribe>`;
  }
  return {
    from: deps.brand.from,
    to: message.toAddress,
    replyTo: toTeam ? customer.email : replyAddress,
    envelopeFrom: replyAddress,
    subject: rendered.subject,
    html: rendered.html,
    text: rendered.text,
    messageId: message.messageIdHeader,
    headers,
  };
}

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err)).slice(0, 2000);

export async function processDelivery(data: DeliveryJob, deps: JobDeps): Promise<DeliveryOutcome> {
  const { store, clock } = deps;
  const claim = await store.claimMessage(data.messageId, clock.now(), deps.sendLeaseMs);
  if (claim.outcome === "missing") return "missing";
  if (claim.outcome === "done") return "already-done";
  if (claim.outcome === "busy") throw new MessageBusyError(data.messageId, claim.message.leaseUntil);

  const fail = async (reason: string): Promise<never> => {
    await store.failMessage(data.messageId, reason, clock.now());
    throw new UnrecoverableError(reason);
  };

  const ctx = await store.deliveryContext(data.messageId);
  if (!ctx) return fail("the message's customer is missing from the store");
  if (ctx.suppression) {
    // Not an error: the address bounced, complained or unsubscribed; the row says why.
    const { reason, createdAt } = ctx.suppression;
    await store.suppressMessage(
      data.messageId,
      `not sent: ${ctx.message.toAddress} is suppressed (${reason.replace("_", " ")} on ${new Date(createdAt).toISOString()})`,
      clock.now(),
    );
    return "suppressed";
  }
  const notBefore = await allowedFrom(ctx, deps);
  if (notBefore > clock.now()) {
    const reason = `postponed to ${new Date(notBefore).toISOString()} (send window or frequency cap)`;
    await store.postponeMessage(data.messageId, notBefore, reason, clock.now());
    await deps.queues.postponeDelivery(data.messageId, notBefore, notBefore - clock.now());
    return "postponed";
  }
  const template = deps.templates.get(ctx.message.template);
  if (!template) return fail(`template "${ctx.message.template}" is not in config/templates`);

  let rendered: ReturnType<typeof renderMessage>;
  try {
    rendered = renderMessage(template, templateDataFor(ctx, deps.brand, deps.addresses));
  } catch (err) {
    return fail(`could not render: ${errorText(err)}`);
  }

  try {
    const result = await deps.mailer.send(outgoingMail(ctx, rendered, deps));
    await store.markSent(data.messageId, {
      subject: rendered.subject,
      smtpResponse: result.response,
      now: clock.now(),
    });
    return "sent";
  } catch (err) {
    if (isPermanentSendError(err)) return fail(`refused by the mail server: ${errorText(err)}`);
    const age = clock.now() - ctx.message.createdAt;
    if (age > deps.sendGiveUpMs)
      return fail(`gave up after ${Math.round(age / 3600_000)} h: ${errorText(err)}`);
    await store.releaseMessage(data.messageId, errorText(err), clock.now());
    throw err;
  }
}

/**
 * The first attempt at a message just written to the outbox, made by the job that wrote
 * it (one queue job fewer per message). The claim makes this safe beside any deliveries
 * job. If the attempt fails transiently (the row is given back) or finds the claim
 * held, the message goes to the deliveries queue after the first backoff delay and
 * continues there; a permanent failure is already on the row. Should even that queueing
 * fail, or the process die before or during the send, the row stays 'queued' (or its
 * lease runs out) and the sweeper queues it.
 */
export async function deliverNow(messageId: string, deps: JobDeps): Promise<void> {
  try {
    await processDelivery({ messageId }, deps);
    return;
  } catch (err) {
    if (err instanceof UnrecoverableError) return;
    deps.logger.warn({ messageId, err: errorText(err) }, "first send attempt failed; queued for retry");
  }
  try {
    await deps.queues.retryDelivery(messageId);
  } catch (err) {
    deps.logger.warn({ messageId, err: errorText(err) }, "could not queue the retry; the sweeper will");
  }
}
