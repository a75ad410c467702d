/**
 * A real SMTP server for tests (smtp-server), keeping every message it accepts,
 * parsed with mailparser. It can be told to refuse mail for a while to play an SMTP
 * outage, to refuse recipients (RCPT TO), or to stop answering MAIL FROM (a stall).
 */
import { type ParsedMail, simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";

export interface ReceivedMail {
  envelopeFrom: string | null;
  envelopeTo: string[];
  parsed: ParsedMail;
  raw: Buffer;
}

export interface SmtpSink {
  port: number;
  url: string;
  received: ReceivedMail[];
  /** Resolves when at least `n` messages arrived (rejects after timeoutMs). */
  waitFor(n: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  /** While set, every message is answered with this temporary failure. */
  failWith(code: number | null): void;
  /**
   * While set, every RCPT TO is answered with this code (e.g. 550 unknown user, 450
   * greylisted), and this text after the address (by default an enhanced status and
   * words that go with the code's class).
   */
  refuseRcptWith(code: number | null, text?: string): void;
  /** While true, MAIL FROM gets no answer at all (the server hangs mid-conversation). */
  stallMailFrom(on: boolean): void;
  /** RCPT TO commands seen (refused ones included). */
  rcptAttempts(): number;
  close(): Promise<void>;
}

export async function startSmtpSink(): Promise<SmtpSink> {
  const received: ReceivedMail[] = [];
  let failCode: number | null = null;
  let rcptCode: number | null = null;
  let rcptText: string | null = null;
  let stalling = false;
  let rcpts = 0;
  const held: Array<() => void> = [];
  const waiters: Array<() => void> = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS", "AUTH"],
    logger: false,
    // A stalled conversation is the client's to end; close() does not wait long for it.
    closeTimeout: 500,
    onMailFrom(_address, _session, callback) {
      if (stalling) held.push(() => callback());
      else callback();
    },
    onRcptTo(address, _session, callback) {
      rcpts++;
      if (rcptCode === null) return callback();
      const text =
        rcptText ?? (rcptCode >= 500 ? "5.1.1 no such user here" : "4.2.0 greylisted, try again later");
      callback(Object.assign(new Error(`<${address.address}>: ${text}`), { responseCode: rcptCode }));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", async () => {
        if (failCode !== null) {
          const err = Object.assign(new Error("try again later"), { responseCode: failCode });
          callback(err);
          return;
        }
        const raw = Buffer.concat(chunks);
        const parsed = await simpleParser(raw);
        received.push({
          envelopeFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : null,
          envelopeTo: session.envelope.rcptTo.map((r) => r.address),
          parsed,
          raw,
        });
        callback();
        for (const w of waiters.splice(0)) w();
      });
    },
  });
  // A client that aborts a connection (a send past its deadline) resets it: expected here.
  server.on("error", () => {});
  const port = await new Promise<number>((ok) => {
    server.listen(0, "127.0.0.1", () => {
      const addr = server.server.address();
      ok(typeof addr === "object" && addr ? addr.port : 0);
    });
  });
  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    received,
    failWith(code) {
      failCode = code;
    },
    refuseRcptWith(code, text) {
      rcptCode = code;
      rcptText = text ?? null;
    },
    stallMailFrom(on) {
      stalling = on;
      if (!on) for (const release of held.splice(0)) release();
    },
    rcptAttempts: () => rcpts,
    async waitFor(n, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (received.length < n) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`expected ${n} message(s) at the SMTP sink, got ${received.length}`);
        await new Promise<void>((ok) => {
          const t = setTimeout(ok, Math.min(left, 250));
          waiters.push(() => {
            clearTimeout(t);
            ok();
          });
        });
      }
      return received;
    },
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}
