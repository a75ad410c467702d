/**
 * SMS through Twilio's REST API (Programmable Messaging):
 *
 *   POST TWILIO_API_URL/2010-04-01/Accounts/{AccountSid}/Messages.json
 *     Authorization: Basic base64(AccountSid:AuthToken)
 *     form: To, From | MessagingServiceSid, Body, StatusCallback
 *
 * Twilio answers 201 with the message (its sid, status "queued" or "accepted") when it has
 * it; an error is JSON { code, message, more_info, status }. 429 (code 20429, too many
 * requests) and 5xx are tried again; any other 4xx will not get better by trying (a bad
 * number, our credentials, a sender not allowed), so it is permanent, and the codes that
 * blame the number say so (twilio-codes.ts: the number is suppressed, or stopped for
 * 21610). The StatusCallback is our signed URL (sms-links.ts); Twilio posts the message's
 * statuses there. Twilio splits long bodies itself (up to 1600 characters).
 *
 * A send cut off by its deadline may have reached Twilio: it carries the same code as an
 * SMTP send cut off mid-conversation (a retry may be a second copy).
 */
import { type Channel, PermanentChannelError } from "./channel.js";
import { gatewayRequest } from "./gateway-request.js";
import type { OutgoingSms } from "./sms-message.js";
import { numberRefusalFor } from "./twilio-codes.js";

export interface TwilioOptions {
  /** https://api.twilio.com, or a local server in tests (TWILIO_API_URL). */
  apiUrl: string;
  accountSid: string;
  authToken: string;
  /** Set: messages go from this Messaging Service (its senders), not the message's `from`. */
  messagingServiceSid?: string;
  /** The StatusCallback URL for a message (twilioStatusUrlFor in sms-links.ts). */
  statusCallback(messageId: string): string;
  /** The longest one request may take. */
  deadlineMs: number;
}

export function messagesUrl(opts: Pick<TwilioOptions, "apiUrl" | "accountSid">): string {
  return `${opts.apiUrl.replace(/\/+$/, "")}/2010-04-01/Accounts/${encodeURIComponent(opts.accountSid)}/Messages.json`;
}

export function messageForm(
  sms: OutgoingSms,
  opts: Omit<TwilioOptions, "deadlineMs" | "apiUrl">,
): URLSearchParams {
  const form = new URLSearchParams();
  form.set("To", sms.to);
  if (opts.messagingServiceSid) form.set("MessagingServiceSid", opts.messagingServiceSid);
  else form.set("From", sms.from);
  form.set("Body", sms.text);
  form.set("StatusCallback", opts.statusCallback(sms.messageId));
  return form;
}

/** Twilio's error body as one line: "400 21211 The 'To' number … is not a valid phone number." */
function describeAnswer(
  status: number,
  body: string,
): { text: string; code: number | null; sid: string | null } {
  try {
    const json = JSON.parse(body) as { code?: unknown; message?: unknown; sid?: unknown; status?: unknown };
    const code = typeof json.code === "number" ? json.code : null;
    if (status >= 200 && status < 300) {
      const sid = typeof json.sid === "string" ? json.sid : null;
      return { text: `${status} ${sid ?? "?"} ${String(json.status ?? "")}`.trim(), code, sid };
    }
    return {
      text: `${status} ${code ?? ""} ${String(json.message ?? "")}`.replace(/\s+/g, " ").trim(),
      code,
      sid: null,
    };
  } catch {
    return { text: `${status} ${body}`.trim(), code: null, sid: null };
  }
}

export function createTwilioChannel(opts: TwilioOptions): Channel<OutgoingSms> {
  const url = messagesUrl(opts);
  const shown = new URL(url).origin;
  const authorization = `Basic ${Buffer.from(`${opts.accountSid}:${opts.authToken}`).toString("base64")}`;
  return {
    name: "sms",
    async send(sms, sendOpts) {
      const deadlineMs = Math.max(1, Math.min(sendOpts?.deadlineMs ?? opts.deadlineMs, opts.deadlineMs));
      const res = await gatewayRequest(
        `Twilio at ${shown}`,
        url,
        {
          method: "POST",
          headers: {
            authorization,
            "content-type": "application/x-www-form-urlencoded",
            accept: "application/json",
          },
          body: messageForm(sms, opts).toString(),
        },
        deadlineMs,
        4000,
      );
      const body = res.body;
      const answer = describeAnswer(res.status, body);
      const text = answer.text.slice(0, 500);
      if (res.status >= 200 && res.status < 300) return { response: text };
      if (res.status >= 400 && res.status < 500 && res.status !== 429)
        throw new PermanentChannelError("sms", `Twilio ${text}`, numberRefusalFor(answer.code));
      throw new Error(`Twilio at ${shown} answered ${text}`);
    },
    async close() {},
    describe: () =>
      `sms: Twilio at ${shown}, account ${opts.accountSid}${opts.messagingServiceSid ? `, Messaging Service ${opts.messagingServiceSid}` : ""}`,
  };
}
