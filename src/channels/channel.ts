/**
 * The channel a message goes out on. A channel takes a message already rendered for it
 * and hands it to its transport (SMTP or the outbox folder for email, an SMS gateway for
 * SMS); the delivery job does consent, send windows, caps and the ledger around it, the
 * same for every channel. Push or WhatsApp later are one more implementation each.
 *
 * Contract:
 *   send(message, { deadlineMs }) → { response } once the transport has taken it;
 *   rejects with an error that isPermanentChannelError() recognises when retrying cannot
 *   help (a refused number, a bad request), and any other error when it may (the gateway
 *   is down, busy, or did not answer in time).
 */
import type { OutgoingMail } from "../mail/transport.js";
import type { OutgoingSms } from "./sms-message.js";

export const CHANNEL_NAMES = ["email", "sms"] as const;
export type ChannelName = (typeof CHANNEL_NAMES)[number];

export interface ChannelSendOptions {
  /** Give up after this long; the transport's own deadline caps it. */
  deadlineMs?: number;
}

export interface ChannelSendResult {
  /** The transport's answer (the SMTP 250 line, the gateway's reply), kept on the send ledger. */
  response: string;
}

export interface Channel<Outgoing> {
  readonly name: ChannelName;
  send(message: Outgoing, opts?: ChannelSendOptions): Promise<ChannelSendResult>;
  close(): Promise<void>;
  describe(): string;
}

/** The channels one process sends on: email always; SMS when a gateway is configured. */
export interface Channels {
  email: Channel<OutgoingMail>;
  sms: Channel<OutgoingSms> | null;
}

/**
 * Why a transport refused for good, when it says the number itself is the cause (Twilio's
 * error codes do; Kannel's answers do not): "number" (not a valid or reachable mobile: no
 * SMS to it again), "stopped" (it opted out at the gateway: as a STOP, which START lifts).
 */
export type NumberRefusal = "number" | "stopped";

/** A refusal that retrying cannot fix; `response` is what the transport said. */
export class PermanentChannelError extends Error {
  readonly permanent = true;
  constructor(
    readonly channel: ChannelName,
    readonly response: string,
    readonly numberRefusal: NumberRefusal | null = null,
  ) {
    super(`${channel} refused the message for good: ${response}`);
    this.name = "PermanentChannelError";
  }
}

export function isPermanentChannelError(err: unknown): err is PermanentChannelError {
  return err instanceof PermanentChannelError;
}
