import type { Clock } from "../infra/clock.js";
import type { Logger } from "../infra/logger.js";
import type { AcceptInbound } from "../jobs/accept-inbound.js";
import type { Queues } from "../jobs/queues.js";
import type { Metrics } from "../metrics/metrics.js";
import type { Store } from "../store/store.js";
import type { BroadcastRouteDeps } from "./broadcasts-route.js";
import type { HealthDeps } from "./health-route.js";
import type { PreferencesRouteDeps } from "./preferences-route.js";
import type { ShortLinkRouteDeps } from "./short-link-route.js";
import type { SmsRouteDeps } from "./sms-route.js";
import type { TwilioRouteDeps } from "./twilio-route.js";
import type { DashboardDeps } from "./ui/deps.js";
import type { UnsubscribeRouteDeps } from "./unsubscribe-route.js";

export interface HttpDeps {
  store: Store;
  queues: Pick<Queues, "addEvent" | "addNewEvent">;
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
  /** The redirect of short links in texts (/s/CODE); without it /s/* is not mounted. */
  shortLinks?: ShortLinkRouteDeps;
  /** Kannel's delivery reports (and incoming texts); without it /sms/* is not mounted. */
  sms?: SmsRouteDeps;
  /** Twilio's status callbacks and incoming texts (SMS_TRANSPORT=twilio); without it /sms/twilio/* is not mounted. */
  twilio?: TwilioRouteDeps;
  /** The operator's dashboard at /ui (src/http/ui); without it /ui is not mounted. */
  dashboard?: DashboardDeps;
  /** Event types flows or built-ins use (flows/event-types.ts); others get a warning. Unset: no warnings. */
  knownEventTypes?: readonly string[];
  /** Counts events received; renders /metrics. Without it /metrics is not mounted. */
  metrics?: Metrics;
  /** METRICS_TOKEN: when set, /metrics needs `Authorization: Bearer <it>`. */
  metricsToken?: string;
  /** What /readyz checks; without it /readyz answers ready with no checks. */
  health?: HealthDeps;
}
