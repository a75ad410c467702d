/**
 * The rules an SMS keeps beyond an email's, pure (the delivery job applies them):
 *
 *   resolveChannel(requested, customer, smsSuppression) → "email" | "sms"
 *     preferred is the customer's choice (customer.attributes.preferredChannel: "sms"),
 *     taken only when a text could go (a phone, SMS consent, no STOP); else email.
 *   smsConsentVerdict(input) → { send: true } | { send: false, reason }, in order:
 *     1. no phone: held back;
 *     2. the number texted STOP (or failed for good at the operator): held back, even a
 *        transactional text (after STOP the operator rules allow nothing but the one
 *        confirmation, which is sent directly, not through a flow);
 *     3. transactional texts go;
 *     4. without the customer's SMS consent (never given, or withdrawn): held back;
 *     5. the customer's choices as for email (stopped everything, topic off).
 *   smsPolicy(policy) → the brand's policy with the SMS quiet hours as the send window:
 *     10:00-20:00 local on the brand's days (a text wakes a phone; an email waits in a
 *     mailbox). The frequency cap is the brand's, counted over messages of every channel.
 */
import { type ConsentInput, type ConsentVerdict, consentVerdict } from "../consent/hold-back.js";
import type { SendPolicy } from "../flows/send-policy.js";
import type { CustomerRow, MessageChannel, SmsSuppressionRow } from "../store/store.js";

export const SMS_QUIET_HOURS = { start: "10:00", end: "20:00" } as const;
const EVERY_DAY = [0, 1, 2, 3, 4, 5, 6];

export function smsPolicy(policy: SendPolicy): SendPolicy {
  return { ...policy, window: { ...SMS_QUIET_HOURS, days: policy.window?.days ?? EVERY_DAY } };
}

type SmsCustomer = Pick<
  CustomerRow,
  "phone" | "smsConsent" | "smsConsentSource" | "smsConsentAt" | "attributes"
>;

export function resolveChannel(
  requested: MessageChannel,
  customer: SmsCustomer,
  smsSuppression: SmsSuppressionRow | null,
): "email" | "sms" {
  if (requested !== "preferred") return requested;
  const wantsSms = customer.attributes.preferredChannel === "sms";
  return wantsSms && customer.phone && customer.smsConsent === true && !smsSuppression ? "sms" : "email";
}

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export interface SmsConsentInput extends ConsentInput {
  customer: ConsentInput["customer"] & SmsCustomer;
  smsSuppression: SmsSuppressionRow | null;
}

export function smsConsentVerdict(input: SmsConsentInput): ConsentVerdict {
  const { customer, smsSuppression, message } = input;
  const who = customer.name?.trim().split(/\s+/)[0] || customer.email;
  if (!customer.phone) return { send: false, reason: `held back: no phone number for ${who}` };
  if (smsSuppression?.reason === "stop")
    return {
      send: false,
      reason: `held back: ${customer.phone} texted ${JSON.stringify(smsSuppression.detail ?? "STOP")} on ${day(smsSuppression.createdAt)}; no SMS goes to it`,
    };
  if (smsSuppression)
    return {
      send: false,
      reason: `not sent: ${customer.phone} failed for good at the operator on ${day(smsSuppression.createdAt)} (${smsSuppression.detail ?? "permanent failure"})`,
    };
  if (message.category === "transactional" || message.transactional) return { send: true };
  if (customer.smsConsent !== true) {
    const when = customer.smsConsentAt ? ` on ${day(customer.smsConsentAt)}` : "";
    const how = customer.smsConsentSource ? ` (${customer.smsConsentSource})` : "";
    return {
      send: false,
      reason:
        customer.smsConsent === false
          ? `held back: ${who} said no to marketing SMS${when}${how}`
          : `held back: ${who} has not agreed to marketing SMS`,
    };
  }
  // The customer's own choices, as for email; an email address's suppression is not the phone's.
  return consentVerdict({ ...input, suppression: null });
}
