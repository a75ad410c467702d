/**
 * The relationship store's interface: what the HTTP layer and the jobs may ask of it.
 *
 * Every method is async and speaks in plain rows (times as epoch ms), so a Postgres
 * implementation can stand behind the same interface. Each method that changes more
 * than one row does so in one transaction; the comments say what each guarantees
 * under retries, because the jobs calling them are retried freely.
 */

import type {
  PreferenceChange,
  PreferenceSource,
  Preferences,
  ProfileChange,
} from "../consent/preferences.js";
import type { EventBody } from "../events/event-body.js";
import type { Flow, MessageCategory, RunState, RunStatus } from "../flows/types.js";
import type { ShortLinkStore } from "./short-links.js";
import type { SmsStore } from "./sms.js";

export interface CustomerRow {
  id: string;
  email: string;
  name: string | null;
  timezone: string | null;
  locale: string | null;
  birthday: string | null;
  attributes: Record<string, unknown>;
  tags: string[];
  /** What they chose to hear (src/consent/preferences.ts); `{}` until they choose. */
  preferences: Preferences;
  /** E.164, or null when no event gave one. */
  phone: string | null;
  /** Consent to marketing SMS for that phone: null until asked (see schema.ts). */
  smsConsent: boolean | null;
  smsConsentSource: string | null;
  smsConsentAt: number | null;
  createdAt: number;
  updatedAt: number;
}

export interface ProductRow {
  id: string;
  sku: string;
  name: string | null;
  category: string | null;
  relationship: "one_time" | "repeat" | null;
}

export interface OwnershipRow {
  id: string;
  customerId: string;
  productId: string;
  serial: string | null;
  kind: "registration" | "purchase";
  status: "active" | "disposed";
  startedAt: number;
  endedAt: number | null;
}

export interface EventRow {
  id: string;
  type: string;
  occurredAt: number;
  receivedAt: number;
  body: EventBody;
  status: "received" | "processed" | "failed";
  customerId: string | null;
  processedAt: number | null;
  error: string | null;
}

export interface RunRow {
  id: string;
  flowId: string;
  flowVersion: string;
  customerId: string;
  ownershipId: string | null;
  eventId: string;
  entryKey: string;
  state: RunState;
  status: RunState["status"];
  wakeAt: number | null;
  seq: number;
  error: string | null;
  createdAt: number;
  updatedAt: number;
  completedAt: number | null;
}

export type MessageStatus = "queued" | "sending" | "sent" | "failed" | "suppressed";

export type MessageChannel = "email" | "sms" | "preferred";
export type SmsDeliveryStatus = "delivered" | "failed" | "rejected" | "buffered" | "accepted";

/** A phone number no SMS may go to (schema.ts smsSuppressions). */
export interface SmsSuppressionRow {
  phone: string;
  reason: "stop" | "permanent_failure";
  detail: string | null;
  createdAt: number;
}

export interface MessageRow {
  id: string;
  runId: string | null;
  stepId: string | null;
  flowId: string | null;
  customerId: string;
  ownershipId: string | null;
  eventId: string | null;
  template: string;
  audience: "customer" | "team";
  toAddress: string;
  /** As the step asked (preferred until a delivery settles it); see schema.ts. */
  channel: MessageChannel;
  transactional: boolean;
  /** What the customer's choices can stop: transactional for `transactional` ones and notes to the team. */
  category: MessageCategory;
  /** The topic of config/rapport.yaml it belongs to; null: none. */
  topic: string | null;
  notBefore: number | null;
  status: MessageStatus;
  attempts: number;
  /**
   * Attempts cut off after the message may have reached the server (a lapsed claim taken
   * over, a send past its deadline). On a sent row above 0: a possible duplicate.
   */
  uncertainAttempts: number;
  leaseUntil: number | null;
  messageIdHeader: string;
  /** The Message-ID of the person's mail this message answers (In-Reply-To, References); null: none. */
  inReplyTo: string | null;
  subject: string | null;
  smtpResponse: string | null;
  /** The operator's delivery report of an SMS (schema.ts). */
  deliveryStatus: SmsDeliveryStatus | null;
  deliveryDetail: string | null;
  deliveryAt: number | null;
  error: string | null;
  createdAt: number;
  updatedAt: number;
  sentAt: number | null;
  /** When `rapport retry` last brought it back (the give-up time counts from the later of this and createdAt). */
  retriedAt: number | null;
}

export interface RunStepRow {
  runId: string;
  seq: number;
  stepId: string;
  stepType: string;
  at: number;
  detail: string | null;
}

/** What the events job learned from one event: the rows it touched. */
export interface IngestedEvent {
  customer: CustomerRow;
  product: ProductRow | null;
  ownership: OwnershipRow | null;
}

export interface NewRun {
  flowId: string;
  flowVersion: string;
  entryKey: string;
  ownershipId: string | null;
  state: RunState;
  /** entry: { at_most_once_in }: not started if the customer has a run of the flow started after this. */
  notIfStartedAfter?: number;
}

export interface NewMessage {
  /** Chosen by the caller so it can derive the Message-ID header from it. */
  id: string;
  stepId: string;
  template: string;
  messageIdHeader: string;
  /** Default "customer" (to the customer's address); "team" goes to `toAddress`. */
  audience?: "customer" | "team";
  toAddress?: string;
  /** Exempt from the send window and the frequency cap. */
  transactional?: boolean;
  /** Default: transactional when `transactional` or to the team, else relationship. */
  category?: MessageCategory;
  topic?: string | null;
  /** Default email; sms and preferred go to the customer's phone (see MessageRow.channel). */
  channel?: MessageChannel;
  /** The Message-ID of the person's mail it answers (the reply the step took). */
  inReplyTo?: string | null;
}

/** The result of one interpreter step, to be written atomically. */
export interface RunAdvance {
  runId: string;
  /** The seq the caller loaded; the write happens only if the run is still there. */
  expectedSeq: number;
  state: RunState;
  steps: Array<{ stepId: string; stepType: string; at: number; detail: string | null }>;
  messages: NewMessage[];
  /** tag / untag / set steps: changes to the run's customer, in the same transaction. */
  customer?: CustomerChanges;
  /** The run moved to this version of its flow (runs_in_flight: move). */
  flowVersion?: string;
  now: number;
  error?: string | null;
}

export interface CustomerChanges {
  addTags: string[];
  removeTags: string[];
  /** Attribute name (without "customer.attributes.") → value. */
  attributes: Record<string, string | number | boolean>;
}

export type AdvanceOutcome = AppliedAdvance | { applied: false; run: RunRow | null };
/** A step written: the run as it is now and the messages the step queued. */
export type AppliedAdvance = { applied: true; run: RunRow; messages: MessageRow[] };

export interface ClaimOptions {
  /**
   * The caller knows the message is outside the frequency cap (transactional, or to the
   * team): it may be claimed without taking its turn among the customer's claims (one
   * statement on Postgres). A hint only: a message under the cap is still claimed in turn.
   */
  uncapped?: boolean;
}

export interface SendRefusal {
  /** The SMTP command that was refused (RCPT TO, DATA, …), as nodemailer names it. */
  command: string | null;
  responseCode: number;
  /** The server's full answer, e.g. "550 5.1.1 <ada@example.com>: Recipient address rejected". */
  response: string;
  /**
   * hard (the default): the address is bad and is suppressed; block: the sender or the
   * message was refused (spam, policy, too big), so the message fails and the address is kept.
   */
  kind?: "hard" | "block";
}

export type ClaimOutcome =
  | {
      outcome: "claimed";
      message: MessageRow;
      /** What the send reads beside the message, when the claim read it too (Postgres, uncapped). */
      context?: DeliveryContext;
    }
  /** Already sent or finally failed: nothing to do. */
  | { outcome: "done"; message: MessageRow }
  /** Another attempt holds a live claim (it may be sending right now). */
  | { outcome: "busy"; message: MessageRow }
  | { outcome: "missing" };

export interface DeliveryContext {
  message: MessageRow;
  customer: CustomerRow;
  product: ProductRow | null;
  ownership: OwnershipRow | null;
  event: EventRow | null;
  /** Set when the recipient's address may no longer be written to. */
  suppression: SuppressionRow | null;
  /** Set when the customer's phone may no longer be texted (STOP, a permanent failure). */
  smsSuppression: SmsSuppressionRow | null;
}

export type InboundSource = "smtp" | "http" | "imap" | "sms";

export interface NewInbound {
  source: InboundSource;
  envelopeFrom: string | null;
  envelopeTo: string[];
  raw: Buffer;
}

export interface InboundRow {
  id: string;
  source: InboundSource;
  receivedAt: number;
  envelopeFrom: string | null;
  envelopeTo: string[];
  raw: Buffer;
  size: number;
  status: "received" | "processed" | "failed";
  interactionId: string | null;
  processedAt: number | null;
  error: string | null;
  /** The customer a message that could not be understood was attributed to (their timeline shows it). */
  failedCustomerId?: string | null;
}

/** Rows `rapport retry --failed` can bring back. */
export type FailedKind = "messages" | "events" | "inbound";

/** An inbound message that could not be understood, as a customer's timeline shows it. */
export interface FailedInbound {
  id: string;
  receivedAt: number;
  envelopeFrom: string | null;
  error: string;
}

export type InteractionKind = "human_reply" | "auto_reply" | "bounce" | "complaint" | "unsubscribe";
export type SuppressionReason = "hard_bounce" | "complaint" | "unsubscribe";

export interface NewInteraction {
  kind: InteractionKind;
  messageIdHeader: string | null;
  customerId: string | null;
  ownershipId: string | null;
  messageId: string | null;
  runId: string | null;
  attributedBy: string | null;
  toOwnerAddress: boolean;
  fromAddress: string | null;
  subject: string | null;
  text: string | null;
  detail: Record<string, unknown>;
  occurredAt: number;
  /**
   * Set when rapport handled it itself (an SMS keyword: HELP, START, STOP): it never waits
   * in the dashboard's inbox, which is for what a person must read. Default: null.
   */
  handledAt?: number | null;
}

export interface InteractionRow extends NewInteraction {
  id: string;
  /** Null for a refusal our SMTP server gave while sending (see recordSendRefusal). */
  inboundId: string | null;
  createdAt: number;
}

export interface SuppressionRow {
  email: string;
  reason: SuppressionReason;
  interactionId: string | null;
  createdAt: number;
}

export type SuppressCustomerOutcome =
  /** The customer's address is suppressed now. */
  | { outcome: "suppressed"; email: string; suppression: SuppressionRow }
  /** It already was (an earlier unsubscribe, or a hard bounce or complaint, which stays). */
  | { outcome: "already"; email: string; suppression: SuppressionRow }
  | { outcome: "no-customer" };

export type RecordInteractionOutcome =
  /** Recorded now, or by an earlier attempt for the same inbound message (a retry). */
  | { outcome: "recorded"; interaction: InteractionRow }
  /** Another inbound message with the same Message-ID was recorded before: this one is a copy. */
  | { outcome: "duplicate"; interaction: InteractionRow };

export interface FlowVersionRow {
  flowId: string;
  version: string;
  /** The flow's latest version before this one, when there was one. */
  previousVersion: string | null;
  firstSeenAt: number;
}

export interface Timeline {
  customer: CustomerRow;
  ownerships: Array<OwnershipRow & { product: ProductRow }>;
  events: EventRow[];
  runs: Array<RunRow & { steps: RunStepRow[] }>;
  /** possibleDuplicate: sent, after an earlier attempt that may have reached the server too. */
  messages: Array<MessageRow & { possibleDuplicate: boolean }>;
  interactions: InteractionRow[];
  suppression: SuppressionRow | null;
  /** Inbound mail attributed to this customer that could not be understood after its retries. */
  failedInbound?: FailedInbound[];
  /** Short links in their texts they followed, oldest first. */
  clicks?: LinkClickRow[];
}

/** One follow of a short link (PUBLIC_URL/s/CODE) in a text: which message, which link. */
export interface LinkClickRow {
  id: string;
  code: string;
  messageId: string;
  url: string;
  clickedAt: number;
  userAgent: string | null;
}

/**
 * Work whose attempts ran out (see jobs/exhausted.ts) and bringing it back by hand
 * (`rapport retry`). Each mark only changes a row still in the state the job found it
 * in, and says whether it did (so the failure is logged once).
 */
/** Grouped counts for /metrics (counts.ts). */
export interface CountStore {
  /** Messages by status and flow (flowId null: not from a flow). */
  messageCounts(): Promise<Array<{ status: string; flowId: string | null; count: number }>>;
  /** Interactions (replies, auto-replies, bounces, complaints, unsubscribes) by kind. */
  interactionCounts(): Promise<Array<{ kind: string; count: number }>>;
}

export interface FailureStore {
  /** A queued message not to be tried again before `notBefore` (the sweeper's backoff). */
  deferMessage(id: string, notBefore: number, reason: string, now: number): Promise<boolean>;
  /** A run not finished yet: failed with the reason. */
  failRun(id: string, error: string, now: number): Promise<boolean>;
  /** An event still 'received': failed with the reason. */
  failEvent(id: string, error: string, now: number): Promise<boolean>;
  /** An inbound message still 'received' (or failed by its job without a customer): failed with the reason, shown on `customerId`'s timeline if given. */
  failInbound(id: string, error: string, customerId: string | null, now: number): Promise<boolean>;
  /** Ids of failed rows of one kind, up to `limit`. */
  listFailed(kind: FailedKind, limit: number): Promise<string[]>;
  /** Failed rows (and deferred messages) back to queued / received; returns the ids changed. */
  resetFailed(kind: FailedKind, ids: readonly string[], now: number): Promise<string[]>;
}

// Broadcasts (product news): one flow run for every active owner of a product or category,
// and for a category's former owners who stay in touch (src/store/broadcast-audience.ts).

/**
 * Who a broadcast is for: the active owners of one product, or of every product in a
 * category with, for a category, its former owners who chose to stay in touch.
 */
export type BroadcastAudience = { sku: string; category?: undefined } | { category: string; sku?: undefined };

export type BroadcastStatus = "queued" | "running" | "completed" | "failed";

/** After this ownership of this product (keyset pagination in (product id, ownership id) order). */
export interface BroadcastCursor {
  productId: string;
  ownershipId: string;
}

export interface NewBroadcast {
  /** The sender's idempotency key, else generated. */
  id?: string;
  flowId: string;
  /** The flow's trigger event: the type of the event every run names. */
  eventType: string;
  audience: BroadcastAudience;
  properties: Record<string, string | number | boolean | null>;
}

export interface BroadcastRow {
  id: string;
  flowId: string;
  eventId: string;
  audience: BroadcastAudience;
  properties: Record<string, string | number | boolean | null>;
  status: BroadcastStatus;
  cursor: BroadcastCursor | null;
  pages: number;
  total: number | null;
  started: number;
  skipped: number;
  error: string | null;
  createdAt: number;
  updatedAt: number;
  finishedAt: number | null;
}

/**
 * One owner as a broadcast page lists them, with what the flow's `where` reads: an active
 * ownership, or (category audiences) the disposed one a former owner who stays in touch is
 * reached through (`ownership.status: disposed`).
 */
export interface AudienceOwner {
  customer: CustomerRow;
  product: ProductRow;
  ownership: OwnershipRow;
}

export interface AudiencePage {
  owners: AudienceOwner[];
  /** Where the page after this one starts. */
  next: BroadcastCursor | null;
  /** True when no owner follows this page. */
  exhausted: boolean;
}

/** A run a broadcast page creates (each for its own customer). */
export interface NewBroadcastRun extends NewRun {
  customerId: string;
}

export interface BroadcastPageWrite {
  broadcastId: string;
  /** The page count the job read; the page is written only if the broadcast is still there. */
  expectedPages: number;
  next: BroadcastCursor | null;
  runs: NewBroadcastRun[];
  /** Owners the flow's `where` turned away (entry-key conflicts are counted by the store). */
  skipped: number;
  /** The last page: the broadcast is completed with it. */
  done: boolean;
  now: number;
}

export type BroadcastPageOutcome =
  | { applied: true; broadcast: BroadcastRow; created: RunRow[] }
  | { applied: false; broadcast: BroadcastRow | null };

/** The broadcast part of the store (kept apart so it reads as one feature). */
export interface BroadcastStore {
  /**
   * Stores a broadcast once per id, with the event its runs name, in one transaction.
   * A repeated id returns duplicate=true and changes nothing.
   */
  createBroadcast(input: NewBroadcast, now: number): Promise<{ broadcast: BroadcastRow; duplicate: boolean }>;
  getBroadcast(id: string): Promise<BroadcastRow | null>;
  /** queued → running, with the audience's size as it is now. */
  markBroadcastRunning(id: string, total: number, now: number): Promise<void>;
  markBroadcastFailed(id: string, error: string, now: number): Promise<void>;
  /** The audience now: active owners, and former owners who stay in touch (once per customer). */
  countAudience(audience: BroadcastAudience): Promise<number>;
  /**
   * The audience's owners among the `limit` ownerships read after `cursor`, in (product id,
   * ownership id) order: fewer than `limit` (none, even) when some read are not in it.
   */
  audiencePage(
    audience: BroadcastAudience,
    cursor: BroadcastCursor | null,
    limit: number,
  ): Promise<AudiencePage>;
  /**
   * In one transaction: creates the page's runs (skipping any whose entry key exists),
   * moves the cursor, adds to the counts, and completes the broadcast on the last page.
   * Returns the runs created, for the caller to queue.
   */
  writeBroadcastPage(page: BroadcastPageWrite): Promise<BroadcastPageOutcome>;
  /** Broadcasts queued or running that nobody has moved since `updatedBefore`. */
  listStrandedBroadcasts(updatedBefore: number, limit: number): Promise<string[]>;
}

// Date-triggered flows: birthdays and anniversaries of ownerships, each year.

/** When a date flow next comes due for one customer (birthday) or ownership (anniversary). */
export interface DateScheduleRow {
  key: string;
  flowId: string;
  customerId: string;
  ownershipId: string | null;
  triggerKey: string;
  /** Epoch ms; null: nothing to schedule (no date known, the ownership disposed). */
  nextAt: number | null;
  /** The occurrence fired last, if any. */
  lastOccurrence: number | null;
  createdAt: number;
  updatedAt: number;
}

/** A schedule as the jobs computed it; last_occurrence is kept as stored. */
export interface DateScheduleWrite {
  key: string;
  flowId: string;
  customerId: string;
  ownershipId: string | null;
  triggerKey: string;
  nextAt: number | null;
}

/** A customer (birthday flows) or an ownership (anniversary flows) as the backfill pages them. */
export interface DateBackfillItem {
  customer: CustomerRow;
  ownership: OwnershipRow | null;
  /** Its schedule of the flow, if it has one. */
  schedule: DateScheduleRow | null;
}

/**
 * One due schedule, handled: moved from `expectedNextAt` to `nextAt` and, with `start`,
 * the occurrence's event row (deterministic id) and run written in the same transaction.
 */
export interface DateFiring {
  key: string;
  expectedNextAt: number;
  nextAt: number | null;
  triggerKey: string;
  /** Set when the occurrence is fired (it becomes last_occurrence). */
  fired: boolean;
  start?: {
    event: { id: string; type: string; occurredAt: number; customerEmail: string; body: EventBody };
    customerId: string;
    run: NewRun;
  };
  now: number;
}

export interface DateScheduleStore {
  /** A customer with their ownerships and their date schedules; null when there is no such customer. */
  dateScheduleSubject(
    customerId: string,
  ): Promise<{ customer: CustomerRow; ownerships: OwnershipRow[]; schedules: DateScheduleRow[] } | null>;
  /** Inserts or updates these schedules (by key) in one transaction. */
  upsertDateSchedules(rows: DateScheduleWrite[], now: number): Promise<void>;
  /**
   * Up to `limit` customers (over "customers") or ownerships with their customer (over
   * "ownerships") after id `after`, in id order, each with its schedule of `flowId`.
   * `next` is the id to page on from, null after the last.
   */
  dateBackfillPage(
    flowId: string,
    over: "customers" | "ownerships",
    after: string,
    limit: number,
  ): Promise<{ items: DateBackfillItem[]; next: string | null }>;
  /** Schedules of these flows due at `now` (next_at <= now), oldest first. */
  listDueDateSchedules(flowIds: readonly string[], now: number, limit: number): Promise<DateScheduleRow[]>;
  /**
   * In one transaction: moves the schedule if it is still at expectedNextAt (else nothing
   * happens: applied false), and with `start` stores the occurrence's event (once per id)
   * and its run (once per entry key). Returns the occurrence's runs not advanced yet.
   */
  fireDateSchedule(firing: DateFiring): Promise<{ applied: boolean; runs: RunRow[] }>;
  getDateSchedule(key: string): Promise<DateScheduleRow | null>;
}

/** Events as received, and the sweeper's view of those never processed. */
export interface EventStore {
  /** Stores an event once per id. A repeated id returns duplicate=true and changes nothing. */
  recordEvent(
    body: EventBody,
    now: number,
  ): Promise<{ eventId: string; duplicate: boolean; event: EventRow }>;
  getEvent(id: string): Promise<EventRow | null>;
  markEventFailed(id: string, error: string, now: number): Promise<void>;
  /** Work whose queue job may have been lost; the sweeper re-queues it. */
  listStrandedEvents(receivedBefore: number, limit: number): Promise<string[]>;
}

/** Customers, their products and ownerships, and what they asked us not to do. */
export interface CustomerStore {
  /**
   * Upserts the customer, product and ownership an event describes (a disposition
   * ends the ownership). Idempotent: replaying the same event leaves the same rows.
   */
  ingestEvent(event: EventRow, now: number): Promise<IngestedEvent>;
  /** By id, or by the 13-character id prefix a short owner line carries (null when two share it). */
  getOwnership(id: string): Promise<(OwnershipRow & { product: ProductRow }) | null>;
  findCustomerByEmail(email: string): Promise<CustomerRow | null>;
  getCustomer(id: string): Promise<CustomerRow | null>;
  getSuppression(email: string): Promise<SuppressionRow | null>;
  /**
   * Suppresses the customer's address because they asked (an unsubscribe through a link,
   * a reply or a mailto; see src/consent/unsubscribe.ts), once: an address already
   * suppressed keeps its row, whatever its reason.
   */
  suppressCustomer(customerId: string, reason: "unsubscribe", now: number): Promise<SuppressCustomerOutcome>;
}

/** Everything the store knows about one customer, for people to read. */
export interface TimelineStore {
  /** Null when no customer has this address. */
  timeline(email: string): Promise<Timeline | null>;
}

/** Flow runs: started by events, advanced one step at a time under optimistic concurrency. */
export interface RunStore {
  /**
   * Creates the runs an event starts (skipping any whose entry key exists) and marks
   * the event processed, in one transaction. Returns every run this event owns that has
   * not been advanced yet, so a retry re-queues what a crash left behind.
   */
  startRuns(eventId: string, customerId: string, runs: NewRun[], now: number): Promise<RunRow[]>;
  /**
   * ingestEvent, then startRuns with the runs `runsFor` chooses from what was ingested,
   * all in one transaction. `runsFor` is pure (no I/O); it may be called again on a retry.
   * `firstAdvance` (pure too) may give a started run's first step, which is then applied
   * in the same transaction (applyAdvance): such runs are in `advanced`, the others in `runs`.
   */
  ingestAndStartRuns(
    event: EventRow,
    now: number,
    runsFor: (ingested: IngestedEvent) => NewRun[],
    firstAdvance?: (run: RunRow, ingested: IngestedEvent) => RunAdvance | null,
  ): Promise<{ ingested: IngestedEvent; runs: RunRow[]; advanced: AppliedAdvance[] }>;
  getRun(id: string): Promise<RunRow | null>;
  /** What a run's conditions read: its customer (as now), product and ownership, and the event that started it. */
  runContext(runId: string): Promise<{
    event: EventRow;
    ingested: IngestedEvent;
    ownerships: Array<OwnershipRow & { product: ProductRow }>;
  } | null>;
  /** Writes state, history and outbox rows of one step, if the run is still at expectedSeq. */
  applyAdvance(advance: RunAdvance): Promise<AdvanceOutcome>;
  listDueRuns(now: number, updatedBefore: number, limit: number): Promise<RunRow[]>;
  /** Runs of a customer that are waiting (for time or a reply), oldest first. */
  listWaitingRuns(customerId: string): Promise<RunRow[]>;
}

/** Every version of every flow, so runs keep the definition they started on. */
export interface FlowVersionStore {
  /** Puts each flow version not seen before on record; returns those (changes since the last start). */
  recordFlowVersions(flows: readonly Flow[], now: number): Promise<FlowVersionRow[]>;
  /** A flow as it was at `version`, for runs that started on it. */
  getFlowVersion(flowId: string, version: string): Promise<Flow | null>;
  /** Every recorded version of a flow, oldest first. */
  listFlowVersions(flowId: string): Promise<Flow[]>;
}

/** The outbox and send ledger: messages claimed, sent, postponed, refused. */
export interface OutboxStore {
  /**
   * Takes a message for sending; the claim lasts until now + leaseMs. Taking over a claim
   * whose lease ran out counts an uncertain attempt (the earlier one may have been sent).
   */
  claimMessage(id: string, now: number, leaseMs: number, opts?: ClaimOptions): Promise<ClaimOutcome>;
  /** Idempotent; callers retry it until it lands (the SMTP server has the message). */
  markSent(id: string, result: { subject: string; smtpResponse: string; now: number }): Promise<void>;
  /**
   * Gives a claimed message back for a later attempt (a transient failure). `uncertain`:
   * the failed attempt may still have reached the server (a send past its deadline).
   * `leaseUntil`: the caller's claim (its lease as claimed); the row is given back only while
   * that claim holds, not after another attempt has taken it over.
   */
  releaseMessage(
    id: string,
    error: string,
    now: number,
    opts?: { uncertain?: boolean; leaseUntil?: number },
  ): Promise<void>;
  /**
   * In one transaction: a permanent SMTP refusal (5xx at RCPT or after DATA) recorded like
   * an incoming bounce: a bounce interaction on the message (its kind in the detail), the
   * address suppressed when the kind is hard (not for a block), the message failed with the
   * server's answer. Once per message (retries find it done).
   */
  recordSendRefusal(messageId: string, refusal: SendRefusal, now: number): Promise<void>;
  /** Sent messages that may have reached their recipient more than once (for metrics). */
  countPossibleDuplicates(): Promise<number>;
  /** A permanent failure: the message will not be tried again. */
  failMessage(id: string, error: string, now: number): Promise<void>;
  deliveryContext(messageId: string): Promise<DeliveryContext | null>;
  /**
   * Settles the channel a message goes out on (preferred → email or sms) and the address
   * or phone it goes to, before it is sent; only while the caller holds its claim.
   */
  addressMessage(id: string, channel: "email" | "sms", toAddress: string, now: number): Promise<void>;
  /**
   * An SMS delivery report, in one transaction: the message's delivery status and the
   * operator's answer (a final one — delivered, failed, rejected — is not overwritten by a
   * late intermediate one); failed or rejected also fail the message with that answer, and
   * failed (permanent) suppresses the number. False when no SMS has that id.
   */
  recordSmsDelivery(
    messageId: string,
    report: { status: SmsDeliveryStatus; detail: string | null },
    now: number,
  ): Promise<boolean>;
  listStrandedMessages(now: number, updatedBefore: number, limit: number): Promise<string[]>;
  getMessage(id: string): Promise<MessageRow | null>;
  /** Our outgoing messages with any of these Message-ID headers (angle brackets included). */
  findMessagesByHeader(headers: string[]): Promise<MessageRow[]>;
  /**
   * When the customer's other relationship messages went out (sent since `since`, or being
   * sent under a claim taken before this message's): what the frequency cap counts.
   */
  relationshipSendTimes(messageId: string, since: number): Promise<number[]>;
  /** Gives a claimed message back, not to be sent before `notBefore` (send window, cap). */
  postponeMessage(id: string, notBefore: number, reason: string, now: number): Promise<void>;
  /** A message that will not be sent because its address is suppressed. */
  suppressMessage(id: string, reason: string, now: number): Promise<void>;
}

/** Inbound mail as it arrived, and what customers said in it. */
export interface InboundStore {
  /** Keeps the raw message before anything else looks at it. */
  recordInbound(inbound: NewInbound, now: number): Promise<InboundRow>;
  getInbound(id: string): Promise<InboundRow | null>;
  markInboundFailed(id: string, error: string, now: number): Promise<void>;
  /** An interaction's new text (a reply's words), or null: what `reply.text` conditions test. */
  interactionText(interactionId: string): Promise<string | null>;
  /** The Message-ID header of an interaction's mail (null: none, e.g. a text message). */
  interactionMessageId(interactionId: string): Promise<string | null>;
  listStrandedInbound(receivedBefore: number, limit: number): Promise<string[]>;
  /**
   * In one transaction: records the interaction for an inbound message (once per inbound
   * message, and once per Message-ID), adds the suppression if one is given, and marks the
   * inbound message processed.
   */
  recordInteraction(
    inboundId: string,
    interaction: NewInteraction,
    suppress: { email: string; reason: SuppressionReason } | null,
    now: number,
  ): Promise<RecordInteractionOutcome>;
}

/** A waiting run as the wake-up promoter reads it: what its step job names, and when it is due. */
export interface WakingRun {
  id: string;
  seq: number;
  wakeAt: number;
}

/** After this run in (wake_at, id) order: where the next page of waking runs starts. */
export interface WakeCursor {
  wakeAt: number;
  id: string;
}

/**
 * Runs waiting on time beyond the wake horizon live only in the store (no job in Redis);
 * the promoter (src/jobs/wake-promoter.ts) hands them to BullMQ as they come within it,
 * and keeps how far it got (the watermark) here so a restart goes on from there.
 */
export interface WakeStore {
  /**
   * Waiting runs with a wake time after `after` (in (wake_at, id) order; null: from the
   * first) and at most `through`, in that order, up to `limit`.
   */
  listRunsWaking(after: WakeCursor | null, through: number, limit: number): Promise<WakingRun[]>;
  /** Every waiting run waking at or before this has its job in Redis; null before the first promotion. */
  getWakeWatermark(): Promise<number | null>;
  setWakeWatermark(promotedThrough: number, now: number): Promise<void>;
}

/** What a demo start rescaled (src/store/rescale-waits.ts): the runs to wake and the messages to deliver. */
export interface RescaledWaits {
  runs: Array<{ id: string; seq: number; wakeAt: number }>;
  messages: string[];
}

/** Demo mode's waits (RAPPORT_WAIT_SCALE) applied to what already waits: see src/store/rescale-waits.ts. */
export interface RescaleStore {
  rescaleWaits(scale: number, now: number): Promise<RescaledWaits>;
}

/** What one preference change did. */
export interface PreferenceChangeResult {
  /** The customer's preferences after the change. */
  preferences: Preferences;
  /**
   * The choices that changed ("all", "frequency", "stayInTouch", "topics.<name>", and
   * "birthday", "timezone" from a profile change); empty: none did.
   */
  changed: string[];
  /**
   * The preference_changed event stored with it (status received: queue it like any event,
   * so flows can start on it); null when nothing changed and no event was stored.
   */
  eventId: string | null;
}

/** A customer's choices of what to hear, changed only together with the event that says so. */
export interface PreferenceStore {
  /**
   * In one transaction: merges `change` into the customer's preferences, stores a
   * preference_changed event (status received, on their timeline) naming what changed
   * and the source, and for `all: false` adds the `unsubscribe` suppression of their
   * address (kept if one exists); `all: true` takes an `unsubscribe` suppression away
   * (never a hard bounce or complaint). A change that changes nothing stores no event
   * (a second one-click POST). Null when there is no such customer.
   * `profile` (the preference page) changes the customer's birthday and time zone in the
   * same transaction, named in the same event; queueing that event is what reschedules
   * their date flows (the events job recomputes them from the row).
   */
  changePreferences(
    customerId: string,
    change: PreferenceChange,
    source: PreferenceSource,
    now: number,
    profile?: ProfileChange,
  ): Promise<PreferenceChangeResult | null>;
  /** What the preference page shows: the customer, what they own or owned, their address's suppression. */
  preferencePage(customerId: string): Promise<PreferencePageSubject | null>;
}

export interface PreferencePageSubject {
  customer: CustomerRow;
  /** Active and disposed, oldest first. */
  owned: Array<OwnershipRow & { product: ProductRow }>;
  suppression: SuppressionRow | null;
}

// The operator's dashboard (/ui): src/store/dashboard.ts.

/** Where a page starts: rows strictly older than (at, id). */
export interface PageCursor {
  at: number;
  id: string;
}

export interface Page<T> {
  items: T[];
  /** The cursor of the page after this one; null on the last page. */
  next: PageCursor | null;
}

/** Runs of one flow version in one status at one place (cursor) with one outcome. */
export interface FlowRunCount {
  flowId: string;
  flowVersion: string;
  status: RunStatus;
  /** The run's cursor (src/flows/types.ts Cursor); null for failed runs. */
  cursor: number[] | null;
  /** exited / converted when a flow-level rule ended it. */
  outcome: string | null;
  runs: number;
}

export interface InboxItem {
  id: string;
  kind: InteractionKind;
  toOwnerAddress: boolean;
  fromAddress: string | null;
  subject: string | null;
  text: string | null;
  occurredAt: number;
  customerEmail: string | null;
  customerName: string | null;
  productName: string | null;
  productSku: string | null;
  /** The message it answers, when attributed to one. */
  messageSubject: string | null;
  messageTemplate: string | null;
  flowId: string | null;
}

export interface FailureItem {
  kind: FailedKind;
  id: string;
  at: number;
  /** What it was: a template, an event type, an inbound message's sender. */
  what: string;
  error: string | null;
  customerEmail: string | null;
}

export interface CustomerHit {
  id: string;
  email: string;
  name: string | null;
}

/** What the dashboard reads (and the one thing it writes: an inbox item handled). */
export interface DashboardStore {
  /** Runs grouped by flow, version, status, cursor and outcome (one aggregate over every run). */
  flowRunCounts(): Promise<FlowRunCount[]>;
  /** Human replies attributed to a run of each flow. */
  repliesByFlow(): Promise<Array<{ flowId: string; replies: number }>>;
  /** Human replies and owner-line mail not yet handled, newest first, older than `cursor`. */
  inbox(cursor: PageCursor | null, limit: number): Promise<Page<InboxItem>>;
  inboxCount(): Promise<number>;
  /** Marks an inbox item handled; false when it was not waiting (handled already, or not an inbox item). */
  markHandled(interactionId: string, now: number): Promise<boolean>;
  /** Failed rows of one kind with their reason, newest first, older than `cursor`. */
  failures(kind: FailedKind, cursor: PageCursor | null, limit: number): Promise<Page<FailureItem>>;
  /** Customers whose email starts with `prefix` (lower-cased), in email order, after the email `after`. */
  findCustomers(prefix: string, limit: number, after?: string): Promise<CustomerHit[]>;
}

/**
 * The relationship store: one interface per area, composed. Every method runs in its own
 * transaction (or read) on a handle of the backend's (src/store/sql), never on the root.
 */
export interface Store
  extends EventStore,
    CustomerStore,
    RunStore,
    FlowVersionStore,
    OutboxStore,
    InboundStore,
    TimelineStore,
    BroadcastStore,
    DateScheduleStore,
    FailureStore,
    WakeStore,
    PreferenceStore,
    SmsStore,
    ShortLinkStore,
    DashboardStore,
    CountStore,
    RescaleStore {
  close(): Promise<void>;
}
