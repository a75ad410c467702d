/**
 * What Twilio's answers mean for rapport: its error codes, its message statuses, and the
 * keywords it answers itself. From Twilio's documentation (www.twilio.com/docs/api/errors,
 * "Track the Message Status of Outbound Messages", "Opt-out keywords (SMS STOP filtering)").
 *
 *   numberRefusalFor(code)      the codes that blame the number, not the message or us:
 *     21211 invalid 'To' number, 21614 'To' is not a mobile number, 30005 unknown
 *     destination handset (no longer in service), 30006 landline or unreachable carrier:
 *     "number" (no SMS to it again); 21610 the recipient texted STOP to our sender at
 *     Twilio: "stopped" (as our own STOP, so a START lifts it). 30003 (handset switched
 *     off or out of coverage) and 30007 (filtered as spam) are not the number's fault.
 *   deliveryStatusFor(status, code)  a status callback as a delivery report: delivered
 *     (and read); sent (handed to the carrier) → accepted; undelivered / failed → failed
 *     when the code blames the number (the number is suppressed), else rejected (the
 *     message failed, the number stays); queued, accepting, sending, scheduled: null (no
 *     news; the report is acknowledged and not recorded).
 *   twilioAnswersKeyword(text)  true for the English words Twilio's default opt-out
 *     handling replies to itself (STOP, START, HELP and their listed relatives): rapport
 *     records and applies them but sends no second answer.
 */
import type { SmsDeliveryStatus } from "../store/store.js";
import type { NumberRefusal } from "./channel.js";

const NUMBER_CODES = new Set([21211, 21614, 30005, 30006]);

export function numberRefusalFor(code: number | null): NumberRefusal | null {
  if (code === 21610) return "stopped";
  return code !== null && NUMBER_CODES.has(code) ? "number" : null;
}

export const TWILIO_STATUSES = [
  "queued",
  "accepted",
  "scheduled",
  "sending",
  "sent",
  "delivered",
  "read",
  "undelivered",
  "failed",
  "canceled",
  "receiving",
  "received",
] as const;

export function deliveryStatusFor(status: string, code: number | null): SmsDeliveryStatus | null | undefined {
  switch (status) {
    case "delivered":
    case "read":
      return "delivered";
    case "sent":
      return "accepted";
    case "undelivered":
    case "failed":
      return numberRefusalFor(code) === "number" ? "failed" : "rejected";
    case "canceled":
      return "rejected";
    case "queued":
    case "accepted":
    case "scheduled":
    case "sending":
    case "receiving":
    case "received":
      return null;
    default:
      // Not a status Twilio sends: the caller refuses the report.
      return undefined;
  }
}

/** Twilio's default opt-out, opt-in and help keywords (its support article's list). */
const TWILIO_KEYWORDS = new Set([
  "stop",
  "stopall",
  "unsubscribe",
  "cancel",
  "end",
  "quit",
  "optout",
  "revoke",
  "start",
  "yes",
  "unstop",
  "help",
  "info",
]);

/** Twilio matches the whole message, case aside, surrounding spaces and punctuation aside. */
export function twilioAnswersKeyword(text: string): boolean {
  return TWILIO_KEYWORDS.has(
    text
      .trim()
      .toLowerCase()
      .replace(/[.!]+$/u, ""),
  );
}

/** Names of the delivery errors a status callback carries most often (its ErrorCode alone says little). */
const CODE_NAMES: Record<number, string> = {
  21211: "invalid 'To' number",
  21610: "the recipient texted STOP to this sender",
  21614: "'To' is not a mobile number",
  30001: "queue overflow",
  30002: "account suspended",
  30003: "unreachable destination handset",
  30004: "message blocked",
  30005: "unknown destination handset",
  30006: "landline or unreachable carrier",
  30007: "message filtered",
  30008: "unknown error",
};

/** A status callback's report, as the message's delivery detail: "undelivered: 30005 unknown destination handset". */
export function describeTwilioStatus(status: string, code: number | null): string {
  if (code === null) return status;
  const name = CODE_NAMES[code];
  return `${status}: Twilio error ${code}${name ? ` (${name})` : ""}`;
}
