/**
 * The one door every way in (SMTP listener, POST /v1/inbound, IMAP poller) goes
 * through: store the raw message, then queue it. Once the store has it, the message is
 * ours: if Redis is away the queueing fails softly and the sweeper queues it later.
 * A failure to store propagates, so the sender (an SMTP client, a provider's webhook)
 * keeps the message and tries again.
 */
import type { Clock } from "../infra/clock.js";
import type { Logger } from "../infra/logger.js";
import { withTimeout } from "../infra/timeout.js";
import type { NewInbound, Store } from "../store/store.js";
import type { Queues } from "./queues.js";

export type AcceptInbound = (inbound: NewInbound) => Promise<string>;

const QUEUE_TIMEOUT_MS = 2000;

export function acceptInboundWith(deps: {
  store: Pick<Store, "recordInbound">;
  queues: Pick<Queues, "addInbound">;
  clock: Clock;
  logger: Logger;
}): AcceptInbound {
  return async (inbound) => {
    const row = await deps.store.recordInbound(inbound, deps.clock.now());
    try {
      await withTimeout(deps.queues.addInbound(row.id), QUEUE_TIMEOUT_MS);
    } catch (err) {
      deps.logger.warn(
        { inboundId: row.id, err: (err as Error).message },
        "inbound mail stored but not queued; the sweeper will queue it",
      );
    }
    return row.id;
  };
}
