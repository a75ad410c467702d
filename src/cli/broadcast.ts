/**
 * `rapport broadcast`: asks a running rapport to run a flow for every owner of a product
 * or category (POST /v1/broadcasts), then follows it (GET /v1/broadcasts/:id) with a
 * progress bar on stderr until it is done. The final state is printed on stdout as JSON.
 */
import { type BroadcastBody, broadcastBodySchema } from "../events/broadcast-body.js";
import { describeIssues } from "../events/event-body.js";
import { resolveApiKey } from "./trigger.js";

export interface BroadcastCliOptions {
  sku?: string;
  category?: string;
  /** `sku:LYRA-RD-2780` or `category:turntable`: the same as --sku / --category. */
  audience?: string;
  /** k=v pairs, each one event property. */
  property?: string[];
  id?: string;
  url: string;
  apiKey?: string;
  /** Post and print the id without following the progress. */
  detach?: boolean;
}

/** What GET /v1/broadcasts/:id answers (the fields the progress bar reads). */
export interface BroadcastProgress {
  broadcastId: string;
  status: "queued" | "running" | "completed" | "failed";
  total: number | null;
  started: number;
  skipped: number;
  done: boolean;
  error: string | null;
}

/** `k=v` → { k: "v" }; a value is kept as text. */
export function parseProperties(pairs: readonly string[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new Error(`--property ${pair}: expected name=value`);
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}

/** `--audience sku:X` / `--audience category:Y`, read into the --sku / --category they stand for. */
export function audienceOption(text: string): { sku: string } | { category: string } {
  const m = /^(sku|category)[:=](.+)$/.exec(text.trim());
  if (!m?.[1] || !m[2]) throw new Error(`--audience: expected sku:SKU or category:CATEGORY, found "${text}"`);
  return m[1] === "sku" ? { sku: m[2] } : { category: m[2] };
}

export function buildBroadcastBody(flow: string, given: BroadcastCliOptions): BroadcastBody {
  const o = given.audience ? { ...given, ...audienceOption(given.audience) } : given;
  const properties = parseProperties(o.property);
  const raw = {
    ...(o.id ? { id: o.id } : {}),
    flow,
    audience: { ...(o.sku ? { sku: o.sku } : {}), ...(o.category ? { category: o.category } : {}) },
    ...(Object.keys(properties).length > 0 ? { properties } : {}),
  };
  const parsed = broadcastBodySchema.safeParse(raw);
  if (!parsed.success) {
    const lines = describeIssues(parsed.error).map((i) => `  ${i.field}: ${i.message}`);
    throw new Error(`the broadcast is not valid:\n${lines.join("\n")}`);
  }
  return parsed.data;
}

const fmt = (n: number) => n.toLocaleString("en-US");

/** One line of progress; `width` is the bar's width in characters (0: no bar). */
export function progressLine(p: BroadcastProgress, width = 30): string {
  const handled = p.started + p.skipped;
  const counts = `${fmt(p.started)} started, ${fmt(p.skipped)} skipped`;
  if (p.status === "queued" || p.total === null) return `broadcast ${p.broadcastId}: ${p.status}`;
  if (p.status === "failed")
    return `broadcast ${p.broadcastId}: failed (${p.error ?? "unknown error"}); ${counts}`;
  // Owners who arrive while it runs can take it past the count it started with.
  const total = Math.max(p.total, handled);
  const fraction = p.done ? 1 : total === 0 ? 0 : handled / total;
  const percent = `${Math.floor(fraction * 100)}%`.padStart(4);
  const bar = width > 0 ? `[${"#".repeat(Math.round(fraction * width)).padEnd(width, "-")}] ` : "";
  return `${bar}${percent} ${fmt(handled)}/${fmt(total)} owners: ${counts}${p.done ? " (done)" : ""}`;
}

async function call(
  url: URL,
  key: string,
  init: RequestInit = {},
): Promise<{ status: number; text: string }> {
  const res = await fetch(url, {
    ...init,
    headers: { "content-type": "application/json", authorization: `Bearer ${key}`, ...init.headers },
  }).catch((err: Error) => {
    throw new Error(
      `could not reach rapport at ${url.origin} (${err.message}); is \`rapport start\` running?`,
    );
  });
  return { status: res.status, text: await res.text() };
}

export async function broadcast(
  flow: string,
  o: BroadcastCliOptions,
  io: { stderr: NodeJS.WriteStream; stdout: NodeJS.WritableStream; pollMs?: number } = {
    stderr: process.stderr,
    stdout: process.stdout,
  },
): Promise<BroadcastProgress | null> {
  const body = buildBroadcastBody(flow, o);
  const key = await resolveApiKey(o.apiKey);
  const posted = await call(new URL("/v1/broadcasts", o.url), key, {
    method: "POST",
    body: JSON.stringify(body),
  });
  if (posted.status !== 202) throw new Error(`rapport answered ${posted.status}: ${posted.text}`);
  const { broadcastId, duplicate } = JSON.parse(posted.text) as { broadcastId: string; duplicate: boolean };
  io.stderr.write(`broadcast ${broadcastId}${duplicate ? " (already posted: following it)" : ""}\n`);
  if (o.detach) {
    io.stdout.write(`${posted.text}\n`);
    return null;
  }

  const tty = io.stderr.isTTY === true;
  const pollMs = io.pollMs ?? 500;
  let lastPlain = 0;
  let lastLine = "";
  for (;;) {
    const got = await call(new URL(`/v1/broadcasts/${encodeURIComponent(broadcastId)}`, o.url), key);
    if (got.status !== 200) throw new Error(`rapport answered ${got.status}: ${got.text}`);
    const progress = JSON.parse(got.text) as BroadcastProgress;
    if (tty) {
      const line = progressLine(progress, 30);
      io.stderr.write(`\r${line}\u001b[K`);
      if (progress.done) io.stderr.write("\n");
    } else {
      // Plain lines for logs and pipes: one every few seconds, and the last.
      const line = progressLine(progress, 0);
      if (progress.done || (Date.now() - lastPlain >= 5000 && line !== lastLine)) {
        io.stderr.write(`${line}\n`);
        lastPlain = Date.now();
        lastLine = line;
      }
    }
    if (progress.done) {
      io.stdout.write(`${got.text}\n`);
      if (progress.status === "failed") process.exitCode = 1;
      return progress;
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
