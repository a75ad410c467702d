/**
 * SMS through Kannel (https://www.kannel.org): its smsbox's HTTP `sendsms` interface.
 *
 *   GET SMS_GATEWAY_URL?username&password&from&to&text&charset=UTF-8[&coding=2]
 *                      &dlr-mask=27&dlr-url=PUBLIC_URL/sms/dlr/MESSAGE/TOKEN?status=%d&answer=%A
 *
 * The text goes as UTF-8; coding=2 (UCS-2) only when it is not all GSM-7 (sms-encoding.ts),
 * so a plain text costs 160 characters a part, not 70. smsbox splits long texts itself.
 * dlr-mask 27 = delivered (1) + failed (2) + accepted by the operator (8) + rejected by the
 * operator (16); Kannel calls the dlr-url with %d the status and %A the operator's answer.
 *
 * Kannel answers 202 ("0: Accepted for delivery", "3: Queued for later delivery") when it
 * has the message; 4xx (bad number, refused sender, wrong credentials) will not get
 * better by trying again, so it is permanent; 5xx and network errors are retried. A send
 * cut off by its deadline may have reached Kannel (a retry may be a second copy), so it
 * carries the same code as an SMTP send cut off mid-conversation.
 */
import { type Channel, PermanentChannelError } from "./channel.js";
import { gatewayRequest } from "./gateway-request.js";
import { isGsm7 } from "./sms-encoding.js";
import type { OutgoingSms } from "./sms-message.js";

export interface KannelOptions {
  /** smsbox's sendsms URL, like http://kannel:13013/cgi-bin/sendsms (SMS_GATEWAY_URL). */
  url: string;
  username: string;
  password: string;
  /** The dlr-url for a message, Kannel's %-escapes included (see dlrUrlFor in sms-links.ts). */
  dlrUrl(messageId: string): string;
  /** The longest one request may take. */
  deadlineMs: number;
}

/** Kannel's statuses asked for: delivered, failed, accepted by the operator, rejected by it. */
export const KANNEL_DLR_MASK = 1 + 2 + 8 + 16;

export function sendsmsUrl(sms: OutgoingSms, opts: Omit<KannelOptions, "deadlineMs">): URL {
  const url = new URL(opts.url);
  url.searchParams.set("username", opts.username);
  url.searchParams.set("password", opts.password);
  url.searchParams.set("from", sms.from);
  url.searchParams.set("to", sms.to);
  url.searchParams.set("text", sms.text);
  url.searchParams.set("charset", "UTF-8");
  if (!isGsm7(sms.text)) url.searchParams.set("coding", "2");
  url.searchParams.set("dlr-mask", String(KANNEL_DLR_MASK));
  url.searchParams.set("dlr-url", opts.dlrUrl(sms.messageId));
  return url;
}

export function createKannelChannel(opts: KannelOptions): Channel<OutgoingSms> {
  const shown = (() => {
    const u = new URL(opts.url);
    return `${u.origin}${u.pathname}`;
  })();
  return {
    name: "sms",
    async send(sms, sendOpts) {
      const deadlineMs = Math.max(1, Math.min(sendOpts?.deadlineMs ?? opts.deadlineMs, opts.deadlineMs));
      const res = await gatewayRequest(`Kannel at ${shown}`, sendsmsUrl(sms, opts), {}, deadlineMs, 500);
      const body = res.body.trim();
      if (res.status >= 200 && res.status < 300) return { response: `${res.status} ${body}` };
      if (res.status >= 400 && res.status < 500)
        throw new PermanentChannelError("sms", `${res.status} ${body}`);
      throw new Error(`Kannel at ${shown} answered ${res.status} ${body}`);
    },
    async close() {},
    describe: () => `sms: Kannel sendsms at ${shown}`,
  };
}
