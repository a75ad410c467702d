/**
 * A local stand-in for Twilio's API, for tests: rapport's Twilio transport is tested only
 * against this server, never against Twilio itself (README). It checks each request as
 * Twilio documents it and answers as Twilio would:
 *
 *   POST /2010-04-01/Accounts/{AccountSid}/Messages.json
 *     the path's AccountSid must be ours (else 404, code 20404); Basic auth with the
 *     AccountSid and Auth Token (else 401, code 20003); a form body
 *     (application/x-www-form-urlencoded); To in E.164 (missing: 400 21604; not a number:
 *     400 21211); From or MessagingServiceSid (else 400 21603); Body of 1 to 1600
 *     characters (missing: 21602; longer: 21617); StatusCallback, when given, an absolute
 *     http(s) URL (else 21609). Accepted: 201 with the message resource (sid SM…, status
 *     "queued"). `refuse(to, code)` makes sends to a number fail with Twilio's error JSON
 *     (21610 for a number that texted STOP, 21211 for an invalid one).
 *
 * And it plays Twilio calling us back: report() posts a status callback to the message's
 * StatusCallback, post() an incoming-message webhook, each signed with X-Twilio-Signature
 * over the URL and the form parameters (src/channels/twilio-signature.ts, pinned to
 * Twilio's documented example by a unit test).
 */
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { twilioSignature } from "../../src/channels/twilio-signature.js";

export interface TwilioMessage {
  sid: string;
  to: string;
  from: string | null;
  messagingServiceSid: string | null;
  body: string;
  statusCallback: string | null;
}

export interface TwilioRefusal {
  status: number;
  code: number;
  message: string;
}

export interface FakeTwilio {
  apiUrl: string;
  accountSid: string;
  authToken: string;
  /** The messages Twilio accepted, in order. */
  messages(): TwilioMessage[];
  /** The requests it refused, in order. */
  refusals(): TwilioRefusal[];
  /** From now on, sends to `to` are refused with this error code. */
  refuse(to: string, code: 21211 | 21610 | 21614): void;
  /** Posts a signed status callback for a message Twilio accepted. */
  report(sid: string, status: string, errorCode?: number): Promise<Response>;
  /** Posts a form to `url` as Twilio would, signed (or with `signature` instead). */
  post(url: string, params: Record<string, string>, opts?: { signature?: string }): Promise<Response>;
  close(): Promise<void>;
}

const E164 = /^\+[1-9][0-9]{6,14}$/;

const ERRORS: Record<number, string> = {
  20003: "Authenticate",
  20404: "The requested resource was not found",
  21211: "The 'To' number is not a valid phone number.",
  21602: "Message body is required.",
  21603: "A 'From' phone number is required.",
  21604: "A 'To' phone number is required.",
  21609: "Invalid StatusCallback",
  21610: "Attempt to send to unsubscribed recipient",
  21614: "'To' number is not a valid mobile number",
  21617: "The concatenated message body exceeds the 1600 character limit.",
};

const hex = (n: number) => randomBytes(n).toString("hex");

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

export async function startFakeTwilio(): Promise<FakeTwilio> {
  const accountSid = `AC${hex(16)}`;
  const authToken = hex(16);
  const accepted: TwilioMessage[] = [];
  const refused: TwilioRefusal[] = [];
  const refusing = new Map<string, number>();
  const path = `/2010-04-01/Accounts/${accountSid}/Messages.json`;
  const expectedAuth = `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString("base64")}`;

  const fail = (res: ServerResponse, status: number, code: number) => {
    const message = ERRORS[code] ?? "error";
    refused.push({ status, code, message });
    res.writeHead(status, { "content-type": "application/json" });
    res.end(
      JSON.stringify({ code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status }),
    );
  };

  const server = createServer(async (req, res) => {
    const body = await readBody(req);
    if (req.method !== "POST" || req.url !== path) return fail(res, 404, 20404);
    if (req.headers.authorization !== expectedAuth) return fail(res, 401, 20003);
    const type = req.headers["content-type"] ?? "";
    const form = type.startsWith("application/x-www-form-urlencoded")
      ? new URLSearchParams(body)
      : new URLSearchParams();
    const to = form.get("To");
    if (!to) return fail(res, 400, 21604);
    if (!E164.test(to)) return fail(res, 400, 21211);
    const from = form.get("From");
    const service = form.get("MessagingServiceSid");
    if (!from && !service) return fail(res, 400, 21603);
    const text = form.get("Body") ?? "";
    if (text === "") return fail(res, 400, 21602);
    if (text.length > 1600) return fail(res, 400, 21617);
    const callback = form.get("StatusCallback");
    if (callback !== null && !/^https?:\/\/[^/]+/.test(callback)) return fail(res, 400, 21609);
    const refusal = refusing.get(to);
    if (refusal) return fail(res, 400, refusal);
    const sid = `SM${hex(16)}`;
    accepted.push({ sid, to, from, messagingServiceSid: service, body: text, statusCallback: callback });
    res.writeHead(201, { "content-type": "application/json" });
    res.end(
      JSON.stringify({
        sid,
        account_sid: accountSid,
        to,
        from,
        messaging_service_sid: service,
        body: text,
        status: "queued",
        direction: "outbound-api",
        api_version: "2010-04-01",
        error_code: null,
        uri: `${path.replace(".json", "")}/${sid}.json`,
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  const post: FakeTwilio["post"] = (url, params, opts) => {
    const pairs = Object.entries(params);
    return fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        "x-twilio-signature": opts?.signature ?? twilioSignature(authToken, url, pairs),
        "user-agent": "TwilioProxy/1.1",
      },
      body: new URLSearchParams(pairs).toString(),
    });
  };

  return {
    apiUrl: `http://127.0.0.1:${port}`,
    accountSid,
    authToken,
    messages: () => [...accepted],
    refusals: () => [...refused],
    refuse: (to, code) => {
      refusing.set(to, code);
    },
    report: (sid, status, errorCode) => {
      const message = accepted.find((m) => m.sid === sid);
      if (!message?.statusCallback) throw new Error(`no message ${sid} with a StatusCallback`);
      return post(message.statusCallback, {
        AccountSid: accountSid,
        ApiVersion: "2010-04-01",
        From: message.from ?? "",
        MessageSid: sid,
        MessageStatus: status,
        SmsSid: sid,
        SmsStatus: status,
        To: message.to,
        ...(errorCode !== undefined ? { ErrorCode: String(errorCode) } : {}),
      });
    },
    post,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
