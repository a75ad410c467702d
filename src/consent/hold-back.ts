/**
 * Whether a message may go out now, as the customer's choices and the address's
 * suppression stand at the moment it is about to be sent (not when it was planned: a
 * check-in queued before an unsubscribe is held back).
 *
 * Contract: consentVerdict(input) → { send: true } or { send: false, reason } where the
 * reason is the line the timeline shows. In order:
 *   1. a hard_bounce or complaint suppression of the address holds back every message,
 *      transactional ones and notes to the team included;
 *   2. transactional messages and notes to the team go;
 *   3. anything else is held back when the customer stopped everything (preferences
 *      all: false), when the address has an `unsubscribe` suppression (the reply and
 *      mailto paths), or when the customer turned off the message's topic;
 *   4. otherwise it goes.
 * customerPolicy(policy, preferences) is the send policy for this customer: the brand's,
 * with the customer's own frequency limit beside the brand's cap (both must hold).
 * Pure: the reasons' dates come from the rows.
 */
import type { SendPolicy } from "../flows/send-policy.js";
import type { Topic } from "../flows/topics.js";
import type { CustomerRow, MessageRow, SuppressionRow } from "../store/store.js";
import { frequencyCap, type Preferences, SOURCE_WORDS } from "./preferences.js";

export interface ConsentInput {
  message: Pick<MessageRow, "category" | "transactional" | "topic" | "audience" | "toAddress">;
  customer: Pick<CustomerRow, "name" | "email" | "preferences">;
  suppression: Pick<SuppressionRow, "reason" | "createdAt"> | null;
  /** The brand's topics, for their titles. */
  topics: Readonly<Record<string, Topic>>;
}

export type ConsentVerdict = { send: true } | { send: false; reason: string };

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** " on 2026-11-27 (preference page)" for a choice whose time and source are known. */
function whenAndHow(p: Preferences, key: string): string {
  const c = p.changed?.[key];
  return c ? ` on ${day(c.at)} (${SOURCE_WORDS[c.source] ?? c.source})` : "";
}

function whoOf(customer: ConsentInput["customer"]): string {
  return customer.name?.trim().split(/\s+/)[0] || customer.email;
}

export function consentVerdict(input: ConsentInput): ConsentVerdict {
  const { message, customer, suppression } = input;
  if (suppression && suppression.reason !== "unsubscribe") {
    const why = suppression.reason.replace("_", " ");
    return {
      send: false,
      reason: `not sent: ${message.toAddress} is suppressed (${why} on ${new Date(suppression.createdAt).toISOString()})`,
    };
  }
  // Either mark will do: a row written without a category (by hand, a tool) keeps its flag.
  if (message.category === "transactional" || message.transactional || message.audience === "team")
    return { send: true };

  const p = customer.preferences;
  const who = whoOf(customer);
  if (p.all === false) {
    return {
      send: false,
      reason: `held back: ${who} stopped all but transactional emails${whenAndHow(p, "all")}`,
    };
  }
  if (suppression) {
    return {
      send: false,
      reason: `held back: ${message.toAddress} unsubscribed on ${day(suppression.createdAt)}; only transactional emails go`,
    };
  }
  const topic = message.topic;
  if (topic !== null && p.topics?.[topic] === false) {
    const title = input.topics[topic]?.title ?? topic;
    return {
      send: false,
      reason: `held back: ${who} turned off ${title}${whenAndHow(p, `topics.${topic}`)}`,
    };
  }
  return { send: true };
}

/** The brand's policy with the customer's own limit beside its cap (it can only make mail rarer). */
export function customerPolicy(policy: SendPolicy, preferences: Preferences): SendPolicy {
  if (!preferences.frequency) return policy;
  return { ...policy, customerCap: frequencyCap(preferences.frequency) };
}
