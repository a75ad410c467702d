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
 * Today this is the `unsubscribe` suppression of the customer's address, which delivery
 * checks before every send (a hard bounce or complaint already recorded stays as it is).
 * A topic link stops everything for now too: until topics exist (consent-core) there is
 * nothing narrower to record, and stopping more than asked is safe where stopping less is not.
 */
import type { Clock } from "../infra/clock.js";
import type { Logger } from "../infra/logger.js";
import type { Store } from "../store/store.js";

/** How the request reached us (the `source` of a `preference_changed` event). */
export type UnsubscribeSource = "one_click" | "preference_page" | "reply" | "mailto";

export interface UnsubscribeDeps {
  store: Pick<Store, "suppressCustomer">;
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
  // consent-core: changePreferences
  // At merge this becomes changePreferences(customerId, topic ? { topics: { [topic]: false } } :
  // { all: false }, source, now), which records the `preference_changed` event and, for "all",
  // this same suppression, in one transaction.
  const result = await deps.store.suppressCustomer(customerId, "unsubscribe", now);
  if (result.outcome === "no-customer") {
    deps.logger.warn({ customerId, source }, "unsubscribe for a customer the store does not have");
    return { outcome: "no-customer" };
  }
  if (result.outcome === "already") return { outcome: "already", email: result.email };
  deps.logger.info(
    { customerId, source, ...(topic ? { topic } : {}) },
    "customer unsubscribed: no more non-transactional mail",
  );
  return { outcome: "unsubscribed", email: result.email };
}
