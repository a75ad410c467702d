/**
 * The inbound SMTP listener is fair, on real sockets: one client address holding many
 * idle connections cannot lock another out, a client guessing addresses is refused for
 * a while, every refusal is logged once with the address, and only the canonical
 * spelling of a token is accepted. Loopback 127.0.0.0/8 gives distinct client addresses
 * (the client socket's localAddress).
 */
import { connect, type Socket } from "node:net";
import nodemailer from "nodemailer";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { type RunningInboundSmtp, startInboundSmtp } from "../../src/mail/inbound-smtp.js";
import { createReplyAddresses } from "../../src/mail/tokens.js";
import { eventually } from "../support/test-env.js";

const addresses = createReplyAddresses({ secret: "f".repeat(40), domain: "reply.lyra-audio.example" });
const valid = addresses.forMessage("0f8fad5b-d9cb-469f-a165-70867728950e");
const raw = "From: ada@example.com\r\nSubject: hello\r\n\r\nIt plays beautifully.\r\n";

interface LogLine {
  level: number;
  msg: string;
  client?: string;
  reason?: string;
  refused?: number;
}

/** A raw client: resolves with the first line the server says, keeps the socket open. */
function openClient(
  port: number,
  from: string,
): Promise<{ socket: Socket; first: string; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port, localAddress: from });
    const closed = new Promise<void>((done) => socket.once("close", () => done()));
    let text = "";
    socket.on("error", () => {});
    socket.on("data", (chunk: Buffer) => {
      text += chunk.toString("latin1");
      const end = text.indexOf("\r\n");
      if (end >= 0) resolve({ socket, first: text.slice(0, end), closed });
    });
    socket.once("close", () => reject(new Error(`closed before a greeting (${text})`)));
  });
}

async function send(port: number, from: string, to: string[]): Promise<string> {
  const transport = nodemailer.createTransport({
    host: "127.0.0.1",
    port,
    secure: false,
    ignoreTLS: true,
    localAddress: from,
  });
  try {
    const info = await transport.sendMail({ envelope: { from: "ada@example.com", to }, raw });
    return String(info.response);
  } catch (err) {
    return `${(err as { responseCode?: number }).responseCode ?? ""} ${(err as Error).message}`;
  } finally {
    transport.close();
  }
}

describe("inbound SMTP listener fairness", () => {
  let listener: RunningInboundSmtp | null = null;
  const sockets: Socket[] = [];
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.destroy();
    await listener?.close();
    listener = null;
  });

  async function start(over: { maxUnknownRecipientsPerClient?: number; now?: () => number } = {}) {
    const logs: LogLine[] = [];
    const logger = pino(
      { level: "info" },
      { write: (line: string) => logs.push(JSON.parse(line) as LogLine) },
    );
    const accepted: string[][] = [];
    listener = await startInboundSmtp({
      host: "127.0.0.1",
      port: 0,
      addresses,
      maxBytes: 64 * 1024,
      logger,
      accept: async (_raw, envelope) => {
        accepted.push(envelope.rcptTo);
        return `in${accepted.length}`;
      },
      ...(over.maxUnknownRecipientsPerClient
        ? { maxUnknownRecipientsPerClient: over.maxUnknownRecipientsPerClient }
        : {}),
      ...(over.now ? { clock: { now: over.now } } : {}),
    });
    return { port: listener.port, logs, accepted };
  }

  it("lets another address deliver while one holds 50 idle connections, and logs the refusal once", async () => {
    const { port, logs, accepted } = await start();
    const flood = await Promise.all(Array.from({ length: 50 }, () => openClient(port, "127.0.0.1")));
    sockets.push(...flood.map((c) => c.socket));
    const greeted = flood.filter((c) => c.first.startsWith("220 "));
    const refused = flood.filter((c) => c.first.startsWith("421 "));
    expect(greeted).toHaveLength(5);
    expect(refused).toHaveLength(45);
    expect(refused[0]?.first).toMatch(/^421 reply\.lyra-audio\.example 4\.7\.0 too many connections/);
    // Refused connections are closed by the server, not left to the client.
    await Promise.all(refused.map((c) => c.closed));

    expect(await send(port, "127.0.0.2", [valid])).toMatch(/^250 /);
    expect(accepted).toEqual([[valid]]);

    const aboutFlood = logs.filter((l) => l.client === "127.0.0.1");
    expect(aboutFlood).toHaveLength(1);
    expect(aboutFlood[0]).toMatchObject({
      level: 40,
      reason: "too many connections at once from this address",
    });
    expect(aboutFlood[0]?.msg).toContain("127.0.0.1");

    // The rest are summed up (here when the listener closes), in one line.
    for (const c of greeted) c.socket.destroy();
    await listener?.close();
    listener = null;
    const summary = logs.filter((l) => l.client === "127.0.0.1" && l.refused !== undefined);
    expect(summary).toEqual([expect.objectContaining({ refused: 44 })]);
  });

  it("frees a client's slots as its connections close", async () => {
    const { port } = await start();
    const first = await Promise.all(Array.from({ length: 5 }, () => openClient(port, "127.0.0.3")));
    sockets.push(...first.map((c) => c.socket));
    expect((await openClient(port, "127.0.0.3")).first).toMatch(/^421 /);
    for (const c of first) c.socket.destroy();
    await Promise.all(first.map((c) => c.closed));
    const again = await eventually(async () => {
      const c = await openClient(port, "127.0.0.3");
      sockets.push(c.socket);
      return c.first.startsWith("220 ") ? c : null;
    }, "a slot for 127.0.0.3 again");
    expect(again.first).toMatch(/^220 /);
  });

  it("refuses a client that names too many unknown recipients until its window ends", async () => {
    let now = 1_000_000;
    const { port, logs, accepted } = await start({ maxUnknownRecipientsPerClient: 3, now: () => now });
    const guess = (n: number) => `reply+m${"a".repeat(41)}${"abcdefgh"[n]}@reply.lyra-audio.example`;
    expect(await send(port, "127.0.0.4", [guess(0)])).toMatch(/^550 .*5\.1\.1/);
    expect(await send(port, "127.0.0.4", [guess(1)])).toMatch(/^550 .*5\.1\.1/);
    expect(await send(port, "127.0.0.4", [guess(2)])).toMatch(/^421 .*4\.7\.1/);
    // Now even a valid address is refused from there, at the greeting.
    expect((await openClient(port, "127.0.0.4")).first).toMatch(/^421 .*4\.7\.1 too many unknown recipients/);
    expect(await send(port, "127.0.0.4", [valid])).toMatch(/^421 /);
    // Others are not affected.
    expect(await send(port, "127.0.0.5", [valid])).toMatch(/^250 /);
    const blockedLines = logs.filter((l) => l.client === "127.0.0.4" && l.reason !== undefined);
    expect(blockedLines).toHaveLength(1);
    expect(blockedLines[0]?.msg).toContain("127.0.0.4");

    now += 60 * 60_000;
    expect(await send(port, "127.0.0.4", [valid])).toMatch(/^250 /);
    expect(accepted).toEqual([[valid], [valid]]);
  });

  it("accepts only the canonical spelling of a token at RCPT", async () => {
    const { port, accepted } = await start();
    const at = valid.indexOf("+") + 1 + 26; // the id's last character: 2 unused bits
    const alphabet = "abcdefghijklmnopqrstuvwxyz234567";
    const value = alphabet.indexOf(valid[at] as string);
    const spellings = [0, 1, 2, 3].map(
      (low) => `${valid.slice(0, at)}${alphabet[(value & ~3) | low]}${valid.slice(at + 1)}`,
    );
    const answers = [];
    for (const s of spellings) answers.push({ s, answer: await send(port, "127.0.0.6", [s]) });
    for (const { s, answer } of answers) {
      if (s === valid) expect(answer).toMatch(/^250 /);
      else expect(answer).toMatch(/^550 .*5\.1\.1/);
    }
    // Upper case is the same address (mail systems fold case), not another spelling.
    expect(await send(port, "127.0.0.6", [valid.toUpperCase()])).toMatch(/^250 /);
    expect(accepted).toHaveLength(2);
  });
});
