/**
 * The composition root: settings in, a running rapport out. Everything is built here
 * and handed down as plain objects; nothing below keeps module-level state. The CLI's
 * `start` and `worker` call this, and so do the integration tests.
 */
import { randomUUID } from "node:crypto";
import { join, resolve } from "node:path";
import { Hono } from "hono";
import { createKannelChannel } from "./channels/kannel.js";
import { probeKannel } from "./channels/kannel-probe.js";
import { dlrUrlFor, twilioStatusUrlFor } from "./channels/sms-links.js";
import { createDlrTokens } from "./channels/sms-tokens.js";
import { createTwilioChannel } from "./channels/twilio.js";
import { retryFailed } from "./cli/retry.js";
import { describeStoreLocation, storeLocation } from "./config/database.js";
import { DkimKeyError, loadDkimKey } from "./config/dkim-key.js";
import { keptSecret } from "./config/secrets.js";
import { maskUrlPassword, publicUrlOf, type Settings } from "./config/settings.js";
import { createConsentLinks } from "./consent/links.js";
import { createConsentTokens } from "./consent/tokens.js";
import { knownEventTypes } from "./flows/event-types.js";
import { createHttpApp } from "./http/app.js";
import { type HealthDeps, mountHealth } from "./http/health-route.js";
import { mountMetrics } from "./http/metrics-route.js";
import { listen, type RunningServer } from "./http/server.js";
import { previewMessage } from "./http/ui/message-preview.js";
import { queueCountsOf } from "./http/ui/queue-counts.js";
import { createSessions } from "./http/ui/session.js";
import { type Clock, systemClock } from "./infra/clock.js";
import { type EmbeddedRedis, startEmbeddedRedis } from "./infra/embedded-redis.js";
import { warnUnlessNoEviction } from "./infra/eviction-policy.js";
import { type ListenTarget, listenProblem } from "./infra/listen-error.js";
import type { Logger } from "./infra/logger.js";
import { connectRedis } from "./infra/redis.js";
import { probeRedis } from "./infra/redis-probe.js";
import { watchRedis } from "./infra/redis-watch.js";
import { quitOrCut, settlesBy, withTimeout } from "./infra/timeout.js";
import { acceptInboundWith } from "./jobs/accept-inbound.js";
import { startDateScheduler } from "./jobs/date-schedules.js";
import type { JobDeps } from "./jobs/deps.js";
import { trackSends } from "./jobs/in-flight.js";
import { firstAttempt } from "./jobs/process-delivery.js";
import { createQueues } from "./jobs/queues.js";
import { rescaleWaits } from "./jobs/rescale-waits.js";
import { createSendPool } from "./jobs/send-pool.js";
import { startSweeper } from "./jobs/sweeper.js";
import { startWakePromoter } from "./jobs/wake-promoter.js";
import { startWorkers } from "./jobs/workers.js";
import { type RunningInboundSmtp, startInboundSmtp } from "./mail/inbound-smtp.js";
import { createRelayRefusalLog } from "./mail/relay-refusal-log.js";
import { createReplyAddresses } from "./mail/tokens.js";
import { createOutboxMailer, createSmtpMailer, type Mailer } from "./mail/transport.js";
import { createMailUnderstander } from "./mail/understand-pool.js";
import { verifySmtp } from "./mail/verify-smtp.js";
import { createMetrics } from "./metrics/metrics.js";
import { loadProject } from "./project.js";
import { openStore } from "./store/open-store.js";
import { withMjmlThread } from "./templates/mjml-thread.js";

/**
 * First sends at once per pooled SMTP connection (see the send pool below). Measured on the
 * registration bench (SQLite, 1 worker, 5 connections): 1, 2 and 3 gave 270–290 thank-yous/s
 * with the machine half idle; 4 gave 393–439/s (6 and 8 about the same, once 280).
 */
const FIRST_SENDS_PER_CONNECTION = 4;

export type Role = "all" | "worker" | "http";

export interface StartOptions {
  settings: Settings;
  role: Role;
  logger: Logger;
  clock?: Clock;
  /** Replaces the mailer the settings select (tests, benchmarks). */
  mailer?: Mailer;
}

export interface Rapport {
  httpPort: number | null;
  /** A worker's METRICS_PORT server (/metrics, /healthz, /readyz); null otherwise (the HTTP API has them). */
  metricsPort: number | null;
  apiKeys: readonly string[];
  /** True when the API key was generated just now (the CLI prints it then). */
  apiKeyCreated: boolean;
  apiKeyFile: string | null;
  redisUrl: string;
  databaseLocation: string;
  /** The inbound SMTP listener's port; null when it is off or this process has the worker role. */
  inboundSmtpPort: number | null;
  mailer: Mailer;
  /**
   * Stops taking work, lets running jobs finish for RAPPORT_SHUTDOWN_GRACE_MS, abandons
   * what still runs (logged; its claims' leases bring it back), then closes the rest,
   * each part given a few seconds at most: it always resolves.
   */
  close(): Promise<void>;
}

/** After the grace period, how long the remaining parts together may take to close. */
export const CLOSE_REST_MS = 5000;

export class StartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StartupError";
  }
}

/** A listener's failure to start as a StartupError naming its setting, when listenProblem knows it. */
const startupErrorFor =
  (target: ListenTarget) =>
  (err: unknown): never => {
    const problem = listenProblem(err, target);
    throw problem ? new StartupError(problem) : err;
  };

function readDkimKey(settings: Settings, logger: Logger) {
  try {
    const key = loadDkimKey(settings);
    for (const warning of key?.warnings ?? []) logger.warn(warning);
    return key;
  } catch (err) {
    if (err instanceof DkimKeyError) throw new StartupError(err.message);
    throw err;
  }
}

/**
 * What a start-up probe of a dependency found, acted on: nothing when it works; else a
 * warning when its *_VERIFY setting is off (the work is queued and retried until it
 * answers), else a StartupError naming what to check.
 */
function actOnProbe(
  probe: { ok: true } | { ok: false; reason: string },
  check: { where: string; failing: string; verify: boolean; flag: string; queued: string; hint: string },
  logger: Logger,
): void {
  if (probe.ok) return;
  if (!check.verify) {
    logger.warn(
      { reason: probe.reason },
      `${check.where} ${check.failing} at start (${probe.reason}); starting anyway because ${check.flag}=false: ${check.queued} until it does`,
    );
    return;
  }
  throw new StartupError([`cannot use ${check.where}: ${probe.reason}`, check.hint].join("\n"));
}

/** SMTP_URL answers and takes the credentials, or start-up stops (SMTP_VERIFY=false: a warning). */
async function checkSmtp(url: string, settings: Settings, logger: Logger): Promise<void> {
  const probe = await verifySmtp(url, {
    connectionMs: settings.SMTP_CONNECTION_TIMEOUT_MS,
    greetingMs: settings.SMTP_GREETING_TIMEOUT_MS,
    socketMs: settings.SMTP_SOCKET_TIMEOUT_MS,
  });
  actOnProbe(
    probe,
    {
      where: `the mail server at ${maskUrlPassword(url)} (SMTP_URL)`,
      failing: "does not answer",
      verify: settings.SMTP_VERIFY,
      flag: "SMTP_VERIFY",
      queued: "mail is queued and retried",
      hint: "Check SMTP_URL (host, port, user and password), or set SMTP_VERIFY=false to start anyway (mail is then queued and retried until the server answers).",
    },
    logger,
  );
}

/** smsbox answers SMS_GATEWAY_URL and takes our credentials, or start-up stops (SMS_VERIFY=false: a warning). */
async function checkKannel(
  gateway: { url: string; username: string; password: string },
  settings: Settings,
  logger: Logger,
): Promise<void> {
  const probe = await probeKannel({ ...gateway, timeoutMs: Math.min(settings.SMS_SEND_DEADLINE_MS, 10_000) });
  const u = new URL(gateway.url);
  actOnProbe(
    probe,
    {
      where: `Kannel's smsbox at ${u.origin}${u.pathname} (SMS_GATEWAY_URL)`,
      failing: "does not work",
      verify: settings.SMS_VERIFY,
      flag: "SMS_VERIFY",
      queued: "texts are queued and retried",
      hint: "Start Kannel (bearerbox and smsbox), check SMS_GATEWAY_URL, SMS_GATEWAY_USERNAME and SMS_GATEWAY_PASSWORD, or set SMS_VERIFY=false to start anyway (texts are then queued and retried until Kannel answers).",
    },
    logger,
  );
}

export async function startRapport(opts: StartOptions): Promise<Rapport> {
  const { settings, logger } = opts;
  const clock = opts.clock ?? systemClock;
  const dataDir = resolve(settings.RAPPORT_DATA_DIR);
  // Each closer gets the shutdown's deadline (epoch ms); the workers wait for jobs until it.
  const closers: Array<(deadline: number) => Promise<void>> = [];
  let closing: Promise<void> | null = null;
  const close = () => {
    closing ??= (async () => {
      const deadline = Date.now() + settings.RAPPORT_SHUTDOWN_GRACE_MS;
      const last = deadline + CLOSE_REST_MS;
      for (const fn of closers.reverse()) {
        // A part that hangs (a mail server that never answers, a Redis that is away) is
        // left behind: the process is about to end, and the store is the truth.
        const done = fn(deadline).catch((err) => logger.warn({ err }, "error while shutting down"));
        if (!(await settlesBy(done, Math.max(last, Date.now() + 500))))
          logger.warn("a part of rapport did not close in time; leaving it");
      }
    })();
    return closing;
  };

  try {
    // Read before anything starts: a key nodemailer cannot sign with would send mail unsigned.
    const dkimKey = readDkimKey(settings, logger);
    const dkim = dkimKey
      ? { domainName: dkimKey.domain, keySelector: dkimKey.selector, privateKey: dkimKey.privateKeyPem }
      : undefined;
    // MJML on a thread that ends with loading: the process keeps only the compiled HTML.
    const loaded = await withMjmlThread((mjml) =>
      loadProject(resolve(settings.RAPPORT_CONFIG_DIR), { mjml }),
    );
    if (!loaded.ok) {
      throw new StartupError(
        `the configuration in ${settings.RAPPORT_CONFIG_DIR} has problems:\n${loaded.problems.join("\n")}`,
      );
    }
    const { project } = loaded;
    logger.info(`loaded ${loaded.summary}`);
    for (const warning of loaded.warnings) logger.warn(`config: ${warning}`);
    // Before any part starts: a gateway that cannot take texts stops the start (like SMTP_URL).
    if (
      settings.SMS_GATEWAY_URL &&
      settings.SMS_GATEWAY_USERNAME &&
      settings.SMS_GATEWAY_PASSWORD &&
      opts.role !== "http"
    )
      await checkKannel(
        {
          url: settings.SMS_GATEWAY_URL,
          username: settings.SMS_GATEWAY_USERNAME,
          password: settings.SMS_GATEWAY_PASSWORD,
        },
        settings,
        logger,
      );

    const location = storeLocation(settings);
    const databaseLocation = describeStoreLocation(location);
    const store = await openStore(location);
    closers.push(() => store.close());

    let embedded: EmbeddedRedis | null = null;
    if (!settings.REDIS_URL) {
      embedded = await startEmbeddedRedis({ dir: join(dataDir, "redis"), log: (m) => logger.info(m) });
      closers.push(() => (embedded as EmbeddedRedis).stop());
    }
    const redisUrl = settings.REDIS_URL ?? (embedded as EmbeddedRedis).url;
    if (settings.REDIS_URL) {
      // Fail here, with the setting named, rather than run with every queue retrying forever.
      const probe = await probeRedis(settings.REDIS_URL, settings.REDIS_STARTUP_TIMEOUT_MS);
      if (!probe.ok)
        throw new StartupError(
          [
            `cannot reach Redis at ${maskUrlPassword(settings.REDIS_URL)} (REDIS_URL): ${probe.reason}`,
            "Start Redis there, correct REDIS_URL, or unset REDIS_URL to let rapport start its own redis-server.",
          ].join("\n"),
        );
    }
    // Before the queues connect: a start that stops here leaves no Redis command in flight
    // (closing a connection BullMQ is still setting up printed an ioredis EPIPE stack).
    if (settings.SMTP_URL && !opts.mailer && opts.role !== "http")
      await checkSmtp(settings.SMTP_URL, settings, logger);
    const queueConnection = connectRedis(redisUrl);
    // Not awaited: a Redis that is away at start must not hold the start up (it never rejects).
    void warnUnlessNoEviction(queueConnection, logger);
    // QUIT waits for a Redis that is away (commands wait for it to come back): then cut.
    closers.push(() => quitOrCut(queueConnection));
    const queues = createQueues(
      queueConnection,
      settings.RAPPORT_QUEUE_PREFIX,
      settings.RAPPORT_RETRY_BASE_MS,
      {
        deliveryAttempts: settings.RAPPORT_DELIVERY_ATTEMPTS,
      },
    );
    closers.push(() => queues.close());
    // One warning per outage for every queue, worker and connection (not a line per retry).
    const redisWatch = watchRedis({
      connection: queueConnection,
      where: maskUrlPassword(redisUrl),
      logger,
      clock,
    });
    closers.push(async () => redisWatch.close());
    for (const queue of [queues.events, queues.steps, queues.deliveries, queues.inbound, queues.broadcasts]) {
      // Without a listener BullMQ prints every error, a stack per reconnect, to the console.
      queue.on("error", (err) => {
        if (!redisWatch.report(err, queue.name))
          logger.error({ queue: queue.name, err: err.message }, "queue error");
      });
    }

    // Tracked: a shutdown that abandons sends names their messages.
    const sends = trackSends(
      opts.mailer ??
        (settings.SMTP_URL
          ? createSmtpMailer(settings.SMTP_URL, {
              poolSize: settings.SMTP_POOL_SIZE,
              timeouts: {
                connectionMs: settings.SMTP_CONNECTION_TIMEOUT_MS,
                greetingMs: settings.SMTP_GREETING_TIMEOUT_MS,
                socketMs: settings.SMTP_SOCKET_TIMEOUT_MS,
              },
              sendDeadlineMs: settings.SMTP_SEND_DEADLINE_MS,
              ...(dkim ? { dkim } : {}),
            })
          : createOutboxMailer(join(dataDir, "outbox"), dkim ? { dkim } : {})),
    );
    const mailer = sends.mailer;
    // A send abandoned at the deadline may hold the mailer open (a server that never
    // answers): a second after the deadline it is left to the process's end.
    closers.push(async (deadline) => {
      await settlesBy(mailer.close(), Math.max(deadline, Date.now()) + 1000);
    });

    // Signs reply and owner-only addresses; embedded mode keeps a generated secret under the data dir.
    const secret = settings.RAPPORT_SECRET ?? keptSecret(join(dataDir, "secret")).value;
    const addresses = createReplyAddresses({ secret, domain: project.brand.replyDomain });
    // Unsubscribe and preference links. Without RAPPORT_PUBLIC_URL they point at this
    // machine, at the port the server listens on once it does (PORT=0 picks one).
    let listeningPort = settings.PORT;
    const consentTokens = createConsentTokens(secret);
    const consentLinks = createConsentLinks(consentTokens, () => publicUrlOf(settings, listeningPort));
    if (!settings.RAPPORT_PUBLIC_URL && settings.SMS_TRANSPORT === "twilio")
      logger.warn(
        "RAPPORT_PUBLIC_URL is not set: Twilio's status callbacks and incoming texts are signed for the URL Twilio calls, which rapport reads from it; set it to the base URL given to Twilio",
      );
    if (!settings.RAPPORT_PUBLIC_URL && settings.SMTP_URL)
      logger.warn(
        `RAPPORT_PUBLIC_URL is not set: the unsubscribe and preference links in every email point to this machine (${settings.HOST}), which customers cannot reach; set it to where rapport's HTTP server is public`,
      );

    // Every flow version on record before any run can start on it; changes are logged.
    for (const change of await store.recordFlowVersions([...project.flows.values()], clock.now())) {
      if (change.previousVersion) {
        logger.info(
          { flow: change.flowId, from: change.previousVersion, to: change.version },
          `flow ${change.flowId} changed: new runs start on version ${change.version}; runs in flight keep theirs`,
        );
      }
    }

    // SMS through Kannel when configured: delivery reports come back to a signed dlr-url.
    const dlrTokens = createDlrTokens(secret);
    const smsChannel =
      settings.SMS_GATEWAY_URL &&
      settings.SMS_GATEWAY_USERNAME &&
      settings.SMS_GATEWAY_PASSWORD &&
      settings.SMS_FROM
        ? {
            channel: createKannelChannel({
              url: settings.SMS_GATEWAY_URL,
              username: settings.SMS_GATEWAY_USERNAME,
              password: settings.SMS_GATEWAY_PASSWORD,
              dlrUrl: dlrUrlFor(() => publicUrlOf(settings, listeningPort), dlrTokens),
              deadlineMs: settings.SMS_SEND_DEADLINE_MS,
            }),
            from: settings.SMS_FROM,
            deadlineMs: settings.SMS_SEND_DEADLINE_MS,
            // Links in texts go out as PUBLIC_URL/s/CODE, unless SMS_SHORT_LINKS=false.
            ...(settings.SMS_SHORT_LINKS
              ? { shortLinkBase: () => publicUrlOf(settings, listeningPort) }
              : {}),
          }
        : null;
    // Or through Twilio (SMS_TRANSPORT=twilio; settings forbid Kannel's beside it): status
    // callbacks come back to a signed URL too, and every callback carries Twilio's signature.
    const twilio =
      settings.SMS_TRANSPORT === "twilio" && settings.TWILIO_ACCOUNT_SID && settings.TWILIO_AUTH_TOKEN
        ? { accountSid: settings.TWILIO_ACCOUNT_SID, authToken: settings.TWILIO_AUTH_TOKEN }
        : null;
    const twilioChannel = twilio
      ? {
          channel: createTwilioChannel({
            apiUrl: settings.TWILIO_API_URL,
            accountSid: twilio.accountSid,
            authToken: twilio.authToken,
            ...(settings.TWILIO_MESSAGING_SERVICE_SID
              ? { messagingServiceSid: settings.TWILIO_MESSAGING_SERVICE_SID }
              : {}),
            statusCallback: twilioStatusUrlFor(() => publicUrlOf(settings, listeningPort), dlrTokens),
            deadlineMs: settings.SMS_SEND_DEADLINE_MS,
          }),
          from: settings.TWILIO_FROM ?? settings.TWILIO_MESSAGING_SERVICE_SID ?? "",
          deadlineMs: settings.SMS_SEND_DEADLINE_MS,
          ...(settings.SMS_SHORT_LINKS ? { shortLinkBase: () => publicUrlOf(settings, listeningPort) } : {}),
        }
      : null;

    const eventTypes = knownEventTypes(project.flows.values());
    const metrics = createMetrics({ clock, cacheMs: settings.METRICS_CACHE_MS, knownEventTypes: eventTypes });
    metrics.setSources({
      messageCounts: () => store.messageCounts(),
      interactionCounts: () => store.interactionCounts(),
      possibleDuplicates: () => store.countPossibleDuplicates(),
      queueCounts: () =>
        Promise.all(
          [queues.events, queues.steps, queues.deliveries, queues.inbound, queues.broadcasts].map(
            async (q) => ({
              queue: q.name,
              // Bounded: a Redis that is away must not hold the scrape (the numbers are then left out).
              counts: await withTimeout(
                q.getJobCounts("waiting", "active", "delayed", "prioritized", "failed", "completed"),
                1500,
              ).catch(() => ({})),
            }),
          ),
        ),
    });

    const deps: JobDeps = {
      store,
      queues,
      flows: project.flows,
      pastFlows: new Map(),
      templates: project.templates,
      smsTemplates: project.smsTemplates,
      sms: twilioChannel ?? smsChannel,
      mailer,
      brand: project.brand,
      addresses,
      consentLinks,
      clock,
      logger,
      newId: randomUUID,
      waitScale: settings.RAPPORT_WAIT_SCALE,
      wakeHorizonMs: settings.RAPPORT_WAKE_HORIZON_MS,
      sendLeaseMs: settings.RAPPORT_SEND_LEASE_MS,
      sendDeadlineMs: settings.SMTP_SEND_DEADLINE_MS,
      sendGiveUpMs: settings.RAPPORT_SEND_GIVE_UP_MS,
      relayRefusals: createRelayRefusalLog(logger),
      inboundMaxBytes: settings.INBOUND_MAX_BYTES,
      redisErrors: redisWatch.report,
      metrics,
    };

    if (opts.role !== "http") {
      // Inbound mail is understood in worker processes, within a deadline and a memory cap.
      const understander = createMailUnderstander({
        workers: settings.INBOUND_WORKERS,
        deadlineMs: settings.INBOUND_DEADLINE_MS,
        maxMemoryMb: settings.INBOUND_MAX_MEMORY_MB,
        onMeasured: ({ peakRssBytes }) => {
          if (peakRssBytes !== null) metrics.inboundParserPeakRss(peakRssBytes);
        },
      });
      closers.push(() => understander.close());
      deps.understandMail = understander.understand;

      // First sends run here, never in the events and steps slots: FIRST_SENDS_PER_CONNECTION
      // per SMTP connection, so each connection has its next message ready while the one
      // before is claimed, rendered and marked sent (one per connection left the connections
      // idle for that store work: the send pool, not SMTP, set the thank-you rate). Closed
      // after the workers (closers run in reverse).
      const sendPool = createSendPool({
        concurrency: settings.SMTP_POOL_SIZE * FIRST_SENDS_PER_CONNECTION,
        maxWaiting: 1000,
        run: (id, claim) => firstAttempt(id, deps, claim),
      });
      deps.sendPool = sendPool;
      closers.push(async (deadline) => {
        const left = sendPool.size().waiting;
        if (left > 0) logger.info({ messages: left }, "first sends not started; the sweeper sends them");
        // A send stalled on the mail server is abandoned at the deadline, like a job.
        if (!(await settlesBy(sendPool.close(), deadline)))
          logger.warn(
            { abandonedMessages: sendPool.running() },
            "shutdown deadline passed: abandoning first sends still in flight; their message claims run out and they are sent again (here after a restart, or by another worker)",
          );
      });
      const workers = startWorkers(deps, {
        prefix: settings.RAPPORT_QUEUE_PREFIX,
        concurrency: settings.RAPPORT_CONCURRENCY,
        connect: () => connectRedis(redisUrl),
        retryBaseMs: settings.RAPPORT_RETRY_BASE_MS,
        // The sends of their own jobs: the send pool's are named when the pool is closed.
        sending: () => {
          const pooled = new Set(sendPool.running());
          return sends.sending().filter((id) => !pooled.has(id));
        },
      });
      closers.push((deadline) => workers.close(deadline));
      // Demo mode: what waits from a start at another scale is rescaled to this one.
      await rescaleWaits(deps);
      const sweeper = startSweeper(deps, settings.RAPPORT_SWEEP_INTERVAL_MS);
      closers.push(() => sweeper.stop());
      const dates = startDateScheduler(deps, settings.RAPPORT_SWEEP_INTERVAL_MS);
      closers.push(() => dates.stop());
      // Runs waiting beyond the wake horizon have no job in Redis until this queues them.
      const promoter = startWakePromoter(deps, {
        prefix: settings.RAPPORT_QUEUE_PREFIX,
        connection: queueConnection,
        connect: () => connectRedis(redisUrl),
        horizonMs: settings.RAPPORT_WAKE_HORIZON_MS,
        everyMs: settings.RAPPORT_WAKE_PROMOTE_EVERY_MS,
      });
      closers.push(() => promoter.close());
      logger.info(`worker running; mail goes to ${mailer.describe()}`);
    }

    // What /readyz checks, on the HTTP API or on a worker's METRICS_PORT.
    const health: HealthDeps = {
      checks: {
        redis: async () => {
          // Not queued behind a dead connection: a command waits for Redis to come back.
          if (!redisWatch.up()) return `no connection to Redis at ${maskUrlPassword(redisUrl)}`;
          const where = `Redis at ${maskUrlPassword(redisUrl)}`;
          const pong = await withTimeout(queueConnection.ping(), 1500).catch(
            (err: Error) => `${where} did not answer PING: ${err.message}`,
          );
          return pong === "PONG" || (pong.startsWith(where) ? pong : `${where} answered PING with ${pong}`);
        },
        store: async () => {
          await store.getCustomer("readyz-probe");
          return true;
        },
      },
    };

    // A worker serves no API; with METRICS_PORT it answers /metrics, /healthz and /readyz there.
    let metricsServer: RunningServer | null = null;
    if (opts.role === "worker" && settings.METRICS_PORT !== undefined) {
      const app = new Hono();
      mountHealth(app, health);
      mountMetrics(app, metrics, settings.METRICS_TOKEN);
      metricsServer = await listen(app, settings.METRICS_PORT, settings.HOST).catch(
        startupErrorFor({
          what: "the worker's metrics server",
          variable: "METRICS_PORT",
          host: settings.HOST,
          port: settings.METRICS_PORT as number,
        }),
      );
      const running = metricsServer;
      closers.push(() => running.close());
      logger.info(`worker metrics and health on http://${settings.HOST}:${metricsServer.port}/metrics`);
    }

    let apiKeys: readonly string[] = settings.RAPPORT_API_KEYS ?? [];
    let apiKeyCreated = false;
    let apiKeyFile: string | null = null;
    if (apiKeys.length === 0) {
      apiKeyFile = join(dataDir, "api-key");
      const kept = keptSecret(apiKeyFile);
      apiKeys = [kept.value];
      apiKeyCreated = kept.created;
    }

    let server: RunningServer | null = null;
    let inbound: RunningInboundSmtp | null = null;
    if (opts.role !== "worker") {
      const acceptInbound = acceptInboundWith({ store, queues, clock, logger });
      if (settings.INBOUND_SMTP_PORT !== "off") {
        inbound = await startInboundSmtp({
          host: settings.INBOUND_SMTP_HOST,
          port: settings.INBOUND_SMTP_PORT,
          addresses,
          maxBytes: settings.INBOUND_MAX_BYTES,
          maxConnectionsPerClient: settings.INBOUND_MAX_CONNECTIONS_PER_CLIENT,
          maxUnknownRecipientsPerClient: settings.INBOUND_MAX_UNKNOWN_RECIPIENTS_PER_CLIENT,
          clock,
          logger,
          accept: (raw, envelope) =>
            acceptInbound({
              source: "smtp",
              raw,
              envelopeFrom: envelope.mailFrom,
              envelopeTo: envelope.rcptTo,
            }),
        }).catch(
          startupErrorFor({
            what: "the inbound SMTP listener",
            variable: "INBOUND_SMTP_PORT",
            host: settings.INBOUND_SMTP_HOST,
            port: settings.INBOUND_SMTP_PORT as number,
          }),
        );
        const running = inbound;
        closers.push(() => running.close());
        logger.info(`inbound SMTP for ${addresses.domain} on ${settings.INBOUND_SMTP_HOST}:${inbound.port}`);
      }
      if (settings.IMAP_URL) {
        // Connects in the background: a mailbox that is away is logged and tried again.
        // Loaded only here: imapflow costs a process ~30 MB that most deployments never use.
        const { startImapPoller } = await import("./mail/imap-poller.js");
        const poller = startImapPoller({
          url: settings.IMAP_URL,
          processedFolder: settings.IMAP_PROCESSED_FOLDER,
          intervalMs: settings.IMAP_POLL_INTERVAL_MS,
          maxBytes: settings.INBOUND_MAX_BYTES,
          accept: acceptInbound,
          logger,
        });
        closers.push(() => poller.close());
        logger.info(
          `taking replies from ${maskUrlPassword(settings.IMAP_URL)} every ${settings.IMAP_POLL_INTERVAL_MS} ms (and on IDLE); processed mail goes to ${settings.IMAP_PROCESSED_FOLDER}`,
        );
      }
      const app = createHttpApp({
        store,
        queues,
        clock,
        logger,
        apiKeys,
        acceptInbound,
        inboundMaxBytes: settings.INBOUND_MAX_BYTES,
        knownEventTypes: eventTypes,
        metrics,
        ...(settings.METRICS_TOKEN ? { metricsToken: settings.METRICS_TOKEN } : {}),
        broadcasts: { flows: project.flows, addBroadcast: (id) => queues.addBroadcast(id) },
        consent: { tokens: consentTokens, brand: project.brand },
        ...(twilio
          ? {
              twilio: {
                authToken: twilio.authToken,
                publicUrl: () => publicUrlOf(settings, listeningPort),
                dlrTokens,
                brand: project.brand,
                optOutHandling: settings.TWILIO_OPT_OUT_HANDLING,
              },
            }
          : {}),
        shortLinks: { brand: project.brand },
        ...(smsChannel
          ? {
              sms: {
                dlrTokens,
                ...(settings.SMS_INBOUND_SECRET ? { inboundSecret: settings.SMS_INBOUND_SECRET } : {}),
              },
            }
          : {}),
        dashboard: {
          store,
          flows: project.flows,
          sessions: createSessions({
            secret,
            passwords: settings.DASHBOARD_PASSWORD ? [settings.DASHBOARD_PASSWORD] : apiKeys,
            ttlMs: settings.DASHBOARD_SESSION_HOURS * 3600_000,
          }),
          clock,
          logger,
          brandName: project.brand.name,
          queueCounts: () => queueCountsOf(queues),
          retry: (kind, id) =>
            retryFailed(
              { ids: [id], failed: false, kind, limit: 1 },
              { store, requeue: queues.requeue, now: clock.now() },
            ),
          preview: (messageId) => previewMessage(messageId, deps),
        },
        health,
      });
      server = await listen(app, settings.PORT, settings.HOST).catch(
        startupErrorFor({ what: "the HTTP API", variable: "PORT", host: settings.HOST, port: settings.PORT }),
      );
      listeningPort = server.port;
      const running = server;
      closers.push(() => running.close());
      logger.info(`HTTP API on http://${settings.HOST}:${server.port}`);
    }

    return {
      httpPort: server?.port ?? null,
      metricsPort: metricsServer?.port ?? null,
      apiKeys,
      apiKeyCreated,
      apiKeyFile,
      redisUrl,
      databaseLocation,
      inboundSmtpPort: inbound?.port ?? null,
      mailer,
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
