import type { Clock } from "../infra/clock.js";
import type { Logger } from "../infra/logger.js";
import type { AcceptInbound } from "../jobs/accept-inbound.js";
import type { Queues } from "../jobs/queues.js";
import type { Store } from "../store/store.js";
import type { BroadcastRouteDeps } from "./broadcasts-route.js";
import type { PreferencesRouteDeps } from "./preferences-route.js";
import type { SmsRouteDeps } from "./sms-route.js";
import type { UnsubscribeRouteDeps } from "./unsubscribe-route.js";

export interface HttpDeps {
  store: Store;
  queues: Pick<Queues, "addEvent">;
  clock: Clock;
  logger: Logger;
  apiKeys: readonly string[];
  /** Stores and queues raw inbound mail (POST /v1/inbound). */
  acceptInbound: AcceptInbound;
  inboundMaxBytes: number;
  /** The flows and the broadcasts queue; without them /v1/broadcasts is not mounted. */
  broadcasts?: BroadcastRouteDeps;
  /** Reads consent tokens for the customer-facing /u/TOKEN and /p/TOKEN pages; without it they are not mounted. */
  consent?: UnsubscribeRouteDeps & PreferencesRouteDeps;
  /** Kannel's delivery reports (and incoming texts); without it /sms/* is not mounted. */
  sms?: SmsRouteDeps;
}
