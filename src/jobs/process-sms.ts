/**
 * inbound queue, source sms: one incoming text (stored first by the /sms/inbound route)
 * becomes an interaction on the customer's timeline, and what follows from it.
 *
 *   attribute: the customer by phone number, the message by the latest SMS we sent to it
 *   (its run and product); a text from an unknown number is recorded unattributed.
 *   STOP and its relatives (sms-keywords.ts): the number is stopped at once (no SMS goes
 *     to it, transactional included) and gets one confirmation; recorded as an unsubscribe.
 *   START: the STOP is lifted; HELP: the brand's help text. Both recorded, neither a reply.
 *   Keywords are recorded as handled (by rapport, on arrival): the dashboard's inbox is for
 *   texts a person must read, not for HELP, START or STOP.
 *   Anything else is the customer's reply: recorded like an email reply and brought to
 *   their runs waiting for one (followUp: the run of the SMS it answers first), with a
 *   `reply` event, so `reply.text: { matches: … }` branches on it.
 *
 * The confirmation and the help text go straight through the SMS channel, not through a
 * flow: they answer the customer, at once, whatever the quiet hours. The confirmation is
 * sent when the STOP is new, so a repeated job or a second STOP does not send another.
 */
import { smsKeyword } from "../channels/sms-keywords.js";
import type { InboundRow, NewInteraction } from "../store/store.js";
import type { JobDeps } from "./deps.js";
import { followUp, type InboundOutcome, MAX_INTERACTION_TEXT } from "./process-inbound.js";

/** What the /sms/inbound route stores as the inbound row's raw content. */
export interface IncomingSms {
  /** The customer's number, E.164. */
  from: string;
  /** Our number the text was sent to. */
  to: string;
  text: string;
  /** The gateway's id of the message (Kannel's, Twilio's MessageSid), when it gave one. */
  gatewayId: string | null;
  /**
   * The gateway's webhook answered the keyword already (Twilio: in its TwiML reply, or by
   * Twilio's own opt-out handling), so the job sends no confirmation or help text.
   */
  answered?: boolean;
}

export function smsHelpText(brand: JobDeps["brand"]): string {
  const contact = brand.supportAddress
    ? ` Help: ${brand.supportAddress.replace(/^.*<([^>]+)>.*$/, "$1")}.`
    : "";
  return `${brand.name}: texts about the products you registered with us.${contact} Reply STOP to stop, START to start again.`;
}

export function smsStopText(brand: JobDeps["brand"]): string {
  return `${brand.name}: you will get no more texts from us. Reply START to start again.`;
}

async function answer(deps: JobDeps, sms: IncomingSms, inboundId: string, text: string): Promise<void> {
  if (!deps.sms) return;
  try {
    await deps.sms.channel.send(
      { messageId: `answer-${inboundId}`, to: sms.from, from: deps.sms.from, text },
      { deadlineMs: deps.sms.deadlineMs },
    );
  } catch (err) {
    // The keyword itself is done (stored, recorded); a lost answer is logged, not retried
    // (retrying the job would not send it: the STOP is no longer new).
    deps.logger.warn(
      { inboundId, to: sms.from, err: (err as Error).message },
      "could not answer an SMS keyword",
    );
  }
}

export async function processSms(row: InboundRow, deps: JobDeps): Promise<InboundOutcome> {
  const { store, clock } = deps;
  const sms = JSON.parse(row.raw.toString("utf8")) as IncomingSms;
  const customer = await store.findCustomerByPhone(sms.from);
  const message = await store.latestSmsTo(sms.from);
  const keyword = smsKeyword(sms.text);
  const newlyStopped = keyword === "stop" ? await store.stopSms(sms.from, sms.text, clock.now()) : false;
  if (keyword === "start") await store.startSms(sms.from);

  const attributed = customer !== null && (message === null || message.customerId === customer.id);
  const interaction: NewInteraction = {
    kind: keyword === "stop" ? "unsubscribe" : "human_reply",
    messageIdHeader: null,
    customerId: customer?.id ?? null,
    ownershipId: attributed ? (message?.ownershipId ?? null) : null,
    messageId: attributed ? (message?.id ?? null) : null,
    runId: attributed ? (message?.runId ?? null) : null,
    attributedBy: customer ? (message && attributed ? "sms-latest-message" : "sms-phone") : null,
    toOwnerAddress: false,
    fromAddress: sms.from,
    subject: null,
    text: sms.text.slice(0, MAX_INTERACTION_TEXT),
    detail: { channel: "sms", to: sms.to, gatewayId: sms.gatewayId, ...(keyword ? { keyword } : {}) },
    occurredAt: row.receivedAt,
    // Answered (or acted on) here and now: nothing for a person in the dashboard's inbox.
    handledAt: keyword ? clock.now() : null,
  };
  const outcome = await store.recordInteraction(row.id, interaction, null, clock.now());
  if (outcome.outcome === "duplicate") return "duplicate";
  if (newlyStopped && !sms.answered) await answer(deps, sms, row.id, smsStopText(deps.brand));
  else if (keyword === "help" && !sms.answered) await answer(deps, sms, row.id, smsHelpText(deps.brand));
  else if (keyword === null) await followUp(outcome.interaction, customer?.email ?? null, deps);
  return "recorded";
}
