/**
 * Who and what an inbound message is about: the customer, the ownership (product), the
 * message of ours it answers and the run that sent it.
 *
 * Contract: attribute(clues, addresses, lookups) → Attribution, trying in order:
 *   1. a signed token in a recipient (envelope first, then To/Cc/Delivered-To):
 *      an owner-only address → that ownership; a message's reply address → that message;
 *   2. for bounces and complaints, the Message-ID of the message that failed;
 *   3. In-Reply-To, then References (newest first), against our Message-IDs;
 *   4. for bounces and complaints, the failed recipient's address; else the sender's address.
 * The first clue that finds a row wins; `by` says which. Forged tokens are ignored
 * (the listener refuses them; mail from other ways in may still carry one).
 * Reads only through `lookups`, so it runs against the store or, in `inspect-mail`,
 * against whatever store is at hand.
 * Attribution only says whose timeline a message goes on. Whether a report may stop mail
 * to anyone is decided apart (jobs/suppression.ts): only the return address or one of our
 * Message-IDs counts there, never an owner-only address or an address the report names.
 */
import type { CustomerRow, MessageRow, OwnershipRow, ProductRow } from "../store/store.js";
import type { ReplyAddresses } from "./tokens.js";

export type AttributedBy =
  | "owner-address"
  | "reply-address"
  | "original-message"
  | "in-reply-to"
  | "references"
  | "recipient"
  | "sender";

export interface AttributionClues {
  /** Envelope recipients first, then the addresses in To, Cc, Delivered-To. */
  recipients: string[];
  inReplyTo: string[];
  references: string[];
  from: string | null;
  /** Bounces and complaints: the Message-ID of the message that failed, and its recipient. */
  originalMessageId: string | null;
  failedRecipient: string | null;
  isReport: boolean;
}

export interface AttributionLookups {
  getMessage(id: string): Promise<MessageRow | null>;
  findMessagesByHeader(headers: string[]): Promise<MessageRow[]>;
  getOwnership(id: string): Promise<(OwnershipRow & { product: ProductRow }) | null>;
  findCustomerByEmail(email: string): Promise<CustomerRow | null>;
}

export interface Attribution {
  by: AttributedBy | null;
  customerId: string | null;
  ownershipId: string | null;
  messageId: string | null;
  runId: string | null;
  /** The message came to an owner-only address. */
  toOwnerAddress: boolean;
}

const NONE: Attribution = {
  by: null,
  customerId: null,
  ownershipId: null,
  messageId: null,
  runId: null,
  toOwnerAddress: false,
};

const fromMessage = (by: AttributedBy, m: MessageRow): Attribution => ({
  by,
  customerId: m.customerId,
  ownershipId: m.ownershipId,
  messageId: m.id,
  runId: m.runId,
  toOwnerAddress: false,
});

async function byHeaders(
  by: AttributedBy,
  headers: string[],
  lookups: AttributionLookups,
): Promise<Attribution | null> {
  if (headers.length === 0) return null;
  const found = await lookups.findMessagesByHeader(headers);
  // The newest header that is ours: References lists the thread oldest first.
  for (const header of [...headers].reverse()) {
    const m = found.find((row) => row.messageIdHeader === header);
    if (m) return fromMessage(by, m);
  }
  return null;
}

export async function attribute(
  clues: AttributionClues,
  addresses: ReplyAddresses,
  lookups: AttributionLookups,
): Promise<Attribution> {
  for (const recipient of clues.recipients) {
    const parsed = addresses.parse(recipient);
    if (!parsed.ok) continue;
    if (parsed.target.kind === "owner") {
      const ownership = await lookups.getOwnership(parsed.target.id);
      if (ownership) {
        return {
          by: "owner-address",
          customerId: ownership.customerId,
          ownershipId: ownership.id,
          messageId: null,
          runId: null,
          toOwnerAddress: true,
        };
      }
    } else {
      const message = await lookups.getMessage(parsed.target.id);
      if (message) return fromMessage("reply-address", message);
    }
  }
  if (clues.isReport && clues.originalMessageId) {
    const found = await byHeaders("original-message", [clues.originalMessageId], lookups);
    if (found) return found;
  }
  const threaded =
    (await byHeaders("in-reply-to", clues.inReplyTo, lookups)) ??
    (await byHeaders("references", clues.references, lookups));
  if (threaded) return threaded;
  const address = clues.isReport ? clues.failedRecipient : clues.from;
  if (address) {
    const customer = await lookups.findCustomerByEmail(address);
    if (customer) return { ...NONE, by: clues.isReport ? "recipient" : "sender", customerId: customer.id };
  }
  return NONE;
}
