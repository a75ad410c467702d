/**
 * The built-in SMTP listener for the reply domain: where replies and mail to owner-only
 * addresses arrive when the domain's MX points at rapport.
 *
 * Contract: startInboundSmtp(opts) → { port, close() }. A recipient is accepted only if
 * it is a valid signed token address at our reply domain (RCPT TO answers 550 5.7.1 for
 * other domains: we are not a relay; 550 5.1.1 for unknown or forged addresses at ours).
 * Messages above maxBytes get 552 (at MAIL FROM when the client declares SIZE, else
 * after DATA). An accepted message is handed to `accept` (which stores it) before the
 * client hears 250; if storing fails the client hears 451 and tries again later, so
 * nothing is lost. No AUTH (nobody relays through us) and no STARTTLS unless a
 * certificate is given.
 *
 * Fairness (src/mail/client-limits.ts): besides the global `maxClients`, one client
 * address (an IPv6 /64) may hold at most `maxConnectionsPerClient` connections; more are
 * answered `421 4.7.0` and closed at once, before any SMTP work, so 50 idle connections
 * from one address cannot lock the others out. A client that names
 * `maxUnknownRecipientsPerClient` unknown or forged recipients within
 * `unknownRecipientWindowMs` is refused (`421 4.7.1`, connections and RCPTs) until that
 * window ends: guessing signed addresses gets a few tries an hour per address; a real mail
 * server that hears 421 retries later, so nothing is lost. Each refused client is logged
 * once per episode with its address, then counted (src/mail/refusal-log.ts).
 */
import type { Socket } from "node:net";
import type { Readable } from "node:stream";
import { SMTPServer, type SMTPServerOptions } from "smtp-server";
import { type Clock, systemClock } from "../infra/clock.js";
import type { Logger } from "../infra/logger.js";
import { clientKey, createClientLimits, type OpenVerdict } from "./client-limits.js";
import { createRefusalLog } from "./refusal-log.js";
import type { ReplyAddresses } from "./tokens.js";

export interface InboundEnvelope {
  mailFrom: string | null;
  rcptTo: string[];
}

export interface InboundSmtpOptions {
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  addresses: ReplyAddresses;
  maxBytes: number;
  /** Stores the message; resolves to an id quoted in the 250 answer. */
  accept(raw: Buffer, envelope: InboundEnvelope): Promise<string>;
  logger: Logger;
  /** All connections at once; default 50. */
  maxClients?: number;
  /** Connections at once from one client address (IPv6: one /64); default 5. */
  maxConnectionsPerClient?: number;
  /** Unknown or forged recipients one client may name per window before it is refused; default 20. */
  maxUnknownRecipientsPerClient?: number;
  /** That window, and how long a client stays refused after it; default an hour. */
  unknownRecipientWindowMs?: number;
  /** How often counted refusals are summed up in the log; default a minute. */
  refusalLogIntervalMs?: number;
  clock?: Clock;
  maxRecipients?: number;
  /** Idle time before a connection is dropped. */
  socketTimeoutMs?: number;
  tls?: { key: Buffer; cert: Buffer };
}

export interface RunningInboundSmtp {
  port: number;
  close(): Promise<void>;
}

/** An error the SMTP client sees with this code. */
function smtpError(code: number, message: string): Error & { responseCode: number } {
  return Object.assign(new Error(message), { responseCode: code });
}

/** Reads the DATA stream, keeping at most `max` bytes (the rest is drained, so the client can finish). */
function collect(stream: Readable, max: number): Promise<{ raw: Buffer; tooBig: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooBig = false;
    stream.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) tooBig = true;
      if (!tooBig) chunks.push(chunk);
    });
    stream.on("error", reject);
    stream.on("end", () => {
      const exceeded = tooBig || (stream as Readable & { sizeExceeded?: boolean }).sizeExceeded === true;
      resolve({ raw: Buffer.concat(chunks), tooBig: exceeded });
    });
  });
}

const REFUSALS: Record<Exclude<OpenVerdict, "ok">, { reason: string; answer: string }> = {
  "too-many-connections": {
    reason: "too many connections at once from this address",
    answer: "4.7.0 too many connections from your address, try again later",
  },
  blocked: {
    reason: "too many unknown recipients from this address",
    answer: "4.7.1 too many unknown recipients from your address, try again later",
  },
};

/** Answers a refused connection before any SMTP session starts, and lets it go. */
function refuseSocket(socket: Socket, name: string, answer: string): void {
  socket.on("error", () => {});
  socket.end(`421 ${name} ${answer}\r\n`, () => socket.destroy());
}

export async function startInboundSmtp(opts: InboundSmtpOptions): Promise<RunningInboundSmtp> {
  const maxRecipients = opts.maxRecipients ?? 20;
  const maxConnectionsPerClient = opts.maxConnectionsPerClient ?? 5;
  const log = opts.logger;
  const limits = createClientLimits({
    maxConnections: maxConnectionsPerClient,
    maxUnknownRecipients: opts.maxUnknownRecipientsPerClient ?? 20,
    windowMs: opts.unknownRecipientWindowMs ?? 60 * 60_000,
    clock: opts.clock ?? systemClock,
  });
  const refusals = createRefusalLog({ logger: log });
  const options: SMTPServerOptions = {
    name: opts.addresses.domain,
    banner: "rapport reply service",
    size: opts.maxBytes,
    authOptional: true,
    disabledCommands: opts.tls ? ["AUTH"] : ["AUTH", "STARTTLS"],
    ...(opts.tls ? { key: opts.tls.key, cert: opts.tls.cert } : {}),
    maxClients: opts.maxClients ?? 50,
    socketTimeout: opts.socketTimeoutMs ?? 60_000,
    closeTimeout: 10_000,
    // The client's host name is never used; a reverse lookup per connection would only
    // hold each one (and a slot of maxClients) longer, up to 1.5 s.
    disableReverseLookup: true,
    logger: false,
    onRcptTo(address, session, callback) {
      const client = clientKey(session.remoteAddress);
      if (limits.blocked(client)) {
        refusals.refused(client, REFUSALS.blocked.reason);
        return callback(smtpError(421, REFUSALS.blocked.answer));
      }
      if (session.envelope.rcptTo.length >= maxRecipients) {
        return callback(smtpError(452, `4.5.3 too many recipients (at most ${maxRecipients})`));
      }
      const parsed = opts.addresses.parse(address.address);
      if (parsed.ok) return callback();
      if (parsed.problem === "foreign-domain" || parsed.problem === "malformed") {
        return callback(
          smtpError(550, "5.7.1 relaying denied: this server only takes mail for its own addresses"),
        );
      }
      log.info(
        { rcpt: address.address, problem: parsed.problem, client },
        "inbound SMTP refused a recipient",
      );
      if (limits.unknownRecipient(client)) {
        refusals.refused(client, REFUSALS.blocked.reason, { last: address.address });
        return callback(smtpError(421, REFUSALS.blocked.answer));
      }
      return callback(smtpError(550, "5.1.1 no such recipient here"));
    },
    onData(stream, session, callback) {
      collect(stream, opts.maxBytes).then(
        async ({ raw, tooBig }) => {
          if (tooBig) {
            return callback(
              smtpError(552, `5.3.4 message exceeds the fixed maximum size of ${opts.maxBytes} bytes`),
            );
          }
          const envelope: InboundEnvelope = {
            mailFrom: session.envelope.mailFrom
              ? session.envelope.mailFrom.address.toLowerCase() || null
              : null,
            rcptTo: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
          };
          try {
            const id = await opts.accept(raw, envelope);
            callback(null, `2.0.0 OK queued as ${id}`);
          } catch (err) {
            log.error({ err }, "inbound SMTP could not store a message; the sender will retry");
            callback(smtpError(451, "4.3.0 temporary failure, please try again later"));
          }
        },
        (err: unknown) => callback(err instanceof Error ? err : new Error(String(err))),
      );
    },
  };
  const server = new SMTPServer(options);
  // Per-client limits are checked where the socket is accepted, before smtp-server sees
  // it: a refused connection costs one write and never holds a session or a maxClients
  // slot. The handler net.createServer was given is smtp-server's own "connection"
  // listener; it runs only for admitted sockets.
  const tcp = server.server;
  const smtpHandlers = tcp.listeners("connection") as Array<(socket: Socket) => void>;
  if (smtpHandlers.length !== 1) {
    // Loud rather than a listener that limits nothing (or serves nobody).
    throw new Error(
      `smtp-server accepts connections in a way rapport does not know (${smtpHandlers.length} handlers)`,
    );
  }
  tcp.removeAllListeners("connection");
  tcp.on("connection", (socket: Socket) => {
    const client = clientKey(socket.remoteAddress ?? "");
    const verdict = limits.open(client);
    if (verdict !== "ok") {
      const refusal = REFUSALS[verdict];
      refusals.refused(
        client,
        refusal.reason,
        verdict === "too-many-connections" ? { limit: maxConnectionsPerClient } : {},
      );
      return refuseSocket(socket, opts.addresses.domain, refusal.answer);
    }
    socket.once("close", () => limits.close(client));
    for (const handler of smtpHandlers) handler.call(tcp, socket);
  });
  const summaries = setInterval(() => refusals.flush(), opts.refusalLogIntervalMs ?? 60_000);
  summaries.unref();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  // After listening: a failure to listen (port busy) is the caller's, not a connection's.
  server.on("error", (err) => log.warn({ err: err.message }, "inbound SMTP connection error"));
  const address = server.server.address();
  const port = typeof address === "object" && address ? address.port : opts.port;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(summaries);
        refusals.flush();
        server.close(() => resolve());
      }),
  };
}
