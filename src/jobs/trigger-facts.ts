/**
 * The facts flows decide on (trigger `where`, branch conditions, exit_when, dates), from
 * the store's rows: the customer with their choices' defaults filled in, the product and
 * ownership of the event or run, and optionally all their ownerships (for `owns`).
 * One place, so an event, a date, a broadcast and a step all see the same facts.
 */
import { preferenceView } from "../consent/preferences.js";
import type { TriggerFacts } from "../flows/types.js";
import type { IngestedEvent, OwnershipRow, ProductRow } from "../store/store.js";

export function triggerFacts(
  event: { type: string; body: { properties?: Record<string, unknown> } },
  ingested: IngestedEvent,
  owned?: ReadonlyArray<OwnershipRow & { product: ProductRow }>,
): TriggerFacts {
  const { customer, product, ownership } = ingested;
  return {
    ...(owned
      ? {
          ownerships: owned.map((o) => ({
            sku: o.product.sku,
            category: o.product.category,
            status: o.status,
            startedAt: o.startedAt,
            kind: o.kind,
          })),
        }
      : {}),
    event: { type: event.type, properties: event.body.properties ?? {} },
    // Conditions read the customer's choices with defaults filled in (customer.preferences.all: true).
    // consent.sms: as the customer file of `rapport simulate` and the event body say it.
    customer: {
      ...customer,
      preferences: preferenceView(customer.preferences),
      consent: { sms: customer.smsConsent === true },
    },
    product: product ? { ...product, serial: ownership?.serial ?? null } : undefined,
    ownership: ownership
      ? { status: ownership.status, started: ownership.startedAt, kind: ownership.kind }
      : undefined,
  };
}
