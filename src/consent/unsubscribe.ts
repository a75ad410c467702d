/**
 * The one place every "stop sending me mail" lands, whichever way it came: the RFC 8058
 * one-click POST and the unsubscribe page (`one_click`), a reply saying "unsubscribe"
 * (`reply`), the mail program's unsubscribe button writing to the List-Unsubscribe mailto
 * (`mailto`), and later the preference page.
 *
 * Contract: unsubscribe(deps, customerId, topic, source) → UnsubscribeOutcome.
 * Idempotent: asking again changes nothing and says "already". Applied before it
 * resolves (the one-click endpoint answers 200 only after), so a message queued before
 * is held back by delivery's suppression check (process-delivery.ts).
 *
 * It is a preference change (store.changePreferences): "stop everything" (`all: false`,
 * which also records the `unsubscribe` suppression of the address) or, from a topic's link,
 * that topic off. The change and its `preference_changed` event are written in one
 * transaction; the event is then queued so flows can start on it (if Redis is away, the
 * sweeper queues it later: the change itself has already been applied).
 */
import type { Clock } from "../infra/clock.js";
import type { Logger } from "../infra/logger.js";
import type { Queues } from "../jobs/queues.js";
import type { Store } from "../store/store.js";
import type { PreferenceChange, PreferenceSource } from "./preferences.js";

/** How the request reached us (the `source` of a `preference_changed` event). */
export type UnsubscribeSource = PreferenceSource;

export interface UnsubscribeDeps {
  store: Pick<Store, "changePreferences" | "getCustomer">;
  queues: Pick<Queues, "addEvent">;
  clock: Clock;
  logger: Logger;
}

export type UnsubscribeOutcome =
  /** Applied now. */
  | { outcome: "unsubscribed"; email: string }
  /** Nothing to do: the address was suppressed already (an earlier request, a bounce, a complaint). */
  | { outcome: "already"; email: string }
  /** The token or message named a customer the store does not have: no mail goes to them anyway. */
  | { outcome: "no-customer" };

export async function unsubscribe(
  deps: UnsubscribeDeps,
  customerId: string,
  topic: string | null,
  source: UnsubscribeSource,
): Promise<UnsubscribeOutcome> {
  const now = deps.clock.now();
  const change: PreferenceChange = topic ? { topics: { [topic]: false } } : { all: false };
  const result = await deps.store.changePreferences(customerId, change, source, now);
  const customer = result ? await deps.store.getCustomer(customerId) : null;
  if (!result || !customer) {
    deps.logger.warn({ customerId, source }, "unsubscribe for a customer the store does not have");
    return { outcome: "no-customer" };
  }
  if (result.changed.length === 0) return { outcome: "already", email: customer.email };
  if (result.eventId) {
    const eventId = result.eventId;
    await deps.queues
      .addEvent(eventId)
      .catch((err: unknown) =>
        deps.logger.warn({ err, eventId }, "preference_changed event not queued now; the sweeper queues it"),
      );
  }
  deps.logger.info(
    { customerId, source, ...(topic ? { topic } : {}) },
    topic ? `customer turned off ${topic}` : "customer unsubscribed: no more non-transactional mail",
  );
  return { outcome: "unsubscribed", email: customer.email };
}
