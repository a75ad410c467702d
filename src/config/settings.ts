/**
 * Settings from the environment, validated at start-up. With none set, rapport runs
 * embedded: SQLite under RAPPORT_DATA_DIR, a private redis-server it starts itself,
 * mail written to an outbox folder. Each name is documented in the README.
 */
import { z } from "zod";

/** An http(s) URL that can be a base for links: a host, nothing that would not survive being a prefix. */
function isPublicUrl(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const url = new URL(value);
  return (
    (url.protocol === "https:" || url.protocol === "http:") &&
    url.hostname !== "" &&
    url.username === "" &&
    url.password === "" &&
    url.search === "" &&
    url.hash === "" &&
    !value.includes("?") &&
    !value.includes("#") &&
    // It goes into List-Unsubscribe as <URL>: nothing that could end the bracket or the list.
    /^[\x21-\x7e]+$/.test(url.href) &&
    !/[<>,"]/.test(url.href)
  );
}

/** The base of customers' links: RAPPORT_PUBLIC_URL, else this machine at the port the server listens on. */
export function publicUrlOf(settings: Pick<Settings, "RAPPORT_PUBLIC_URL">, port: number): string {
  return settings.RAPPORT_PUBLIC_URL ?? `http://127.0.0.1:${port}`;
}

const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();

const settingsSchema = z.object({
  PORT: port.default(3000),
  HOST: z.string().min(1).default("127.0.0.1"),
  /**
   * Where customers reach rapport's HTTP server (unsubscribe and preference links in every
   * email). Unset: http://127.0.0.1:PORT (see publicUrlOf), which only works on this machine.
   */
  RAPPORT_PUBLIC_URL: z
    .string()
    .refine(
      isPublicUrl,
      "expected the http(s) address customers reach rapport's HTTP server at, like https://mail.lyra-audio.example (a path is allowed; no user, query or #fragment)",
    )
    .transform((u) => new URL(u).href.replace(/\/+$/, ""))
    .optional(),
  RAPPORT_API_KEYS: z
    .string()
    .optional()
    .transform((s) =>
      s
        ?.split(",")
        .map((k) => k.trim())
        .filter(Boolean),
    )
    .refine(
      (keys) => !keys || keys.every((k) => k.length >= 24),
      "each API key must be at least 24 characters",
    ),
  /**
   * The dashboard's (/ui) login password. Unset: the dashboard takes the API keys. Set: it
   * takes this instead, so the people who read the dashboard need not hold an API key.
   */
  DASHBOARD_PASSWORD: z
    .string()
    .min(12, "expected a password of at least 12 characters for the dashboard's login")
    .optional(),
  /** How long a dashboard login lasts before it asks again. */
  DASHBOARD_SESSION_HOURS: positiveInt.max(720).default(12),
  RAPPORT_CONFIG_DIR: z.string().min(1).default("./config"),
  RAPPORT_DATA_DIR: z.string().min(1).default("./var"),
  /** Unset: SQLite under RAPPORT_DATA_DIR; a path or file:path: SQLite there; postgres://…[?schema=NAME]: Postgres. */
  DATABASE_URL: z
    .string()
    .optional()
    .refine(
      (u) => !u || !/^postgres(ql)?:/.test(u) || URL.canParse(u),
      "expected postgres://user:password@host:5432/database[?schema=NAME] (a URL), a SQLite file path, or nothing",
    ),
  /** Connections each process keeps to Postgres (ignored on SQLite). */
  DATABASE_POOL_SIZE: positiveInt.max(200).default(10),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, "expected redis://host:port or rediss://…")
    .optional(),
  /** How long `start`/`worker` wait for REDIS_URL to answer PING before exiting with code 1. */
  REDIS_STARTUP_TIMEOUT_MS: positiveInt.max(300_000).default(5000),
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, "expected smtp://user:pass@host:port or smtps://…")
    .optional(),
  SMTP_POOL_SIZE: positiveInt.max(100).default(5),
  // SMTP deadlines (ms). All well under the 5-minute claim lease on a message, so a send
  // is over (delivered, refused or aborted) long before another attempt may take it over.
  SMTP_CONNECTION_TIMEOUT_MS: positiveInt.max(120_000).default(10_000),
  SMTP_GREETING_TIMEOUT_MS: positiveInt.max(120_000).default(10_000),
  SMTP_SOCKET_TIMEOUT_MS: positiveInt.max(120_000).default(30_000),
  SMTP_SEND_DEADLINE_MS: positiveInt
    .max(120_000, "at most 120000 (2 minutes): a send must end well within the 5-minute claim lease")
    .default(60_000),
  /**
   * Check SMTP_URL at start (connect, EHLO, AUTH; nothing sent) and exit 1 if it fails.
   * false: start anyway with a warning (mail is queued and retried until the relay answers).
   */
  SMTP_VERIFY: z
    .enum(["true", "false", "1", "0"], "expected true or false")
    .default("true")
    .transform((v) => v === "true" || v === "1"),
  /** When set, GET /metrics needs `Authorization: Bearer <METRICS_TOKEN>`; unset: open (bind HOST privately). */
  METRICS_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
  /** `rapport worker` only: serve /metrics, /healthz and /readyz on this port (HOST); unset: none. */
  METRICS_PORT: port.optional(),
  /** How long the store's grouped counts on /metrics are reused between scrapes. */
  METRICS_CACHE_MS: z.coerce.number().int().min(0).max(3_600_000).default(15_000),
  INBOUND_SMTP_PORT: z
    .union([z.literal("off"), port])
    .default(2525)
    .describe("port of the inbound SMTP listener for the reply domain, or off"),
  INBOUND_SMTP_HOST: z.string().min(1).default("127.0.0.1"),
  INBOUND_MAX_BYTES: positiveInt.max(100 * 1024 * 1024).default(10 * 1024 * 1024),
  INBOUND_MAX_CONNECTIONS_PER_CLIENT: positiveInt.max(1000).default(5),
  INBOUND_MAX_UNKNOWN_RECIPIENTS_PER_CLIENT: positiveInt.max(100_000).default(20),
  INBOUND_WORKERS: positiveInt.max(16).default(1),
  INBOUND_DEADLINE_MS: positiveInt.default(30_000),
  INBOUND_MAX_MEMORY_MB: positiveInt.min(32).max(4096).default(256),
  /** DKIM signing: all three or none (crossFieldProblems); the key is read at start (dkim-key.ts). */
  DKIM_DOMAIN: z
    .string()
    .regex(
      /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/i,
      "expected the signing domain, like lyra-audio.example (the d= of the signature; align it with brand.from)",
    )
    .optional(),
  DKIM_SELECTOR: z
    .string()
    .regex(
      /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i,
      "expected a selector of letters, digits and hyphens, like rapport2026 (the key is published at SELECTOR._domainkey.DOMAIN)",
    )
    .optional(),
  DKIM_PRIVATE_KEY_FILE: z.string().min(1).optional(),
  IMAP_URL: z
    .string()
    .regex(
      /^imaps?:\/\//,
      "expected imap://user:pass@host:port/MAILBOX or imaps://… (the mailbox replies land in; INBOX when left out)",
    )
    .refine((u) => {
      try {
        const url = new URL(u);
        return url.hostname !== "" && url.username !== "";
      } catch {
        return false;
      }
    }, "expected imap://user:pass@host:port/MAILBOX or imaps://…, with a host and a user (percent-encode @ : / in them)")
    .optional(),
  IMAP_PROCESSED_FOLDER: z.string().min(1).default("rapport-processed"),
  IMAP_POLL_INTERVAL_MS: positiveInt.default(30_000),
  /**
   * SMS through Kannel: smsbox's sendsms URL (http://kannel:13013/cgi-bin/sendsms), its
   * sendsms-user and our sender. All four or none (crossFieldProblems); none: no SMS channel.
   */
  SMS_GATEWAY_URL: z
    .string()
    .refine((u) => {
      if (!URL.canParse(u)) return false;
      const url = new URL(u);
      return (
        (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== "" && url.search === ""
      );
    }, "expected Kannel smsbox's sendsms URL, like http://kannel:13013/cgi-bin/sendsms (http or https, no query)")
    .optional(),
  SMS_GATEWAY_USERNAME: z.string().min(1).optional(),
  SMS_GATEWAY_PASSWORD: z.string().min(1).optional(),
  SMS_FROM: z
    .string()
    .regex(
      /^(\+[1-9][0-9]{6,14}|[0-9]{3,8}|[A-Za-z0-9 ]{1,11})$/,
      "expected our sender: an E.164 number (+447700900123), a short code (4040) or an alphanumeric sender id of at most 11 letters and digits",
    )
    .optional(),
  /** Kannel's sms-service get-url carries it (?secret=…); incoming texts without it are refused. */
  SMS_INBOUND_SECRET: z.string().min(24, "must be at least 24 characters").optional(),
  SMS_SEND_DEADLINE_MS: positiveInt.max(120_000).default(15_000),
  /** Which SMS gateway sends: Kannel (SMS_GATEWAY_*) or Twilio's REST API (TWILIO_*). */
  SMS_TRANSPORT: z.enum(["kannel", "twilio"], "expected kannel or twilio").default("kannel"),
  /** SMS through Twilio (SMS_TRANSPORT=twilio): the account, its auth token, and a sender or a Messaging Service. */
  TWILIO_ACCOUNT_SID: z
    .string()
    .regex(/^AC[0-9a-f]{32}$/, "expected the Account SID: AC followed by 32 hex digits")
    .optional(),
  TWILIO_AUTH_TOKEN: z
    .string()
    .regex(/^[0-9a-f]{32}$/, "expected the account's Auth Token: 32 hex digits")
    .optional(),
  TWILIO_FROM: z
    .string()
    .regex(
      /^(\+[1-9][0-9]{6,14}|[0-9]{3,8}|[A-Za-z0-9 ]{1,11})$/,
      "expected our Twilio sender: an E.164 number (+447700900123), a short code or an alphanumeric sender id of at most 11 letters and digits",
    )
    .optional(),
  TWILIO_MESSAGING_SERVICE_SID: z
    .string()
    .regex(/^MG[0-9a-f]{32}$/, "expected a Messaging Service SID: MG followed by 32 hex digits")
    .optional(),
  /** Twilio's API; a test points it at a local server that checks requests as Twilio would. */
  TWILIO_API_URL: z
    .string()
    .refine((u) => {
      if (!URL.canParse(u)) return false;
      const url = new URL(u);
      return (url.protocol === "http:" || url.protocol === "https:") && url.search === "" && url.hash === "";
    }, "expected Twilio's API base URL, like https://api.twilio.com (http or https, no query)")
    .transform((u) => u.replace(/\/+$/, ""))
    .default("https://api.twilio.com"),
  /**
   * Who answers STOP, START and HELP texts in English: "twilio" (Twilio's default opt-out
   * handling replies itself, so rapport adds no second reply) or "rapport" (Twilio's
   * handling is off, e.g. Advanced Opt-Out without replies: rapport's own texts answer).
   */
  TWILIO_OPT_OUT_HANDLING: z.enum(["twilio", "rapport"], "expected twilio or rapport").default("twilio"),
  /**
   * Every http(s) link in a text goes out as RAPPORT_PUBLIC_URL/s/CODE, which records the
   * click on the timeline (src/channels/sms-short-links.ts). false: links go as written.
   */
  SMS_SHORT_LINKS: z
    .enum(["true", "false", "1", "0"], "expected true or false")
    .default("true")
    .transform((v) => v === "true" || v === "1"),
  /**
   * Check SMS_GATEWAY_URL at start (smsbox answers and takes the credentials; nothing sent)
   * and exit 1 if it fails. false: start anyway with a warning (texts are retried until it answers).
   */
  SMS_VERIFY: z
    .enum(["true", "false", "1", "0"], "expected true or false")
    .default("true")
    .transform((v) => v === "true" || v === "1"),
  RAPPORT_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
  RAPPORT_QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, "letters, digits, _ and - only")
    .default("rapport"),
  RAPPORT_WAIT_SCALE: z.coerce
    .number()
    .positive("must be a positive number: 1 in production, e.g. 0.0001 to let 14 days pass in 2 minutes")
    .max(1000)
    .default(1),
  RAPPORT_CONCURRENCY: positiveInt.max(256).default(16),
  // How long a claim on a message holds before another attempt may take it over (the
  // delay before a message whose sender died is sent again). Shorter only for tests.
  RAPPORT_SEND_LEASE_MS: positiveInt.min(10_000, "at least 10000 (10 s)").default(5 * 60_000),
  RAPPORT_SWEEP_INTERVAL_MS: positiveInt.default(30_000),
  // Runs waking later than this from now have no job in Redis (only their row in the
  // store); the promoter hands them to BullMQ every RAPPORT_WAKE_PROMOTE_EVERY_MS.
  RAPPORT_WAKE_HORIZON_MS: positiveInt.default(3600_000),
  RAPPORT_WAKE_PROMOTE_EVERY_MS: positiveInt.default(60_000),
  RAPPORT_RETRY_BASE_MS: positiveInt.default(5000),
  RAPPORT_DELIVERY_ATTEMPTS: positiveInt.max(100).default(10),
  RAPPORT_SEND_GIVE_UP_MS: positiveInt.default(72 * 3600_000),
  RAPPORT_SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).default(10_000),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
});

export type Settings = z.infer<typeof settingsSchema>;

/** Cross-field rules zod's per-field schema cannot say; each problem names its variable. */
function crossFieldProblems(s: Settings): string[] {
  const problems: string[] = [];
  for (const name of [
    "SMTP_CONNECTION_TIMEOUT_MS",
    "SMTP_GREETING_TIMEOUT_MS",
    "SMTP_SOCKET_TIMEOUT_MS",
  ] as const) {
    if (s[name] > s.SMTP_SEND_DEADLINE_MS)
      problems.push(
        `${name}=${s[name]}: must not exceed SMTP_SEND_DEADLINE_MS (${s.SMTP_SEND_DEADLINE_MS}), the whole send's deadline`,
      );
  }
  // A send must fit in its claim: deadline + the sender's 2 s grace (SENDER_GRACE_MS) + the
  // 30 s kept free at the lease's end (LEASE_MARGIN_MS); else no send could ever start.
  const leaseFloor = s.SMTP_SEND_DEADLINE_MS + 32_000;
  if (s.RAPPORT_SEND_LEASE_MS < leaseFloor)
    problems.push(
      `RAPPORT_SEND_LEASE_MS=${s.RAPPORT_SEND_LEASE_MS}: must be at least SMTP_SEND_DEADLINE_MS + 32000 (${leaseFloor}), so a send fits in its claim`,
    );
  // A run is promoted once it is within the horizon, at the next tick: a horizon of two
  // ticks or more puts its job in Redis at least a tick before it is due, even after a slow tick.
  if (s.RAPPORT_WAKE_HORIZON_MS < 2 * s.RAPPORT_WAKE_PROMOTE_EVERY_MS)
    problems.push(
      `RAPPORT_WAKE_HORIZON_MS=${s.RAPPORT_WAKE_HORIZON_MS}: must be at least twice RAPPORT_WAKE_PROMOTE_EVERY_MS (${2 * s.RAPPORT_WAKE_PROMOTE_EVERY_MS}), so runs reach Redis before they are due`,
    );
  const dkim = ["DKIM_DOMAIN", "DKIM_SELECTOR", "DKIM_PRIVATE_KEY_FILE"] as const;
  const missing = dkim.filter((name) => s[name] === undefined);
  if (missing.length > 0 && missing.length < dkim.length)
    problems.push(
      `${missing.join(" and ")}: missing; DKIM signing needs all of ${dkim.join(", ")} (set all three to sign mail, or none)`,
    );
  const sms = ["SMS_GATEWAY_URL", "SMS_GATEWAY_USERNAME", "SMS_GATEWAY_PASSWORD", "SMS_FROM"] as const;
  const smsMissing = sms.filter((name) => s[name] === undefined);
  if (smsMissing.length > 0 && smsMissing.length < sms.length)
    problems.push(
      `${smsMissing.join(" and ")}: missing; the SMS channel needs all of ${sms.join(", ")} (set all four to send SMS, or none)`,
    );
  if (s.SMS_TRANSPORT === "twilio") problems.push(...twilioProblems(s));
  else if (s.TWILIO_ACCOUNT_SID !== undefined)
    problems.push(
      "TWILIO_ACCOUNT_SID: set without SMS_TRANSPORT=twilio; set SMS_TRANSPORT=twilio to send SMS through Twilio",
    );
  if (s.SMS_INBOUND_SECRET !== undefined && s.SMS_GATEWAY_URL === undefined)
    problems.push(
      "SMS_INBOUND_SECRET: set without SMS_GATEWAY_URL; incoming texts need the SMS channel configured",
    );
  return problems;
}

/** SMS_TRANSPORT=twilio: its account and token, one sender, and none of Kannel's settings. */
function twilioProblems(s: Settings): string[] {
  const problems: string[] = [];
  const missing = (["TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN"] as const).filter((n) => s[n] === undefined);
  if (missing.length > 0)
    problems.push(
      `${missing.join(" and ")}: missing; SMS_TRANSPORT=twilio needs the account's SID and Auth Token`,
    );
  if ((s.TWILIO_FROM === undefined) === (s.TWILIO_MESSAGING_SERVICE_SID === undefined))
    problems.push(
      "TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID: SMS_TRANSPORT=twilio needs exactly one (our number or sender id, or a Messaging Service)",
    );
  const kannel = (
    ["SMS_GATEWAY_URL", "SMS_GATEWAY_USERNAME", "SMS_GATEWAY_PASSWORD", "SMS_FROM"] as const
  ).filter((n) => s[n] !== undefined);
  if (kannel.length > 0)
    problems.push(
      `${kannel.join(" and ")}: Kannel's settings, set with SMS_TRANSPORT=twilio; unset them or use SMS_TRANSPORT=kannel`,
    );
  return problems;
}

export class SettingsError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid settings:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "SettingsError";
  }
}

/** A URL with the password of its user part replaced by ***, for logs and messages. */
export function maskUrlPassword(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:@/?#]*:)[^/?#]*@/i, "$1***@");
}

/** Reads settings from `env` (process.env by default); throws SettingsError naming each bad variable. */
export function loadSettings(env: Record<string, string | undefined> = process.env): Settings {
  const input = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const parsed = settingsSchema.safeParse(input);
  if (parsed.success) {
    const problems = crossFieldProblems(parsed.data);
    if (problems.length > 0) throw new SettingsError(problems);
    return parsed.data;
  }
  throw new SettingsError(
    parsed.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? "?");
      const value = env[name];
      const shown =
        name.includes("SECRET") || name.includes("KEY") || name.includes("PASSWORD") || name.includes("TOKEN")
          ? "(hidden)"
          : JSON.stringify(name.endsWith("_URL") && value ? maskUrlPassword(value) : value);
      return `${name}=${shown}: ${issue.message}`;
    }),
  );
}
