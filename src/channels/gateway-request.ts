/**
 * One HTTP request to an SMS gateway (Kannel's smsbox, Twilio's API) inside a send's
 * deadline. A gateway that does not answer in time may still have taken the message, so
 * that failure carries SEND_DEADLINE_CODE (uncertain: a retry counts as a possible
 * duplicate); one that cannot be reached at all did not.
 */
import { SEND_DEADLINE_CODE } from "../mail/sender-protocol.js";

export interface GatewayAnswer {
  status: number;
  /** The answer's body, cut to `maxBody` characters. */
  body: string;
}

export async function gatewayRequest(
  gateway: string,
  url: string | URL,
  init: RequestInit,
  deadlineMs: number,
  maxBody: number,
): Promise<GatewayAnswer> {
  try {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(deadlineMs) });
    return { status: res.status, body: (await res.text()).slice(0, maxBody) };
  } catch (err) {
    const timedOut = (err as Error).name === "TimeoutError";
    throw Object.assign(
      new Error(
        timedOut
          ? `${gateway} did not answer within ${deadlineMs} ms (it may have the message)`
          : `could not reach ${gateway}: ${(err as Error).message}`,
      ),
      timedOut ? { code: SEND_DEADLINE_CODE } : {},
    );
  }
}
