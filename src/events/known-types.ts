/**
 * The event types something is known to send, and who sends them: rapport itself (mail that
 * came home, a customer's changed choices) and the shop events the README documents. The
 * event API takes any type (`review`, `signup`, …) and a broadcast raises its flow's own
 * trigger type, so this list is not a limit: `rapport validate` uses it to catch a flow
 * listening for a misspelt type (`purchse`), and to say when mail rapport raises an event
 * for is heard by no flow.
 */
import { PREFERENCE_CHANGED_EVENT } from "../consent/preferences.js";
import { OWNERSHIP_END_TYPE, OWNERSHIP_START_TYPES } from "./event-body.js";

export interface KnownEventType {
  type: string;
  /** Who sends it, for messages: "rapport, when …" or "registration forms and shops". */
  source: string;
  /** Raised by rapport for people writing to us: a config in which no flow hears it leaves them unanswered. */
  fromPeople: boolean;
}

/** The types rapport raises on inbound mail (src/jobs/process-inbound.ts raises them). */
export const REPLY_EVENT_TYPE = "reply";
export const OWNER_MESSAGE_EVENT_TYPE = "owner_message";
/**
 * The property of those events holding the Message-ID of the mail that raised them, so
 * what a flow sends in answer threads under it (src/jobs/process-delivery.ts).
 */
export const INBOUND_MESSAGE_ID_PROPERTY = "inboundMessageId";

export const KNOWN_EVENT_TYPES: readonly KnownEventType[] = [
  ...[...OWNERSHIP_START_TYPES, OWNERSHIP_END_TYPE].map((type) => ({
    type,
    source: "registration forms and shops (POST /v1/events)",
    fromPeople: false,
  })),
  {
    type: REPLY_EVENT_TYPE,
    source: "rapport, when a person replies to one of our messages",
    fromPeople: true,
  },
  {
    type: OWNER_MESSAGE_EVENT_TYPE,
    source: "rapport, when an owner writes to their owner line",
    fromPeople: true,
  },
  {
    type: PREFERENCE_CHANGED_EVENT,
    source: "rapport, when a customer changes their choices",
    fromPeople: false,
  },
];
