/**
 * The relationship store's schema in the Postgres dialect: the same tables, columns and
 * indexes as schema.ts (SQLite), column for column; test/unit/store/schema-parity.test.ts
 * holds the two together. Epoch-ms times are bigint (read back as numbers), booleans are
 * boolean, the raw inbound mail is bytea. Migrations: `npm run db:generate`.
 *
 * Below, the SQLite file's own header, which holds for both:
 *
 * The relationship store's schema (SQLite dialect). Times are epoch milliseconds
 * (integers) and structured values are JSON text, so the same shapes map onto
 * Postgres later without changing the store's interface. Every index below serves
 * a query the worker or the timeline makes; the comment beside it says which.
 */
import { sql } from "drizzle-orm";
import {
  bigint,
  bigserial,
  boolean,
  customType,
  index,
  pgTable,
  primaryKey,
  text,
  uniqueIndex,
} from "drizzle-orm/pg-core";

/** Raw bytes (the inbound mail as it arrived). */
const bytea = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => "bytea" });

export const customers = pgTable("customers", {
  id: text("id").primaryKey(),
  /** Lower-cased; the natural key events use. */
  email: text("email").notNull().unique(),
  name: text("name"),
  timezone: text("timezone"),
  locale: text("locale"),
  /** ISO date (YYYY-MM-DD) or MM-DD when the year is not known. */
  birthday: text("birthday"),
  attributes: text("attributes").notNull().default("{}"),
  /** JSON array of tags flows set with `tag` / `untag`. */
  tags: text("tags").notNull().default("[]"),
  /**
   * JSON object: what the customer chose to hear (topics, how often, stop everything);
   * src/consent/preferences.ts has its shape. Changed only with a preference_changed event.
   */
  preferences: text("preferences").notNull().default("{}"),
  /** E.164 (+447700900123), validated with libphonenumber-js when an event gave it. */
  phone: text("phone"),
  /**
   * Consent to marketing SMS, for the phone above: true, false (withdrawn or refused) or null
   * (never asked). Where and when it was given or withdrawn is kept beside it, as proof.
   * A new phone number without a consent of its own clears it (consent is to a number).
   */
  smsConsent: boolean("sms_consent"),
  smsConsentSource: text("sms_consent_source"),
  smsConsentAt: bigint("sms_consent_at", { mode: "number" }),
  createdAt: bigint("created_at", { mode: "number" }).notNull(),
  updatedAt: bigint("updated_at", { mode: "number" }).notNull(),
});

export const products = pgTable(
  "products",
  {
    id: text("id").primaryKey(),
    sku: text("sku").notNull().unique(),
    name: text("name"),
    category: text("category"),
    /** one_time or repeat: which flows suit the product (flows filter on product.relationship). */
    relationship: text("relationship", { enum: ["one_time", "repeat"] }),
    createdAt: bigint("created_at", { mode: "number" }).notNull(),
    updatedAt: bigint("updated_at", { mode: "number" }).notNull(),
  },
  (t) => [
    // A broadcast to a category lists the category's products.
    index("products_category").on(t.category, t.id),
  ],
);

/** A customer's registration or purchase of a product; a disposition ends it. */
export const ownerships = pgTable(
  "ownerships",
  {
    id: text("id").primaryKey(),
    customerId: text("customer_id")
      .notNull()
      .references(() => customers.id),
    productId: text("product_id")
      .notNull()
      .references(() => products.id),
    /** '' when the event named no serial, so the unique index below still holds. */
    serial: text("serial").notNull().default(""),
    kind: text("kind", { enum: ["registration", "purchase"] }).notNull(),
    status: text("status", { enum: ["active", "disposed"] })
      .notNull()
      .default("active"),
    startedAt: bigint("started_at", { mode: "number" }).notNull(),
    endedAt: bigint("ended_at", { mode: "number" }),
    createdAt: bigint("created_at", { mode: "number" }).notNull(),
    updatedAt: bigint("updated_at", { mode: "number" }).notNull(),
  },
  (t) => [
    // One ownership per customer, product and serial: a re-registration updates it.
    uniqueIndex("ownerships_customer_product_serial").on(t.customerId, t.productId, t.serial),
    // Product news goes to every owner of a product: a broadcast pages through a product's
    // active owners in id order (keyset pagination, src/store/broadcasts.ts).
    index("ownerships_product").on(t.productId, t.status, t.id),
    // Postgres only: a short owner line names its ownership by an id prefix, found with
    // LIKE 'prefix%'; under a non-C collation only a pattern-ops index serves that.
    index("ownerships_id_prefix").using("btree", t.id.op("text_pattern_ops")),
  ],
);

export const events = pgTable(
  "events",
  {
    /** The sender's id when it gave one (idempotency key), else generated. */
    id: text("id").primaryKey(),
    type: text("type").notNull(),
    occurredAt: bigint("occurred_at", { mode: "number" }).notNull(),
    receivedAt: bigint("received_at", { mode: "number" }).notNull(),
    customerEmail: text("customer_email").notNull(),
    /** The validated request body, as JSON. */
    payload: text("payload").notNull(),
    status: text("status", { enum: ["received", "processed", "failed"] })
      .notNull()
      .default("received"),
    customerId: text("customer_id"),
    processedAt: bigint("processed_at", { mode: "number" }),
    error: text("error"),
  },
  (t) => [
    // The sweeper re-queues events received but never processed (e.g. Redis was away).
    index("events_status_received").on(t.status, t.receivedAt),
    // The customer's timeline.
    index("events_customer").on(t.customerId, t.occurredAt),
  ],
);

export const flowRuns = pgTable(
  "flow_runs",
  {
    id: text("id").primaryKey(),
    flowId: text("flow_id").notNull(),
    flowVersion: text("flow_version").notNull(),
    customerId: text("customer_id")
      .notNull()
      .references(() => customers.id),
    ownershipId: text("ownership_id").references(() => ownerships.id),
    eventId: text("event_id").notNull(),
    /** Encodes the flow's entry rule; its uniqueness is what makes "once" hold under retries. */
    entryKey: text("entry_key").notNull().unique(),
    /** The interpreter's RunState as JSON. */
    state: text("state").notNull(),
    status: text("status", { enum: ["active", "waiting", "completed", "failed"] }).notNull(),
    wakeAt: bigint("wake_at", { mode: "number" }),
    /** Count of advances applied; a step job names the seq it expects (optimistic concurrency). */
    seq: bigint("seq", { mode: "number" }).notNull().default(0),
    error: text("error"),
    createdAt: bigint("created_at", { mode: "number" }).notNull(),
    updatedAt: bigint("updated_at", { mode: "number" }).notNull(),
    completedAt: bigint("completed_at", { mode: "number" }),
    /**
     * Where the run is: its state's cursor as JSON (src/flows/types.ts Cursor), and how a
     * flow-level rule ended it (exited / converted). Copies of the state's, kept in columns
     * (and an index) so the dashboard counts runs per step without reading every state.
     */
    place: text("place"),
    outcome: text("outcome"),
  },
  (t) => [
    // The sweeper finds runs whose wake-up is due but whose job went missing.
    index("flow_runs_status_wake").on(t.status, t.wakeAt),
    index("flow_runs_customer").on(t.customerId, t.createdAt),
    index("flow_runs_event").on(t.eventId),
    // The dashboard's runs per flow and step: a covering index, so counting reads no rows.
    index("flow_runs_place").on(t.flowId, t.flowVersion, t.status, t.place, t.outcome),
  ],
);

/** Each step a run executed, in order: the run's history on the timeline. */
export const runSteps = pgTable(
  "run_steps",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    runId: text("run_id")
      .notNull()
      .references(() => flowRuns.id),
    seq: bigint("seq", { mode: "number" }).notNull(),
    stepId: text("step_id").notNull(),
    stepType: text("step_type").notNull(),
    at: bigint("at", { mode: "number" }).notNull(),
    detail: text("detail"),
  },
  (t) => [index("run_steps_run").on(t.runId, t.id)],
);

/**
 * The outbox and send ledger in one: a row is written in the same transaction as the
 * step that decided to send it, claimed before sending, and marked after.
 */
export const messages = pgTable(
  "messages",
  {
    id: text("id").primaryKey(),
    /** runId:seq:stepId — a step applied twice cannot queue the message twice. */
    dedupeKey: text("dedupe_key").notNull().unique(),
    runId: text("run_id").references(() => flowRuns.id),
    stepId: text("step_id"),
    flowId: text("flow_id"),
    customerId: text("customer_id")
      .notNull()
      .references(() => customers.id),
    ownershipId: text("ownership_id").references(() => ownerships.id),
    eventId: text("event_id"),
    template: text("template").notNull(),
    /** customer: to the customer; team: a notification to the brand's team about the customer. */
    audience: text("audience", { enum: ["customer", "team"] })
      .notNull()
      .default("customer"),
    toAddress: text("to_address").notNull(),
    /**
     * email, sms, or preferred (the customer's choice, else email) as the step asked; the
     * delivery settles preferred to the channel it goes out on (and to_address to the phone
     * an SMS goes to) before sending.
     */
    channel: text("channel", { enum: ["email", "sms", "preferred"] })
      .notNull()
      .default("email"),
    /** Exempt from the send window and the frequency cap (it answers something the customer did). */
    transactional: boolean("transactional").notNull().default(false),
    /**
     * transactional, relationship or news (MessageCategory in src/flows/types.ts): what the
     * customer's choices can stop. A team notification is transactional.
     */
    category: text("category", { enum: ["transactional", "relationship", "news"] })
      .notNull()
      .default("relationship"),
    /** The topic of config/rapport.yaml it belongs to (the customer may have turned it off); null: none. */
    topic: text("topic"),
    /** Postponed by the send window or the frequency cap: not to be sent before this. */
    notBefore: bigint("not_before", { mode: "number" }),
    status: text("status", { enum: ["queued", "sending", "sent", "failed", "suppressed"] })
      .notNull()
      .default("queued"),
    attempts: bigint("attempts", { mode: "number" }).notNull().default(0),
    /**
     * Attempts cut off after the message may have reached the SMTP server: a claim taken
     * over after its lease ran out (the process died or stalled mid-send), or a send that
     * passed its deadline. Above 0 on a sent row: the recipient may have it more than once.
     */
    uncertainAttempts: bigint("uncertain_attempts", { mode: "number" }).notNull().default(0),
    /** While status is 'sending': until when the claim holds before another attempt may take over. */
    leaseUntil: bigint("lease_until", { mode: "number" }),
    /** RFC 5322 Message-ID, derived from the row id. */
    messageIdHeader: text("message_id_header").notNull(),
    /**
     * The Message-ID of the mail a person wrote that this message answers (a step taken
     * because the customer replied, e.g. after wait_for_reply), for In-Reply-To and
     * References; null: it answers none.
     */
    inReplyTo: text("in_reply_to"),
    subject: text("subject"),
    smtpResponse: text("smtp_response"),
    /**
     * What the operator reported after the send (SMS delivery reports): delivered, failed
     * (for good: the number is suppressed), rejected, buffered or accepted; with its answer.
     */
    deliveryStatus: text("delivery_status", {
      enum: ["delivered", "failed", "rejected", "buffered", "accepted"],
    }),
    deliveryDetail: text("delivery_detail"),
    deliveryAt: bigint("delivery_at", { mode: "number" }),
    error: text("error"),
    createdAt: bigint("created_at", { mode: "number" }).notNull(),
    updatedAt: bigint("updated_at", { mode: "number" }).notNull(),
    sentAt: bigint("sent_at", { mode: "number" }),
    /** When `rapport retry` last brought it back: the give-up time counts from here too. */
    retriedAt: bigint("retried_at", { mode: "number" }),
  },
  (t) => [
    // The sweeper re-queues messages whose delivery job went missing.
    index("messages_status_updated").on(t.status, t.updatedAt),
    index("messages_customer").on(t.customerId, t.createdAt),
    // /metrics counts messages by status and flow from this index alone (counts.ts): a
    // few hundred ms for 600,000 messages instead of seconds reading the table.
    index("messages_status_flow").on(t.status, t.flowId),
    // Replies are attributed by Message-ID (In-Reply-To / References).
    uniqueIndex("messages_message_id_header").on(t.messageIdHeader),
  ],
);

/**
 * Every inbound message as it arrived (SMTP listener, POST /v1/inbound, IMAP), stored
 * before anything else happens to it so nothing is lost if understanding it fails.
 */
export const inboundMessages = pgTable(
  "inbound_messages",
  {
    id: text("id").primaryKey(),
    /** sms: a text Kannel passed on (raw: JSON of from, to, text, id; see src/jobs/process-sms.ts). */
    source: text("source", { enum: ["smtp", "http", "imap", "sms"] }).notNull(),
    receivedAt: bigint("received_at", { mode: "number" }).notNull(),
    envelopeFrom: text("envelope_from"),
    /** JSON array of the envelope recipients (RCPT TO), lower-cased. */
    envelopeTo: text("envelope_to").notNull().default("[]"),
    raw: bytea("raw").notNull(),
    size: bigint("size", { mode: "number" }).notNull(),
    status: text("status", { enum: ["received", "processed", "failed"] })
      .notNull()
      .default("received"),
    interactionId: text("interaction_id"),
    processedAt: bigint("processed_at", { mode: "number" }),
    error: text("error"),
    /** Set on a message that failed (could not be understood) when its address names a customer: their timeline shows it. */
    failedCustomerId: text("failed_customer_id"),
  },
  (t) => [
    // The sweeper re-queues inbound mail stored but never processed.
    index("inbound_status_received").on(t.status, t.receivedAt),
    index("inbound_failed_customer").on(t.failedCustomerId),
  ],
);

/**
 * What a customer (or their mail system) said to us: replies, mail to owner-only
 * addresses, auto-replies, bounces, complaints, unsubscribe requests; attributed to
 * the customer, ownership, message and run it concerns where that could be known.
 */
export const interactions = pgTable(
  "interactions",
  {
    id: text("id").primaryKey(),
    /**
     * The inbound message it came in; null for what our own SMTP server told us while
     * sending (a 5xx at RCPT or after DATA is recorded as a hard bounce of that message).
     */
    inboundId: text("inbound_id")
      .unique()
      .references(() => inboundMessages.id),
    kind: text("kind", {
      enum: ["human_reply", "auto_reply", "bounce", "complaint", "unsubscribe"],
    }).notNull(),
    /** The Message-ID of the inbound mail; a second copy of the same mail is recorded once. */
    messageIdHeader: text("message_id_header"),
    customerId: text("customer_id").references(() => customers.id),
    ownershipId: text("ownership_id").references(() => ownerships.id),
    messageId: text("message_id").references(() => messages.id),
    runId: text("run_id").references(() => flowRuns.id),
    /** How it was attributed: owner-address, reply-address, in-reply-to, references, original-message, recipient, sender. */
    attributedBy: text("attributed_by"),
    /** True when it came to an owner-only address. */
    toOwnerAddress: boolean("to_owner_address").notNull().default(false),
    fromAddress: text("from_address"),
    subject: text("subject"),
    /** The new text, without quoted history and signature. */
    text: text("text"),
    /** Kind-specific facts as JSON: bounce type/status/recipient, complaint feedback type, the classifier's reason. */
    detail: text("detail").notNull().default("{}"),
    occurredAt: bigint("occurred_at", { mode: "number" }).notNull(),
    createdAt: bigint("created_at", { mode: "number" }).notNull(),
    /**
     * When a person marked it handled on the dashboard (/ui inbox); null: not yet. Only
     * human replies and mail to an owner line wait for a person; other kinds stay null.
     */
    handledAt: bigint("handled_at", { mode: "number" }),
  },
  (t) => [
    uniqueIndex("interactions_message_id_header").on(t.messageIdHeader),
    // The customer's timeline.
    index("interactions_customer").on(t.customerId, t.occurredAt),
    // The dashboard's inbox: what waits for a person, newest first (src/store/dashboard.ts
    // repeats this condition word for word, so SQLite's planner can use the partial index).
    index("interactions_inbox")
      .on(t.occurredAt, t.id)
      .where(sql`handled_at is null and (kind = 'human_reply' or to_owner_address = true)`),
  ],
);

/** Addresses we must not write to again: hard bounces, complaints, unsubscribe requests. */
export const suppressions = pgTable("suppressions", {
  email: text("email").primaryKey(),
  reason: text("reason", { enum: ["hard_bounce", "complaint", "unsubscribe"] }).notNull(),
  interactionId: text("interaction_id").references(() => interactions.id),
  createdAt: bigint("created_at", { mode: "number" }).notNull(),
});

/**
 * Phone numbers no SMS may go to: the customer texted STOP (or UNSUBSCRIBE, ARRET, ...)
 * or the operator reported a permanent failure. Keyed by the number (E.164), like email
 * suppressions by the address: whoever has the number now asked for it.
 */
export const smsSuppressions = pgTable("sms_suppressions", {
  phone: text("phone").primaryKey(),
  reason: text("reason", { enum: ["stop", "permanent_failure"] }).notNull(),
  /** What the customer wrote, or the operator's answer. */
  detail: text("detail"),
  createdAt: bigint("created_at", { mode: "number" }).notNull(),
});

/**
 * Product news: one flow run for every active owner of a product or category. The job
 * pages through the owners in (product id, ownership id) order; each page's runs and
 * the cursor after it are written in one transaction, so a crash resumes at the cursor.
 */
export const broadcasts = pgTable(
  "broadcasts",
  {
    /** The sender's id when it gave one (idempotency key), else generated. */
    id: text("id").primaryKey(),
    flowId: text("flow_id").notNull(),
    /** The event every run of this broadcast names (type: the flow's trigger event). */
    eventId: text("event_id").notNull(),
    /** JSON: { sku } or { category }. */
    audience: text("audience").notNull(),
    /** JSON: the scalar bag templates see as event.properties.*. */
    properties: text("properties").notNull().default("{}"),
    status: text("status", { enum: ["queued", "running", "completed", "failed"] })
      .notNull()
      .default("queued"),
    /** Where the next page starts: after this ownership of this product (null: at the beginning). */
    cursorProductId: text("cursor_product_id"),
    cursorOwnershipId: text("cursor_ownership_id"),
    /** Pages written so far; a page is written only if this is still what its job read. */
    pages: bigint("pages", { mode: "number" }).notNull().default(0),
    /** Active owners matched when the broadcast started (null until then). */
    total: bigint("total", { mode: "number" }),
    /** Runs created. */
    started: bigint("started", { mode: "number" }).notNull().default(0),
    /** Owners the flow's `where` or entry rule turned away. */
    skipped: bigint("skipped", { mode: "number" }).notNull().default(0),
    error: text("error"),
    createdAt: bigint("created_at", { mode: "number" }).notNull(),
    updatedAt: bigint("updated_at", { mode: "number" }).notNull(),
    finishedAt: bigint("finished_at", { mode: "number" }),
  },
  (t) => [
    // The sweeper re-queues broadcasts left queued or running.
    index("broadcasts_status_updated").on(t.status, t.updatedAt),
  ],
);

/**
 * Every version of every flow rapport has run, as the interpreter needs it: a run keeps
 * the definition it started on when the file is edited, and each change is on record.
 */
export const flowVersions = pgTable(
  "flow_versions",
  {
    flowId: text("flow_id").notNull(),
    version: text("version").notNull(),
    /** The flow as a versioned record: { format: 1, flow: <the flow file as JSON> } (src/flows/record.ts). */
    definition: text("definition").notNull(),
    file: text("file").notNull(),
    firstSeenAt: bigint("first_seen_at", { mode: "number" }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.flowId, t.version] })],
);

/**
 * Date-triggered flows (birthdays, purchase/registration anniversaries): the next time
 * each one comes due, per (flow, customer) for birthday flows and per (flow, ownership)
 * for anniversary flows. `next_at` is null when there is nothing to schedule (no
 * birthday known, the ownership disposed); the row still says "looked at" so the
 * backfill passes over it. See src/jobs/date-schedules.ts.
 */
export const dateSchedules = pgTable(
  "date_schedules",
  {
    /** flowId|customerId|ownershipId (or "-"): one row per flow and customer or ownership. */
    key: text("key").primaryKey(),
    flowId: text("flow_id").notNull(),
    customerId: text("customer_id")
      .notNull()
      .references(() => customers.id),
    ownershipId: text("ownership_id").references(() => ownerships.id),
    /** The trigger's date field, time of day and fallback zone it was computed with: a change recomputes it. */
    triggerKey: text("trigger_key").notNull(),
    /** The next occurrence (epoch ms), or null: nothing to schedule. */
    nextAt: bigint("next_at", { mode: "number" }),
    /** The occurrence fired last: a schedule never moves back to or before it. */
    lastOccurrence: bigint("last_occurrence", { mode: "number" }),
    createdAt: bigint("created_at", { mode: "number" }).notNull(),
    updatedAt: bigint("updated_at", { mode: "number" }).notNull(),
  },
  (t) => [
    // The scheduler takes the schedules due now, oldest first.
    index("date_schedules_next").on(t.nextAt),
    // An event reads all of its customer's schedules (scheduleCustomerDates), and the
    // backfill looks up a customer's (or an ownership's) schedule of a flow: customer first
    // serves both. (Flow first, as before, left the first a scan of the whole table.)
    index("date_schedules_customer_flow").on(t.customerId, t.flowId, t.ownershipId),
  ],
);

/**
 * How far runs waiting on time have been handed to BullMQ (src/jobs/wake-promoter.ts):
 * every waiting run with wake_at <= promoted_through has its step job in Redis, and
 * runs waking later live only in flow_runs until the promoter reaches them. One row
 * per promoter ("steps").
 */
export const wakePromotions = pgTable("wake_promotions", {
  id: text("id").primaryKey(),
  /** Epoch ms: the wake times up to here are promoted. */
  promotedThrough: bigint("promoted_through", { mode: "number" }).notNull(),
  updatedAt: bigint("updated_at", { mode: "number" }).notNull(),
});

/** See schema.ts. */
export const shortLinks = pgTable(
  "short_links",
  {
    code: text("code").primaryKey(),
    messageId: text("message_id")
      .notNull()
      .references(() => messages.id),
    url: text("url").notNull(),
    createdAt: bigint("created_at", { mode: "number" }).notNull(),
  },
  (t) => [uniqueIndex("short_links_message_url").on(t.messageId, t.url)],
);

/** See schema.ts. */
export const linkClicks = pgTable(
  "link_clicks",
  {
    id: text("id").primaryKey(),
    code: text("code")
      .notNull()
      .references(() => shortLinks.code),
    customerId: text("customer_id")
      .notNull()
      .references(() => customers.id),
    clickedAt: bigint("clicked_at", { mode: "number" }).notNull(),
    userAgent: text("user_agent"),
  },
  (t) => [index("link_clicks_customer").on(t.customerId, t.clickedAt)],
);
