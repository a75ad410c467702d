/**
 * What the job processors are given. Plain objects, so tests pass their own (a real
 * store on a temp file, a clock they control, a mailer pointed at a test SMTP server).
 */
import type { Channel } from "../channels/channel.js";
import type { OutgoingSms } from "../channels/sms-message.js";
import type { Brand } from "../config/brand.js";
import type { ConsentLinks } from "../consent/links.js";
import type { Flow } from "../flows/types.js";
import type { Clock } from "../infra/clock.js";
import type { Logger } from "../infra/logger.js";
import type { RelayRefusalLog } from "../mail/relay-refusal-log.js";
import type { ReplyAddresses } from "../mail/tokens.js";
import type { Mailer } from "../mail/transport.js";
import type { MailUnderstander } from "../mail/understand.js";
import type { Metrics } from "../metrics/metrics.js";
import type { Store } from "../store/store.js";
import type { CompiledTemplate } from "../templates/compile.js";
import type { CompiledSmsTemplate } from "../templates/sms.js";
import type { Queues } from "./queues.js";
import type { LedgerRetry } from "./record-sent.js";
import type { SendPool } from "./send-pool.js";

export interface JobDeps {
  store: Store;
  queues: Queues;
  flows: ReadonlyMap<string, Flow>;
  /** Earlier versions of flows that runs in flight started on, loaded from the store once each. */
  pastFlows?: Map<string, Flow>;
  templates: ReadonlyMap<string, CompiledTemplate>;
  mailer: Mailer;
  /** config/templates/NAME/sms.hbs, by NAME; absent: none. */
  smsTemplates?: ReadonlyMap<string, CompiledSmsTemplate>;
  /** The SMS channel (Kannel: SMS_GATEWAY_URL …; or Twilio), our sender and the longest one send may take; absent: no SMS. */
  sms?: {
    channel: Channel<OutgoingSms>;
    from: string;
    deadlineMs: number;
    /** Links in texts go out as shortLinkBase()/s/CODE (sms-short-links.ts); absent: as written. */
    shortLinkBase?: () => string;
  } | null;
  brand: Brand;
  /** Signs and reads reply and owner-only addresses. */
  addresses: ReplyAddresses;
  /** The unsubscribe and preference links every customer email carries (RAPPORT_PUBLIC_URL). */
  consentLinks: ConsentLinks;
  clock: Clock;
  logger: Logger;
  newId: () => string;
  /**
   * RAPPORT_WAKE_HORIZON_MS: a run waking later than this from now gets no job in Redis
   * (the wake-up promoter queues it when it comes within); unset: every wake-up is queued.
   */
  wakeHorizonMs?: number;
  /** Multiplies wait durations (RAPPORT_WAIT_SCALE); 1 in production. */
  waitScale: number;
  /** How long a delivery's claim on its message holds before a crashed attempt is presumed dead. */
  sendLeaseMs: number;
  /**
   * The longest one send may take (SMTP_SEND_DEADLINE_MS); each send also ends well
   * inside its claim's lease whatever this says (see processDelivery).
   */
  sendDeadlineMs?: number;
  /** Where first sends run, apart from the event and step slots; inline when absent. */
  sendPool?: SendPool;
  /** Backoff of the ledger write after a 250 (defaults in record-sent.ts). */
  ledgerRetry?: LedgerRetry;
  /** A message still failing transiently after this long is given up on. */
  sendGiveUpMs: number;
  /**
   * Our SMTP server refusing to relay or asking for authentication, logged once per
   * episode (relay-refusal-log.ts); absent: at error level every time.
   */
  relayRefusals?: RelayRefusalLog;
  /** Inbound messages above this size are refused (INBOUND_MAX_BYTES). */
  inboundMaxBytes: number;
  /**
   * Parses, classifies and extracts an inbound message: understandMail on this thread when
   * absent (unit tests); the worker process passes a thread pool (understand-pool.ts).
   */
  understandMail?: MailUnderstander;
  /**
   * Takes a queue's or worker's 'error' when it is about reaching Redis (redis-watch.ts:
   * one warning per outage, not a line per reconnect); false: the caller logs it.
   */
  redisErrors?: (err: unknown, source: string) => boolean;
  /** Send latency, inbound parse time, wake-up lag (src/metrics); absent in tools and most tests. */
  metrics?: Pick<Metrics, "sendFinished" | "inboundParsed" | "wakeUpRan">;
}
