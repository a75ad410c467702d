/**
 * The chaos suite's SMTP server: a real smtp-server in its own process, so that no fault
 * played on rapport (kill -9, SIGSTOP) can touch it, and its faults are real sockets.
 *
 * Contract (run as `node --import tsx test/chaos/sink.ts`): prints one JSON line
 * `{"smtpPort":N,"controlPort":M}` on stdout once both listen, then serves
 *   POST /mode     {"mode": Mode, "refuse"?: regex source, "every"?: n}  → 204
 *   POST /reset    forget every message, mode back to accept              → 204
 *   GET  /messages every DATA it received, in arrival order               → SinkMessage[]
 *   GET  /refusals every recipient refused with a 5xx, one per refusal   → string[]
 * on 127.0.0.1:controlPort. Modes:
 *   accept           250 for everything
 *   4xx              451 at RCPT TO for every recipient
 *   5xx              550 at RCPT TO for recipients matching `refuse`, 250 for the rest
 *   down             the port is closed and open connections are cut (connection refused)
 *   stall            MAIL FROM is never answered (until the mode changes: then 421)
 *   drop-after-250   every `every`th message: 250 is sent, then the connection is cut
 *   drop-before-250  every `every`th message: the data is read, the connection is cut
 *                    without an answer (the copy is kept with acked=false)
 * A message counts as delivered only when acked: the server said 250 for it.
 */
import { createServer as createHttpServer, type IncomingMessage } from "node:http";
import type { Socket } from "node:net";
import { SMTPServer, type SMTPServerSession } from "smtp-server";

export const MODES = ["accept", "4xx", "5xx", "down", "stall", "drop-after-250", "drop-before-250"] as const;
export type Mode = (typeof MODES)[number];

export interface SinkMessage {
  /** The Message-ID header, angle brackets included; "" when the message had none. */
  messageId: string;
  to: string[];
  /** True when the server answered 250 for this copy. */
  acked: boolean;
  at: number;
}

interface State {
  mode: Mode;
  refuse: RegExp;
  every: number;
  /** Messages seen in a drop mode, to drop every `every`th. */
  seen: number;
  messages: SinkMessage[];
  /** Recipients refused with a 5xx at RCPT TO, one entry per refusal. */
  refusals: string[];
  /** MAIL FROM callbacks held by a stall, answered 421 when it ends. */
  held: Array<(err?: Error) => void>;
}

const state: State = {
  mode: "accept",
  refuse: /.*/,
  every: 3,
  seen: 0,
  messages: [],
  refusals: [],
  held: [],
};

const smtpError = (code: number, text: string) => Object.assign(new Error(text), { responseCode: code });

/** The Message-ID header of a raw message (header section only; folded lines joined). */
function messageIdOf(raw: Buffer): string {
  const end = raw.indexOf("\r\n\r\n");
  const head = raw.subarray(0, end < 0 ? raw.length : end).toString("latin1");
  const m = /^message-id:\s*(.*(?:\r\n[ \t].*)*)/im.exec(head);
  return m?.[1] ? m[1].replace(/\s+/g, "") : "";
}

// Each connection's socket, by the client's port: a drop mode cuts the socket of one session.
const sockets = new Map<number, Socket>();
const socketOf = (session: SMTPServerSession) =>
  sockets.get((session as SMTPServerSession & { remotePort: number }).remotePort);

function makeServer(): SMTPServer {
  return new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS", "AUTH"],
    logger: false,
    size: 5 * 1024 * 1024,
    onMailFrom(_address, _session, callback) {
      if (state.mode === "stall") {
        state.held.push(callback);
        return;
      }
      callback();
    },
    onRcptTo(address, _session, callback) {
      if (state.mode === "4xx") return callback(smtpError(451, "4.3.0 try again later (chaos)"));
      if (state.mode === "5xx" && state.refuse.test(address.address)) {
        state.refusals.push(address.address);
        return callback(smtpError(550, "5.1.1 no such user (chaos)"));
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        const raw = Buffer.concat(chunks);
        const drop =
          (state.mode === "drop-after-250" || state.mode === "drop-before-250") &&
          ++state.seen % state.every === 0;
        const acked = !(drop && state.mode === "drop-before-250");
        state.messages.push({
          messageId: messageIdOf(raw),
          to: session.envelope.rcptTo.map((r) => r.address),
          acked,
          at: Date.now(),
        });
        const socket = socketOf(session);
        if (!acked) {
          socket?.destroy();
          return;
        }
        callback();
        // Long enough for the 250 to leave, short enough that the client has not moved on.
        if (drop) setTimeout(() => socket?.destroy(), 5);
      });
    },
  });
}

let server: SMTPServer | null = null;
let smtpPort = 0;

async function up(): Promise<void> {
  if (server) return;
  const s = makeServer();
  s.server.on("connection", (socket: Socket) => {
    const port = socket.remotePort ?? 0;
    sockets.set(port, socket);
    socket.once("close", () => sockets.delete(port));
  });
  s.on("error", () => {}); // a client cut mid-command is the point of the exercise
  await new Promise<void>((ok, fail) => {
    s.server.once("error", fail);
    s.listen(smtpPort, "127.0.0.1", () => {
      const addr = s.server.address();
      smtpPort = typeof addr === "object" && addr ? addr.port : smtpPort;
      ok();
    });
  });
  server = s;
}

function down(): void {
  if (!server) return;
  server.server.close();
  for (const socket of sockets.values()) socket.destroy();
  server = null;
}

function releaseHeld(): void {
  for (const cb of state.held.splice(0)) {
    try {
      cb(smtpError(421, "4.3.2 stall over, try again (chaos)"));
    } catch {
      // the client may have gone: nothing to answer
    }
  }
}

async function setMode(body: { mode?: unknown; refuse?: unknown; every?: unknown }): Promise<void> {
  if (!MODES.includes(body.mode as Mode)) throw new Error(`mode: expected one of ${MODES.join(", ")}`);
  const mode = body.mode as Mode;
  if (state.mode === "stall" && mode !== "stall") releaseHeld();
  state.refuse = typeof body.refuse === "string" ? new RegExp(body.refuse) : /.*/;
  state.every = typeof body.every === "number" && body.every > 0 ? body.every : 3;
  state.seen = 0;
  state.mode = mode;
  if (mode === "down") down();
  else await up();
}

const readBody = (req: IncomingMessage) =>
  new Promise<string>((ok) => {
    let s = "";
    req.on("data", (d) => {
      s += d;
    });
    req.on("end", () => ok(s));
  });

const control = createHttpServer(async (req, res) => {
  try {
    if (req.method === "GET" && req.url === "/messages") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(state.messages));
      return;
    }
    if (req.method === "GET" && req.url === "/refusals") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(state.refusals));
      return;
    }
    if (req.method === "POST" && req.url === "/mode") {
      await setMode(JSON.parse((await readBody(req)) || "{}"));
      res.writeHead(204).end();
      return;
    }
    if (req.method === "POST" && req.url === "/reset") {
      await setMode({ mode: "accept" });
      state.messages = [];
      state.refusals = [];
      res.writeHead(204).end();
      return;
    }
    res.writeHead(404).end();
  } catch (err) {
    res.writeHead(400, { "content-type": "text/plain" }).end((err as Error).message);
  }
});

await up();
await new Promise<void>((ok) => control.listen(0, "127.0.0.1", ok));
const addr = control.address();
const controlPort = typeof addr === "object" && addr ? addr.port : 0;
process.stdout.write(`${JSON.stringify({ smtpPort, controlPort })}\n`);
process.on("SIGTERM", () => process.exit(0));
