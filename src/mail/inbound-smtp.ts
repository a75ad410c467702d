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
 */
import type { Readable } from "node:stream";
import { SMTPServer, type SMTPServerOptions } from "smtp-server";
import type { Logger } from "../infra/logger.js";
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
  maxClients?: number;
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

export async function startInboundSmtp(opts: InboundSmtpOptions): Promise<RunningInboundSmtp> {
  const maxRecipients = opts.maxRecipients ?? 20;
  const log = opts.logger;
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
    logger: false,
    onRcptTo(address, session, callback) {
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
      log.info({ rcpt: address.address, problem: parsed.problem }, "inbound SMTP refused a recipient");
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
  server.on("error", (err) => log.warn({ err: err.message }, "inbound SMTP connection error"));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.server.address();
  const port = typeof address === "object" && address ? address.port : opts.port;
  return {
    port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
