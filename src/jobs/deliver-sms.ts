/**
 * The SMS half of processDelivery, once the claim is held and the channel settled to SMS:
 * the SMS consent rules (sms-policy.ts), the SMS quiet hours and the frequency cap (counted
 * over every channel: relationshipSendTimes does not look at channels), the sms.hbs
 * template, the SMS channel, the ledger. What is the same for both channels (claims,
 * leases, retries, give-up) works as for email; see process-delivery.ts.
 *
 * Every http(s) link in the text goes out as PUBLIC_URL/s/CODE (sms-short-links.ts), the
 * codes stored before the send, so a click on it finds its message.
 *
 * The sent row keeps the text in `subject` (what the timeline shows of a message) and
 * the gateway's answer in `smtp_response`; the delivery report comes later, to its dlr-url.
 */
import { UnrecoverableError } from "bullmq";
import { isPermanentChannelError } from "../channels/channel.js";
import { smsConsentVerdict, smsPolicy } from "../channels/sms-policy.js";
import { newShortCode, shortenLinks } from "../channels/sms-short-links.js";
import { describeFrequency } from "../consent/preferences.js";
import { isUncertainSendError } from "../mail/transport.js";
import type { DeliveryContext } from "../store/store.js";
import type { JobDeps } from "./deps.js";
import { sendingFor } from "./exhausted.js";
import {
  allowedFrom,
  type DeliveryOutcome,
  LeaseTooShortError,
  ownClaim,
  sendDeadline,
} from "./process-delivery.js";
import { recordSent } from "./record-sent.js";
import { templateDataFor } from "./template-data.js";

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err)).slice(0, 2000);

export async function deliverSms(
  ctx: DeliveryContext,
  leaseUntil: number,
  deps: JobDeps,
  fail: (reason: string) => Promise<never>,
): Promise<DeliveryOutcome> {
  const { store, clock } = deps;
  const id = ctx.message.id;
  const verdict = smsConsentVerdict({ ...ctx, topics: deps.brand.topics });
  if (!verdict.send) {
    await store.suppressMessage(id, verdict.reason, clock.now());
    return "suppressed";
  }
  const phone = ctx.customer.phone ?? "";
  // The number it goes to now, on the row: a reply from it is attributed to this message.
  if (ctx.message.channel !== "sms" || ctx.message.toAddress !== phone)
    await store.addressMessage(id, "sms", phone, clock.now());

  const notBefore = await allowedFrom(ctx, deps, smsPolicy(deps.brand.sendPolicy));
  if (notBefore > clock.now()) {
    const own = ctx.customer.preferences.frequency;
    const rules = own
      ? `SMS quiet hours, frequency cap or the customer's limit of ${describeFrequency(own)}`
      : "SMS quiet hours or frequency cap";
    await store.postponeMessage(
      id,
      notBefore,
      `postponed to ${new Date(notBefore).toISOString()} (${rules})`,
      clock.now(),
    );
    await deps.queues.postponeDelivery(id, notBefore, notBefore - clock.now());
    return "postponed";
  }
  if (!deps.sms)
    return fail(
      "no SMS gateway is configured (SMS_GATEWAY_URL and the rest, or SMS_TRANSPORT=twilio and TWILIO_*)",
    );
  const template = deps.smsTemplates?.get(ctx.message.template);
  if (!template) return fail(`SMS template "${ctx.message.template}" is not in config/templates (sms.hbs)`);
  let text: string;
  try {
    text = template.text(templateDataFor(ctx, deps.brand, deps.addresses, deps.consentLinks));
  } catch (err) {
    return fail(`could not render: ${errorText(err)}`);
  }
  const shortLinkBase = deps.sms.shortLinkBase;
  if (shortLinkBase)
    text = (
      await shortenLinks(text, shortLinkBase(), (url) =>
        store.shortLinkFor(id, url, () => newShortCode(), clock.now()),
      )
    ).text;

  const deadlineMs = sendDeadline(leaseUntil, clock.now(), deps.sms.deadlineMs);
  if (deadlineMs <= 0) {
    const err = new LeaseTooShortError(id, deadlineMs);
    await store.releaseMessage(id, err.message, clock.now(), ownClaim({ leaseUntil: leaseUntil || null }));
    throw err;
  }
  let response: string;
  const sendStarted = performance.now();
  const took = () => (performance.now() - sendStarted) / 1000;
  try {
    response = (
      await deps.sms.channel.send({ messageId: id, to: phone, from: deps.sms.from, text }, { deadlineMs })
    ).response;
    deps.metrics?.sendFinished(took(), "sent", "sms");
  } catch (err) {
    deps.metrics?.sendFinished(took(), isPermanentChannelError(err) ? "refused" : "failed", "sms");
    if (isPermanentChannelError(err)) {
      // The gateway blames the number: no SMS goes to it again (a bad number for good; an
      // opt-out at the gateway as a STOP, which the customer's START lifts). Recorded before
      // the message is failed, so a failed message's number is already held back.
      if (err.numberRefusal === "number")
        await store.recordSmsDelivery(
          id,
          { status: "failed", detail: err.response.slice(0, 500) },
          clock.now(),
        );
      else if (err.numberRefusal === "stopped")
        await store.stopSms(phone, `STOP (at the gateway: ${err.response})`, clock.now());
      await store.failMessage(id, `refused by the SMS gateway: ${err.response}`.slice(0, 2000), clock.now());
      throw new UnrecoverableError(`refused by the SMS gateway: ${err.response}`);
    }
    const age = sendingFor(ctx.message, clock.now());
    if (age > deps.sendGiveUpMs)
      return fail(`gave up after ${Math.round(age / 3600_000)} h: ${errorText(err)}`);
    await store.releaseMessage(id, errorText(err), clock.now(), {
      uncertain: isUncertainSendError(err),
      ...ownClaim({ leaseUntil: leaseUntil || null }),
    });
    throw err;
  }
  await recordSent(
    store,
    id,
    { subject: text, smtpResponse: response, now: () => clock.now() },
    { logger: deps.logger, ...(deps.ledgerRetry ? { retry: deps.ledgerRetry } : {}) },
  );
  return "sent";
}
