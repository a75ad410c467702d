/**
 * The URLs Twilio calls, outside /v1 (Twilio cannot send our API key). Each request must
 * carry a valid X-Twilio-Signature for the URL we are public at (RAPPORT_PUBLIC_URL + the
 * path) and its form parameters (twilio-signature.ts), else 403.
 *
 *   POST /sms/twilio/status/MESSAGE_ID/TOKEN   a message's StatusCallback; TOKEN is the MAC
 *     of the message id (as Kannel's dlr-url), so a signed report cannot be moved to
 *     another message. MessageStatus and ErrorCode become the same delivery reports as
 *     Kannel's (twilio-codes.ts): a failure that blames the number suppresses it.
 *   POST /sms/twilio/inbound   an incoming text (From, To, Body, MessageSid): the same way
 *     in as Kannel's (stored first, queued, src/jobs/process-sms.ts), answered in TwiML.
 *     STOP and its relatives stop the number here at once; the confirmation (when the STOP
 *     is new) and the help text are the TwiML <Message>, unless Twilio's own opt-out
 *     handling answers that word (TWILIO_OPT_OUT_HANDLING=twilio); anything else gets an
 *     empty <Response/>, so the job sends no second answer.
 */
import type { Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { smsKeyword } from "../channels/sms-keywords.js";
import type { DlrTokens } from "../channels/sms-tokens.js";
import { deliveryStatusFor, describeTwilioStatus, twilioAnswersKeyword } from "../channels/twilio-codes.js";
import { type FormParams, verifyTwilioSignature } from "../channels/twilio-signature.js";
import { toE164 } from "../events/phone.js";
import type { JobDeps } from "../jobs/deps.js";
import { type IncomingSms, smsHelpText, smsStopText } from "../jobs/process-sms.js";
import type { HttpDeps } from "./deps.js";

export interface TwilioRouteDeps {
  authToken: string;
  /** Where Twilio reaches us (RAPPORT_PUBLIC_URL): the URL it signs. */
  publicUrl(): string;
  dlrTokens: DlrTokens;
  brand: JobDeps["brand"];
  /** TWILIO_OPT_OUT_HANDLING: who answers the English keywords Twilio knows. */
  optOutHandling: "twilio" | "rapport";
}

const FORM_LIMIT = 64 * 1024;

const xml = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

export function twiml(message: string | null): string {
  return message === null
    ? '<?xml version="1.0" encoding="UTF-8"?><Response/>'
    : `<?xml version="1.0" encoding="UTF-8"?><Response><Message>${xml(message)}</Message></Response>`;
}

/** The request's form parameters, every pair (a name may repeat: each is signed). */
async function formOf(c: Context): Promise<FormParams | null> {
  const type = c.req.header("content-type") ?? "";
  if (!type.toLowerCase().startsWith("application/x-www-form-urlencoded")) return null;
  return [...new URLSearchParams(await c.req.text()).entries()];
}

/** The URL Twilio called, as it knows it: our public base, then the path and query we got. */
function signedUrl(c: Context, publicUrl: string): string {
  const url = new URL(c.req.url);
  return `${publicUrl.replace(/\/+$/, "")}${url.pathname}${url.search}`;
}

const param = (form: FormParams, name: string) => form.find(([k]) => k === name)?.[1];

export function mountTwilio(app: Hono, deps: HttpDeps, twilio: TwilioRouteDeps): void {
  app.use(
    "/sms/twilio/*",
    bodyLimit({
      maxSize: FORM_LIMIT,
      onError: (c) =>
        c.json({ error: "too_large", message: `bodies are limited to ${FORM_LIMIT} bytes` }, 413),
    }),
  );

  /** The form of a request Twilio signed, or the 4xx to answer. */
  const signedForm = async (c: Context): Promise<FormParams | Response> => {
    const form = await formOf(c);
    if (!form)
      return c.json(
        {
          error: "invalid_request",
          message: "expected a form (application/x-www-form-urlencoded), as Twilio posts",
        },
        400,
      );
    const url = signedUrl(c, twilio.publicUrl());
    if (!verifyTwilioSignature(twilio.authToken, url, form, c.req.header("x-twilio-signature")))
      return c.json(
        { error: "forbidden", message: `X-Twilio-Signature: missing or not Twilio's signature of ${url}` },
        403,
      );
    return form;
  };

  app.post("/sms/twilio/status/:messageId/:token", async (c) => {
    const { messageId, token } = c.req.param();
    const form = await signedForm(c);
    if (form instanceof Response) return form;
    if (!twilio.dlrTokens.verify(messageId, token))
      return c.json(
        { error: "forbidden", message: "the status callback's token does not match its message" },
        403,
      );
    const raw = param(form, "MessageStatus") ?? param(form, "SmsStatus") ?? "";
    const codeText = param(form, "ErrorCode") ?? "";
    const code = /^[0-9]{1,6}$/.test(codeText) ? Number(codeText) : null;
    const status = deliveryStatusFor(raw, code);
    if (status === undefined)
      return c.json(
        {
          error: "invalid_status",
          message: `MessageStatus: expected one of Twilio's statuses, got ${JSON.stringify(raw)}`,
        },
        400,
      );
    if (status === null) return c.json({ status: raw, recorded: false });
    const detail = describeTwilioStatus(raw, code);
    const found = await deps.store.recordSmsDelivery(messageId, { status, detail }, deps.clock.now());
    if (!found) return c.json({ error: "not_found", message: `no SMS ${messageId}` }, 404);
    if (status === "failed")
      deps.logger.warn(
        { messageId, detail },
        "SMS failed for good (Twilio blames the number): the number is suppressed",
      );
    return c.json({ status });
  });

  app.post("/sms/twilio/inbound", async (c) => {
    const form = await signedForm(c);
    if (form instanceof Response) return form;
    const rawFrom = param(form, "From") ?? "";
    const from = toE164(rawFrom.trim());
    if (!from)
      return c.json(
        {
          error: "invalid_sms",
          message: `From: expected the sender's number (E.164), got ${JSON.stringify(rawFrom)}`,
        },
        400,
      );
    const text = (param(form, "Body") ?? "").slice(0, 10_000);
    const keyword = smsKeyword(text);
    // STOP takes effect before anything else, and tells us whether it is new (one confirmation).
    const newlyStopped = keyword === "stop" ? await deps.store.stopSms(from, text, deps.clock.now()) : false;
    const incoming: IncomingSms = {
      from,
      to: (param(form, "To") ?? "").trim().slice(0, 32),
      text,
      gatewayId: param(form, "MessageSid")?.slice(0, 100) || null,
      answered: true,
    };
    await deps.acceptInbound({
      source: "sms",
      envelopeFrom: from,
      envelopeTo: incoming.to ? [incoming.to] : [],
      raw: Buffer.from(JSON.stringify(incoming), "utf8"),
    });
    const twilioAnswers = twilio.optOutHandling === "twilio" && twilioAnswersKeyword(text);
    const reply =
      twilioAnswers || keyword === null
        ? null
        : keyword === "help"
          ? smsHelpText(twilio.brand)
          : keyword === "stop" && newlyStopped
            ? smsStopText(twilio.brand)
            : null;
    return c.body(twiml(reply), 200, { "content-type": "text/xml; charset=utf-8" });
  });
}
