/**
 * inbound queue: one stored inbound message becomes one interaction on a customer's
 * timeline, and what follows from it.
 *
 *   understand (parse, classify, new text) → attribute (token, threading, sender)
 *   → an unsubscribe from the customer themselves (suppression.ts decides) goes through
 *     src/consent/unsubscribe.ts first, like every other way of unsubscribing
 *   → record the interaction (+ a suppression when suppression.ts allows one for a report
 *     about a message we sent to that very address; the decision and its reason go in the
 *     interaction's detail either way) and mark the message processed, in one store transaction
 *   → for a person's reply only: bring the reply to the customer's waiting runs, and
 *     record an event (`owner_message` for mail to an owner-only address, `reply`
 *     otherwise) so flows can act on it.
 *
 * Never answer a machine: auto-replies, bounces and complaints are recorded and stop
 * there. Safe to run again: the interaction is recorded once per inbound message (and
 * once per Message-ID: a copy is a duplicate and changes nothing), and every follow-up
 * has a deterministic id (the event id, the reply job id).
 */
import { UnrecoverableError } from "bullmq";
import { unsubscribe } from "../consent/unsubscribe.js";
import {
  INBOUND_MESSAGE_ID_PROPERTY,
  OWNER_MESSAGE_EVENT_TYPE,
  REPLY_EVENT_TYPE,
} from "../events/known-types.js";
import { isWaitingForReply } from "../flows/interpreter.js";
import { type Attribution, type AttributionClues, attribute } from "../mail/attribute.js";
import { parseDeliveryStatus, primaryRecipient } from "../mail/dsn.js";
import { MailNotUnderstoodError, MessageTooLargeError } from "../mail/inbound-errors.js";
import { originalHeaders } from "../mail/original-message.js";
import { allAddresses } from "../mail/raw-text.js";
import type { UnderstoodMail } from "../mail/understand.js";
import { unsubscribeChannel } from "../mail/unsubscribe.js";
import type { InboundRow, InteractionRow, MessageRow, NewInteraction } from "../store/store.js";
import type { JobDeps } from "./deps.js";
import { processSms } from "./process-sms.js";
import type { InboundJob } from "./queues.js";
import { decideSuppression, type SuppressionDecision } from "./suppression.js";

export type InboundOutcome = "recorded" | "duplicate" | "missing" | "failed";

/** Longest new text kept on an interaction (and passed to flows); the raw message keeps everything. */
export const MAX_INTERACTION_TEXT = 20_000;

/** Which event a person's mail becomes, for flows to trigger on (listed in src/events/known-types.ts). */
export const OWNER_MESSAGE_EVENT = OWNER_MESSAGE_EVENT_TYPE;
export const REPLY_EVENT = REPLY_EVENT_TYPE;

export function cluesFor(row: Pick<InboundRow, "envelopeTo">, mail: UnderstoodMail): AttributionClues {
  const { parsed, classification } = mail;
  return {
    recipients: [...row.envelopeTo, ...parsed.deliveredTo, ...parsed.to, ...parsed.cc],
    inReplyTo: parsed.inReplyTo,
    references: parsed.references,
    from: parsed.from?.address ?? null,
    originalMessageId: classification.originalMessageId ?? null,
    failedRecipient: classification.bounce?.recipient ?? classification.complaint?.recipient ?? null,
    isReport: classification.kind === "bounce" || classification.kind === "complaint",
  };
}

/** The addresses in the To: of the message a report returns or reports (empty when it is not included). */
export function originalRecipients(mail: UnderstoodMail): string[] {
  const { kind } = mail.classification;
  if (kind !== "bounce" && kind !== "complaint") return [];
  return (originalHeaders(mail.parsed).to ?? []).flatMap((to) => allAddresses(to));
}

/**
 * Every address a DSN gives for its failed recipient (Final- and Original-Recipient): a
 * forward or alias may have changed the final one. Empty for anything but a bounce.
 */
export function dsnRecipients(mail: UnderstoodMail): string[] {
  if (mail.classification.kind !== "bounce" || mail.parsed.report.deliveryStatus.length === 0) return [];
  const failed = primaryRecipient(parseDeliveryStatus(mail.parsed.report.deliveryStatus.join("\n\n")));
  return [failed?.finalRecipient, failed?.originalRecipient].filter((a): a is string => !!a);
}

/** What may no longer be written to because of this message, and why (or why not). */
export function suppressionFor(
  mail: UnderstoodMail,
  who: Attribution,
  message: MessageRow | null,
  customerEmail: string | null,
): SuppressionDecision | null {
  return decideSuppression({
    classification: mail.classification,
    attributedBy: who.by,
    message,
    customerEmail,
    fromAddress: mail.parsed.from?.address ?? null,
    originalTo: originalRecipients(mail),
    alsoNamed: dsnRecipients(mail),
  });
}

export function interactionFor(
  row: InboundRow,
  mail: UnderstoodMail,
  who: Attribution,
  suppression: SuppressionDecision | null = null,
): NewInteraction {
  const { parsed, classification } = mail;
  return {
    kind: classification.kind,
    messageIdHeader: parsed.messageId,
    customerId: who.customerId,
    ownershipId: who.ownershipId,
    messageId: who.messageId,
    runId: who.runId,
    attributedBy: who.by,
    toOwnerAddress: who.toOwnerAddress,
    fromAddress: parsed.from?.address ?? row.envelopeFrom,
    subject: parsed.subject.slice(0, 1000) || null,
    text: mail.newText.slice(0, MAX_INTERACTION_TEXT) || null,
    detail: {
      reason: classification.reason,
      ...(classification.bounce ? { bounce: classification.bounce } : {}),
      ...(classification.complaint ? { complaint: classification.complaint } : {}),
      ...(classification.originalMessageId ? { originalMessageId: classification.originalMessageId } : {}),
      ...(parsed.date !== null ? { date: parsed.date } : {}),
      ...(parsed.attachments.length > 0 ? { attachments: parsed.attachments } : {}),
      source: row.source,
      // Whether this mail stopped mail to an address, and why (or why not): for people reading the timeline.
      ...(suppression ? { suppression } : {}),
    },
    // When it reached us: a Date header is the sender's claim and may be far off.
    occurredAt: row.receivedAt,
  };
}

export async function processInbound(data: InboundJob, deps: JobDeps): Promise<InboundOutcome> {
  const { store, clock } = deps;
  const row = await store.getInbound(data.inboundId);
  if (!row) return "missing";
  if (row.status === "failed") return "failed";
  if (row.source === "sms") return processSms(row, deps);

  let mail: UnderstoodMail;
  try {
    // Workers pass a pool of processes; tools and tests without one understand it here
    // (loaded on demand: mailparser is ~30 MB a process that a worker does not need).
    const understand = deps.understandMail ?? (await import("../mail/understand.js")).understandMail;
    const started = performance.now();
    mail = await understand(row.raw, { maxBytes: deps.inboundMaxBytes });
    deps.metrics?.inboundParsed((performance.now() - started) / 1000);
  } catch (err) {
    // Neither gets better by trying again: the message is failed with the reason (the
    // workers' exhausted handler gives it its customer and logs it at error level).
    if (err instanceof MessageTooLargeError || err instanceof MailNotUnderstoodError) {
      await store.markInboundFailed(row.id, err.message, clock.now());
      throw new UnrecoverableError(err.message);
    }
    throw err;
  }

  const who = await attribute(cluesFor(row, mail), deps.addresses, store);
  const message = who.messageId ? await store.getMessage(who.messageId) : null;
  const customer = who.customerId ? ((await store.getCustomer(who.customerId))?.email ?? null) : null;
  const decision = suppressionFor(mail, who, message, customer);
  // An unsubscribe lands where every other way of asking does (src/consent/unsubscribe.ts),
  // and before the interaction is recorded: should that fail, the message stays 'received'
  // and the retry asks again (idempotent), so a request is never lost between the two.
  if (decision?.applied && decision.as === "unsubscribe" && who.customerId)
    await unsubscribe(deps, who.customerId, null, unsubscribeChannel(mail.parsed));
  const outcome = await store.recordInteraction(
    row.id,
    interactionFor(row, mail, who, decision),
    decision?.applied && decision.as !== "unsubscribe"
      ? { email: decision.email, reason: decision.as }
      : null,
    clock.now(),
  );
  if (outcome.outcome === "duplicate") {
    deps.logger.info({ inboundId: row.id, interactionId: outcome.interaction.id }, "inbound mail was a copy");
    return "duplicate";
  }
  await followUp(outcome.interaction, customer, deps);
  return "recorded";
}

/** Only a person's reply is acted on; machines are recorded and left alone. */
export async function followUp(
  interaction: InteractionRow,
  email: string | null,
  deps: JobDeps,
): Promise<void> {
  if (interaction.kind !== "human_reply" || !interaction.customerId || !email) return;
  const { store, queues, clock } = deps;

  // Bring the reply to the runs it may answer: the run that sent the message it answers if
  // that run waits for a reply, else every run of the customer waiting for one (of this
  // product, if we know it): a customer who answers a question somewhere has answered. The
  // interpreter still has the last word (a reply after the deadline is not taken).
  const waiting = (await store.listWaitingRuns(interaction.customerId)).filter((r) =>
    isWaitingForReply(r.state),
  );
  const answered = waiting.filter((r) => r.id === interaction.runId);
  const runs =
    answered.length > 0
      ? answered
      : waiting.filter(
          (r) => !interaction.ownershipId || !r.ownershipId || r.ownershipId === interaction.ownershipId,
        );
  for (const run of runs) await queues.addReply(run.id, run.seq, interaction.id, interaction.occurredAt);

  const ownership = interaction.ownershipId ? await store.getOwnership(interaction.ownershipId) : null;
  const recorded = await store.recordEvent(
    {
      id: `inbound-${interaction.id}`,
      type: interaction.toOwnerAddress ? OWNER_MESSAGE_EVENT : REPLY_EVENT,
      occurredAt: new Date(interaction.occurredAt).toISOString(),
      customer: { email },
      ...(ownership
        ? {
            product: {
              sku: ownership.product.sku,
              ...(ownership.serial ? { serial: ownership.serial } : {}),
            },
          }
        : {}),
      properties: {
        interactionId: interaction.id,
        subject: interaction.subject,
        text: interaction.text,
        from: interaction.fromAddress,
        ...(interaction.messageId ? { inReplyToMessage: interaction.messageId } : {}),
        // Its Message-ID, so what a flow sends in answer threads under it (process-delivery.ts).
        ...(interaction.messageIdHeader
          ? { [INBOUND_MESSAGE_ID_PROPERTY]: interaction.messageIdHeader }
          : {}),
      },
    },
    clock.now(),
  );
  if (recorded.event.status === "received") await queues.addEvent(recorded.eventId);
}
