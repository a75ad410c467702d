/**
 * The delivery baseline: nodemailer's own pooled transport, the same pool size and sink
 * as rapport, sending the message rapport sends (same parts, same headers: Reply-To,
 * Message-ID, X-Rapport-Message, and the same nodemailer options), from this process.
 * One option differs: rapport hands nodemailer the text encoding it chose from the
 * plain-text part (src/mail/text-encoding.ts), where nodemailer left to itself counts the
 * characters of every part. The bytes sent are the same; the baseline stays nodemailer as
 * its documentation has it used.
 */
import { resolve } from "node:path";
import nodemailer from "nodemailer";
import { addressOf, loadBrand } from "../src/config/brand.js";
import type { RenderedSample } from "./rendering.js";
import { perSecond } from "./table.js";

export const SMTP_POOL = 5;

/** Runs `task(i)` for i in [0, n) with at most `width` in flight. */
export async function pool(n: number, width: number, task: (i: number) => Promise<unknown>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, n) }, async () => {
      while (next < n) await task(next++);
    }),
  );
}

export interface RawResult {
  rate: number;
  /** CPU ms of this process per message. */
  cpuMs: number;
}

/** Sends `n` messages after `warm` untimed ones; timed until the sink has them all (`delivered(total)`). */
export async function rawNodemailer(
  sinkPort: number,
  message: RenderedSample,
  n: number,
  warm: number,
  delivered: (n: number) => Promise<void>,
): Promise<RawResult> {
  const brand = await loadBrand(resolve("config/rapport.yaml"));
  const transport = nodemailer.createTransport({
    host: "127.0.0.1",
    port: sinkPort,
    pool: true,
    maxConnections: SMTP_POOL,
  });
  const send = (i: number) =>
    transport.sendMail({
      from: brand.from,
      to: `raw${i}@example.com`,
      replyTo: brand.supportAddress ? addressOf(brand.supportAddress) : undefined,
      subject: message.subject,
      html: message.html,
      text: message.text,
      messageId: `<raw-${i}@${brand.replyDomain}>`,
      headers: { "X-Rapport-Message": `raw-${i}` },
      disableFileAccess: true,
      disableUrlAccess: true,
    });
  // Warm-up, untimed: the pool's connections open and the JIT settles, as they have in a
  // rapport that has been running (its processes are up before its clock starts).
  await pool(warm, 100, (i) => send(n + i));
  const cpu = process.cpuUsage();
  const started = performance.now();
  await pool(n, 100, send);
  await delivered(warm + n);
  const ms = performance.now() - started;
  const used = process.cpuUsage(cpu);
  transport.close();
  return { rate: perSecond(n, ms), cpuMs: (used.user + used.system) / 1000 / n };
}
