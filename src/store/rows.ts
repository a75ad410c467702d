/** Converts drizzle rows to the store's plain row types (JSON columns parsed). */
import { parseStoredPreferences } from "../consent/preferences.js";
import type { RunState } from "../flows/types.js";
import type * as schema from "./schema.js";
import type {
  CustomerRow,
  EventRow,
  InboundRow,
  InteractionRow,
  MessageRow,
  OwnershipRow,
  ProductRow,
  RunRow,
} from "./store.js";

export const toCustomer = (r: typeof schema.customers.$inferSelect): CustomerRow => ({
  ...r,
  attributes: JSON.parse(r.attributes) as Record<string, unknown>,
  tags: JSON.parse(r.tags) as string[],
  preferences: parseStoredPreferences(r.preferences, r.id),
  // SQLite hands back 0/1 from a raw query.
  smsConsent: r.smsConsent === null ? null : Boolean(r.smsConsent),
});

export const toProduct = (r: typeof schema.products.$inferSelect): ProductRow => ({
  id: r.id,
  sku: r.sku,
  name: r.name,
  category: r.category,
  relationship: r.relationship,
});

export const toOwnership = (r: typeof schema.ownerships.$inferSelect): OwnershipRow => ({
  id: r.id,
  customerId: r.customerId,
  productId: r.productId,
  serial: r.serial === "" ? null : r.serial,
  kind: r.kind,
  status: r.status,
  startedAt: r.startedAt,
  endedAt: r.endedAt,
});

export const toEvent = (r: typeof schema.events.$inferSelect): EventRow => ({
  id: r.id,
  type: r.type,
  occurredAt: r.occurredAt,
  receivedAt: r.receivedAt,
  body: JSON.parse(r.payload),
  status: r.status,
  customerId: r.customerId,
  processedAt: r.processedAt,
  error: r.error,
});

export const toRun = (r: typeof schema.flowRuns.$inferSelect): RunRow => {
  // place and outcome copy the state's, for the dashboard's counts (src/store/dashboard.ts).
  const { place: _place, outcome: _outcome, ...rest } = r;
  return { ...rest, state: JSON.parse(r.state) as RunState };
};

export const toMessage = (r: typeof schema.messages.$inferSelect): MessageRow => {
  const { dedupeKey: _dedupeKey, ...rest } = r;
  // SQLite gives 0/1, Postgres true/false.
  return { ...rest, transactional: Boolean(rest.transactional) };
};

export const toInbound = (r: typeof schema.inboundMessages.$inferSelect): InboundRow => ({
  ...r,
  envelopeTo: JSON.parse(r.envelopeTo) as string[],
});

export const toInteraction = (r: typeof schema.interactions.$inferSelect): InteractionRow => {
  // handled_at belongs to the dashboard's inbox (src/store/dashboard.ts reads it there).
  const { handledAt: _handledAt, ...rest } = r;
  return {
    ...rest,
    toOwnerAddress: Boolean(rest.toOwnerAddress),
    detail: JSON.parse(rest.detail) as Record<string, unknown>,
  };
};
