import { describe, expect, it } from "vitest";
import { type AttributionClues, type AttributionLookups, attribute } from "../../../src/mail/attribute.js";
import { createReplyAddresses, ownershipIdMatches } from "../../../src/mail/tokens.js";
import type { CustomerRow, MessageRow, OwnershipRow, ProductRow } from "../../../src/store/store.js";

const addresses = createReplyAddresses({ secret: "k".repeat(40), domain: "reply.example" });
const other = createReplyAddresses({ secret: "z".repeat(40), domain: "reply.example" });

const ids = {
  customer: "11111111-1111-4111-8111-111111111111",
  ownership: "22222222-2222-4222-8222-222222222222",
  thanks: "33333333-3333-4333-8333-333333333333",
  checkIn: "44444444-4444-4444-8444-444444444444",
  run: "55555555-5555-4555-8555-555555555555",
};

const message = (id: string, header: string): MessageRow => ({
  id,
  runId: ids.run,
  stepId: "s",
  flowId: "thank-you",
  customerId: ids.customer,
  ownershipId: ids.ownership,
  eventId: null,
  template: "t",
  audience: "customer",
  toAddress: "ada@example.com",
  channel: "email",
  deliveryStatus: null,
  deliveryDetail: null,
  deliveryAt: null,
  transactional: false,
  category: "relationship",
  topic: null,
  notBefore: null,
  status: "sent",
  attempts: 1,
  uncertainAttempts: 0,
  leaseUntil: null,
  messageIdHeader: header,
  inReplyTo: null,
  subject: null,
  smtpResponse: null,
  error: null,
  createdAt: 0,
  updatedAt: 0,
  sentAt: 0,
  retriedAt: null,
});

const messages = [
  message(ids.thanks, "<thanks@reply.example>"),
  message(ids.checkIn, "<check@reply.example>"),
];
const customer = { id: ids.customer, email: "ada@example.com" } as CustomerRow;
const ownership = {
  id: ids.ownership,
  customerId: ids.customer,
  product: { sku: "LYRA" } as ProductRow,
} as OwnershipRow & { product: ProductRow };

// In-memory rows standing in for the store: attribution only reads through these four lookups.
const lookups: AttributionLookups = {
  getMessage: async (id) => messages.find((m) => m.id === id) ?? null,
  findMessagesByHeader: async (headers) => messages.filter((m) => headers.includes(m.messageIdHeader)),
  // An owner line carries the ownership id or its prefix; the store resolves both.
  getOwnership: async (id) => (ownershipIdMatches(id, ids.ownership) ? ownership : null),
  findCustomerByEmail: async (email) => (email === customer.email ? customer : null),
};

const clues = (over: Partial<AttributionClues>): AttributionClues => ({
  recipients: [],
  inReplyTo: [],
  references: [],
  from: null,
  originalMessageId: null,
  failedRecipient: null,
  isReport: false,
  ...over,
});

describe("attribute", () => {
  it.each<
    [string, Partial<AttributionClues>, { by: string | null; messageId?: string | null; owner?: boolean }]
  >([
    [
      "the owner-only address",
      { recipients: [addresses.forOwnership(ids.ownership)] },
      { by: "owner-address", messageId: null, owner: true },
    ],
    [
      "a message's reply address",
      { recipients: [addresses.forMessage(ids.checkIn)] },
      { by: "reply-address", messageId: ids.checkIn },
    ],
    [
      "the token before threading headers",
      { recipients: [addresses.forMessage(ids.checkIn)], inReplyTo: ["<thanks@reply.example>"] },
      { by: "reply-address", messageId: ids.checkIn },
    ],
    [
      "In-Reply-To when the token is forged",
      { recipients: [other.forMessage(ids.checkIn)], inReplyTo: ["<thanks@reply.example>"] },
      { by: "in-reply-to", messageId: ids.thanks },
    ],
    [
      "the newest References entry that is ours",
      { references: ["<thanks@reply.example>", "<check@reply.example>", "<theirs@mail.example>"] },
      { by: "references", messageId: ids.checkIn },
    ],
    [
      "the sender when nothing else matches",
      { from: "ada@example.com", inReplyTo: ["<unknown@x>"] },
      { by: "sender", messageId: null },
    ],
    [
      "a bounce by the Message-ID that failed",
      { isReport: true, originalMessageId: "<check@reply.example>", from: "mailer-daemon@mx.example" },
      { by: "original-message", messageId: ids.checkIn },
    ],
    [
      "a bounce by its failed recipient, not by its sender",
      { isReport: true, failedRecipient: "ada@example.com", from: "ada@example.com" },
      { by: "recipient", messageId: null },
    ],
    [
      "a report to an owner-only address on the owner line, whatever message or recipient it names",
      {
        recipients: [addresses.forOwnership(ids.ownership)],
        isReport: true,
        originalMessageId: "<check@reply.example>",
        failedRecipient: "bob@example.com",
      },
      { by: "owner-address", messageId: null, owner: true },
    ],
    [
      "a report by the return address it came to, not the Message-ID it quotes",
      {
        recipients: [addresses.forMessage(ids.thanks)],
        isReport: true,
        originalMessageId: "<check@reply.example>",
      },
      { by: "reply-address", messageId: ids.thanks },
    ],
    ["nothing for a stranger", { from: "stranger@example.com" }, { by: null, messageId: null }],
    [
      "nothing for a token of an unknown ownership",
      { recipients: [addresses.forOwnership("66666666-6666-4666-8666-666666666666")] },
      { by: null },
    ],
  ])("finds %s", async (_what, given, expected) => {
    const who = await attribute(clues(given), addresses, lookups);
    expect(who.by).toBe(expected.by);
    if (expected.messageId !== undefined) expect(who.messageId).toBe(expected.messageId);
    expect(who.toOwnerAddress).toBe(expected.owner ?? false);
    if (expected.by) {
      expect(who.customerId).toBe(ids.customer);
    } else {
      expect(who.customerId).toBeNull();
    }
    if (who.messageId) expect(who.runId).toBe(ids.run);
  });
});
