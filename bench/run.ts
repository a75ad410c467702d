/**
 * npm run bench: measures, in one run on this machine,
 *  1. registrations → delivered thank-yous per second through the whole path (HTTP,
 *     SQLite, BullMQ on a private Redis, flow, render, pooled nodemailer) to an SMTP
 *     sink in a separate process, beside raw pooled nodemailer sending the same
 *     rendered message to the same sink;
 *  2. per-message rendering (Handlebars over MJML compiled once) against MJML
 *     compiled per message.
 * The registrations are posted by a child process (bench/load.ts), as a form would.
 * It prints both figures and their ratios. Sizes: BENCH_MESSAGES (default 2000),
 * BENCH_RENDERS (default 5000), BENCH_MJML_RENDERS (default 100).
 */
import { cpSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import nodemailer from "nodemailer";
import { addressOf, loadBrand } from "../src/config/brand.js";
import { loadSettings } from "../src/config/settings.js";
import { startEmbeddedRedis } from "../src/infra/embedded-redis.js";
import { silentLogger } from "../src/infra/logger.js";
import { startRapport } from "../src/main.js";
import { templateHandlebars } from "../src/templates/environment.js";
import { loadTemplates } from "../src/templates/load.js";
import { mjmlToHtml } from "../src/templates/mjml.js";
import { sampleTemplateData } from "../src/templates/preview.js";
import { cleanSubject, renderMessage } from "../src/templates/render.js";
import { startLoadProcess } from "./load-client.js";
import { startSinkProcess } from "./sink-client.js";

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 2000);
const RENDERS = Number(process.env.BENCH_RENDERS ?? 5000);
const MJML_RENDERS = Number(process.env.BENCH_MJML_RENDERS ?? 100);
const POOL = 5;
const API_KEY = "bench-key-0123456789abcdefghijkl";

const perSecond = (n: number, ms: number) => (n / ms) * 1000;
const verdict = (met: boolean) => (met ? "met" : "NOT met");
/** CPU time (user + system) of this process per message, in ms. */
const cpuMsPer = (used: NodeJS.CpuUsage) => (used.user + used.system) / 1000 / MESSAGES;
const fmt = (n: number, digits = 0) => n.toLocaleString("en-US", { maximumFractionDigits: digits });

/** Runs `task(i)` for i in [0, n) with at most `width` in flight. */
async function pool(n: number, width: number, task: (i: number) => Promise<unknown>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, n) }, async () => {
      while (next < n) await task(next++);
    }),
  );
}

/**
 * The baseline: nodemailer's own pooled transport, the same pool size and sink, sending
 * the message rapport sends (same parts, same headers: Reply-To, Message-ID,
 * X-Rapport-Message, and the same nodemailer options).
 */
async function benchRawNodemailer(
  sinkPort: number,
  message: { subject: string; html: string; text: string },
) {
  const brand = await loadBrand(resolve("config/rapport.yaml"));
  const transport = nodemailer.createTransport({
    host: "127.0.0.1",
    port: sinkPort,
    pool: true,
    maxConnections: POOL,
  });
  const cpu = process.cpuUsage();
  const started = performance.now();
  await pool(MESSAGES, 100, (i) =>
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
    }),
  );
  const ms = performance.now() - started;
  const cpuMs = cpuMsPer(process.cpuUsage(cpu));
  transport.close();
  return { rate: perSecond(MESSAGES, ms), cpuMs };
}

/**
 * The project's config/ with only the thank-you flow: the path the issue measures
 * (registration → thank-you). With every shipped flow, a registration also starts
 * get-to-know-you (a second run that schedules its 3-day wait): more work per event, not
 * per message; the bench prints that figure beside it.
 */
function thankYouOnlyConfig(dir: string): string {
  const config = join(dir, "config");
  cpSync(resolve("config"), config, { recursive: true });
  for (const file of readdirSync(join(config, "flows"))) {
    if (file !== "thank-you.yaml") rmSync(join(config, "flows", file));
  }
  return config;
}

async function benchWholePath(
  sinkPort: number,
  redisUrl: string,
  sinkWait: (n: number) => Promise<void>,
  flows: "thank-you" | "all",
) {
  const dir = mkdtempSync(join(tmpdir(), "rapport-bench-"));
  const settings = loadSettings({
    REDIS_URL: redisUrl,
    DATABASE_URL: join(dir, "bench.db"),
    RAPPORT_DATA_DIR: dir,
    RAPPORT_CONFIG_DIR: flows === "all" ? resolve("config") : thankYouOnlyConfig(dir),
    RAPPORT_QUEUE_PREFIX: `bench${Date.now()}${flows}`,
    RAPPORT_API_KEYS: API_KEY,
    SMTP_URL: `smtp://127.0.0.1:${sinkPort}`,
    SMTP_POOL_SIZE: String(POOL),
    PORT: "0",
    LOG_LEVEL: "silent",
    INBOUND_SMTP_PORT: "off",
  });
  const rapport = await startRapport({ settings, role: "all", logger: silentLogger });
  const url = `http://127.0.0.1:${rapport.httpPort}/v1/events`;
  // The registration form is an external client: its requests are made in a process of
  // their own, so only rapport's side of HTTP runs on rapport's event loop.
  const load = await startLoadProcess();
  const cpu = process.cpuUsage();
  const started = performance.now();
  const acceptedMs = await load.run(url, API_KEY, MESSAGES, 20);
  await sinkWait(MESSAGES);
  const ms = performance.now() - started;
  const cpuMs = cpuMsPer(process.cpuUsage(cpu));
  await load.stop();
  await rapport.close();
  rmSync(dir, { recursive: true, force: true });
  return { rate: perSecond(MESSAGES, ms), acceptRate: perSecond(MESSAGES, acceptedMs), cpuMs };
}

/**
 * Per-call time of `task` over n calls, split in 5 rounds; the fastest round counts
 * (other work on a shared machine only ever slows a round down). Both sides alike.
 */
async function fastestRound(n: number, task: (i: number) => unknown): Promise<number> {
  const per = Math.max(1, Math.ceil(n / 5));
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 5; round++) {
    const started = performance.now();
    for (let i = 0; i < per; i++) await task(round * per + i);
    best = Math.min(best, (performance.now() - started) / per);
  }
  return best;
}

async function benchRendering() {
  const { templates, errors } = await loadTemplates(resolve("config/templates"));
  if (errors.length) throw new Error(`templates have errors: ${JSON.stringify(errors)}`);
  const compiled = templates.get("thank-you");
  if (!compiled) throw new Error("no thank-you template");
  const data = sampleTemplateData();

  // Each message's data is built per message, as the delivery job does; the warm-up renders the
  // same kind of objects as the measured rounds (warming up on `data` itself left the JIT code
  // specialised for another object shape, to be thrown away and redone inside the measured rounds).
  const message = (i: number) => renderMessage(compiled, { ...data, message: { id: `m${i}` } });
  // Warm-up (let the JIT settle): V8 optimises the big generated template functions on a
  // background thread, which on a busy machine can take a few hundred ms; give it that.
  const warmUntil = performance.now() + 500;
  for (let i = 0; i < 5000 || performance.now() < warmUntil; i++) message(i);
  const precompiledMs = await fastestRound(RENDERS, message);

  // The naive way: Handlebars over the MJML source, then MJML, for every message; with
  // rapport's own helpers and MJML options (src/templates/mjml.ts), and subject and text
  // rendered as rapport does, so only compiling MJML once differs.
  const { readFile } = await import("node:fs/promises");
  const dir = resolve("config/templates/thank-you");
  const [subjectSource, bodySource, textSource] = await Promise.all(
    ["subject.hbs", "body.mjml", "text.hbs"].map((f) => readFile(join(dir, f), "utf8")),
  );
  const hbSubject = templateHandlebars.compile(subjectSource, { strict: true, noEscape: true });
  const hbBody = templateHandlebars.compile(bodySource, { strict: true });
  const hbText = templateHandlebars.compile(textSource, { strict: true, noEscape: true });
  const mjmlOnce = async (i: number) => {
    const d = { ...data, message: { id: `m${i}` } };
    const subject = cleanSubject(hbSubject(d));
    const out = await mjmlToHtml(hbBody(d), "body.mjml");
    if (!out.ok) throw new Error(`MJML: ${JSON.stringify(out.errors)}`);
    return { subject, html: out.html, text: hbText(d) };
  };
  for (let i = 0; i < 5; i++) await mjmlOnce(i); // warm-up
  const mjmlMs = await fastestRound(MJML_RENDERS, mjmlOnce);
  return { precompiledMs, mjmlMs, sample: renderMessage(compiled, data) };
}

async function main() {
  console.log(
    `rapport benchmark — ${MESSAGES} messages, Node ${process.version}, ${new Date().toISOString()}\n`,
  );

  const render = await benchRendering();
  console.log("Rendering one message");
  console.log(`  MJML compiled once + Handlebars per message: ${fmt(render.precompiledMs * 1000, 1)} µs`);
  console.log(`  MJML compiled per message:                   ${fmt(render.mjmlMs * 1000, 1)} µs`);
  const renderRatio = render.mjmlMs / render.precompiledMs;
  console.log(`  ratio: ${fmt(renderRatio)}× faster (aim: ≥ 500×: ${verdict(renderRatio >= 500)})\n`);

  const redisDir = mkdtempSync(join(tmpdir(), "rapport-bench-redis-"));
  const redis = process.env.REDIS_URL
    ? { url: process.env.REDIS_URL, stop: async () => {} }
    : await startEmbeddedRedis({ dir: redisDir, port: 0, appendOnly: true });
  const sink = await startSinkProcess();
  try {
    const raw = await benchRawNodemailer(sink.port, render.sample);
    await sink.waitFor(MESSAGES, 120_000);
    await sink.reset();
    const path = await benchWholePath(sink.port, redis.url, (n) => sink.waitFor(n, 600_000), "thank-you");
    await sink.reset();
    const allFlows = await benchWholePath(sink.port, redis.url, (n) => sink.waitFor(n, 600_000), "all");
    console.log(`Delivered messages per second (SMTP sink in a separate process, pool of ${POOL})`);
    console.log(
      `  raw nodemailer, pooled:                         ${fmt(raw.rate)} /s   (${fmt(raw.cpuMs, 2)} ms CPU per message)`,
    );
    console.log(
      `  whole path, thank-you flow (HTTP → store → queues → SMTP): ${fmt(path.rate)} /s   (${fmt(path.cpuMs, 2)} ms CPU per message)`,
    );
    console.log(`    (HTTP accepted the ${MESSAGES} registrations at ${fmt(path.acceptRate)} /s)`);
    console.log(
      `  whole path, every shipped flow:                 ${fmt(allFlows.rate)} /s   (${fmt(allFlows.cpuMs, 2)} ms CPU per message; a registration also starts get-to-know-you)`,
    );
    const pathRatio = path.rate / raw.rate;
    console.log(
      `  ratio: ${fmt(pathRatio, 2)}× raw nodemailer (aim: ≥ 0.7×: ${verdict(pathRatio >= 0.7)})\n`,
    );
    console.log("Summary");
    console.log(
      `  rendering:  ${fmt(renderRatio)}× faster than MJML per message   aim ≥ 500×   ${verdict(renderRatio >= 500)}`,
    );
    console.log(
      `  whole path: ${fmt(pathRatio, 2)}× raw pooled nodemailer          aim ≥ 0.7×   ${verdict(pathRatio >= 0.7)}`,
    );
  } finally {
    await sink.stop();
    await redis.stop();
    rmSync(redisDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
