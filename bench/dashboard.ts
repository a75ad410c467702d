/**
 * npm run bench:dashboard: how long the dashboard's pages take with many customers on
 * SQLite (issue 12: "fast with 100,000 customers"). Prints one table, asserts nothing.
 *
 * How: a real rapport (SQLite in a temp dir, Redis at REDIS_URL or its own embedded one,
 * mail to the outbox folder) takes one registration, sends the thank-you and receives a
 * reply, so every table holds rows of the shapes rapport itself writes. With rapport
 * stopped, those rows are copied BENCH_DASHBOARD_CUSTOMERS times by SQL (ids, addresses
 * and unique keys prefixed `b<i>-`, moments spread one second apart), and then 1 in 100
 * of the copied replies is left waiting for a person, 1 in 100 messages failed, 1 in 200
 * events and inbound mails failed. A rapport with the HTTP role only (no worker competing
 * for the two cores) then serves the pages, each asked BENCH_DASHBOARD_REPEAT times after
 * one warm-up, behind a real login.
 *
 *   BENCH_DASHBOARD_CUSTOMERS  100000   customers (each with an ownership, event, run, message, reply, inbound mail)
 *   BENCH_DASHBOARD_REPEAT     20       requests per page (median and slowest are printed)
 *   BENCH_DASHBOARD_KEEP=1              keep the seeded store (its path is printed) to look into with sqlite3
 */
import { randomBytes } from "node:crypto";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseDocument } from "yaml";
import { loadSettings } from "../src/config/settings.js";
import { silentLogger } from "../src/infra/logger.js";
import { type Rapport, startRapport } from "../src/main.js";
import { SqliteDriver } from "../src/store/sqlite-driver.js";

const num = (name: string, fallback: number) => {
  const n = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name}: expected a positive whole number`);
  return n;
};
const CUSTOMERS = num("BENCH_DASHBOARD_CUSTOMERS", 100_000);
const REPEAT = num("BENCH_DASHBOARD_REPEAT", 20);
const KEY = `bench-${randomBytes(16).toString("hex")}`;
const BASE_EMAIL = "base@example.com";

/**
 * Text columns that are ids, addresses or unique keys: prefixed per copy. Not the ids of
 * what every copy shares: the product, and the flow and step a run is at.
 */
const KEYED =
  /^(id|email|entry_key|dedupe_key|message_id_header|customer_email|to_address|from_address|envelope_from|in_reply_to|(?!(product|flow|step)_id$).*_id)$/;
/** Moments spread over the copies; wake-ups, leases and not-before stay (nothing falls due). */
const SPREAD = new Set([
  "created_at",
  "updated_at",
  "occurred_at",
  "received_at",
  "sent_at",
  "processed_at",
  "started_at",
]);
/** Copied in this order (foreign keys point backwards). */
const TABLES = [
  "customers",
  "ownerships",
  "events",
  "flow_runs",
  "run_steps",
  "messages",
  "inbound_messages",
  "interactions",
];

async function waitFor<T>(
  what: string,
  check: () => T | null | undefined | false,
  limitMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const v = check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function benchConfig(dir: string): string {
  const config = join(dir, "config");
  cpSync(resolve("config"), config, { recursive: true });
  // Without the brand's sending hours the thank-you goes now, whatever the hour.
  const brandFile = join(config, "rapport.yaml");
  const brand = parseDocument(readFileSync(brandFile, "utf8"));
  brand.delete("sending");
  writeFileSync(brandFile, brand.toString());
  return config;
}

/** One registration, its thank-you sent to the outbox, a reply to it: rows as rapport writes them. */
async function makeBaseRows(rapport: Rapport, db: () => InstanceType<typeof SqliteDriver>, dir: string) {
  const port = rapport.httpPort as number;
  const post = (path: string, type: string, body: string) =>
    fetch(`http://127.0.0.1:${port}${path}`, {
      method: "POST",
      headers: { "content-type": type, authorization: `Bearer ${KEY}` },
      body,
    });
  const event = {
    id: "base-registration",
    type: "registration",
    customer: { email: BASE_EMAIL, name: "Ada Base", timezone: "Europe/London" },
    product: { sku: "LYRA-RD-2780", name: "Lyra RD 2780", serial: "RD-000123", category: "turntable" },
  };
  const res = await post("/v1/events", "application/json", JSON.stringify(event));
  if (res.status !== 202) throw new Error(`registration: ${res.status} ${await res.text()}`);
  const outbox = join(dir, "outbox");
  const eml = await waitFor("the thank-you in the outbox", () => {
    try {
      const f = readdirSync(outbox).find((n) => n.endsWith(".eml"));
      return f ? readFileSync(join(outbox, f), "utf8") : null;
    } catch {
      return null;
    }
  });
  const header = (name: string) => new RegExp(`^${name}: *(.+)$`, "mi").exec(eml)?.[1]?.trim() ?? "";
  const replyTo = /<([^>]+)>/.exec(header("Reply-To"))?.[1] ?? header("Reply-To");
  const reply = [
    `From: Ada Base <${BASE_EMAIL}>`,
    `To: ${replyTo}`,
    `Subject: Re: ${header("Subject")}`,
    "Message-ID: <bench-reply@mail.example.com>",
    `In-Reply-To: ${header("Message-ID")}`,
    "Content-Type: text/plain; charset=utf-8",
    "",
    "It sounds wonderful. Which cartridge do you recommend?",
    "",
  ].join("\r\n");
  const inbound = await post("/v1/inbound", "message/rfc822", reply);
  if (inbound.status !== 202) throw new Error(`reply: ${inbound.status} ${await inbound.text()}`);
  await waitFor("the reply stored", () => {
    const row = db().prepare("select count(*) as n from interactions where kind = 'human_reply'").get() as {
      n: number;
    };
    return row.n === 1;
  });
}

/** Copies every base row `count` times in one statement per table. */
function copyRows(db: InstanceType<typeof SqliteDriver>, count: number): void {
  const numbers = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < @count)";
  db.transaction(() => {
    for (const table of TABLES) {
      const columns = (
        db.prepare(`pragma table_info(${table})`).all() as Array<{ name: string; type: string }>
      )
        // run_steps' id is an integer the database counts.
        .filter((c) => !(table === "run_steps" && c.name === "id"));
      const exprs = columns.map(({ name, type }) => {
        if (/TEXT/i.test(type) && KEYED.test(name)) return `'b' || n.i || '-' || t.${name}`;
        if (SPREAD.has(name)) return `t.${name} - n.i * 1000`;
        return `t.${name}`;
      });
      const names = columns.map((c) => c.name).join(", ");
      db.prepare(
        `${numbers} INSERT INTO ${table} (${names}) SELECT ${exprs.join(", ")} FROM ${table} t, n`,
      ).run({
        count,
      });
    }
    // What an operator sees: most replies handled, some failures of each kind.
    db.prepare("update interactions set handled_at = occurred_at where rowid % 100 <> 0").run();
    db.prepare(
      "update messages set status = 'failed', error = '550 5.1.1 no such user (bench)' where rowid % 100 = 0",
    ).run();
    db.prepare(
      "update events set status = 'failed', error = 'bench: failed on purpose' where rowid % 200 = 0",
    ).run();
    db.prepare(
      "update inbound_messages set status = 'failed', error = 'bench: failed on purpose' where rowid % 200 = 0",
    ).run();
  })();
}

/** A logged-in client for the dashboard. */
async function login(base: string): Promise<(path: string) => Promise<{ status: number; text: string }>> {
  const res = await fetch(`${base}/ui/login`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ password: KEY, next: "/ui" }).toString(),
  });
  const cookie = (res.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
  if (res.status !== 303 && res.status !== 302) throw new Error(`login: ${res.status}`);
  return async (path) => {
    const r = await fetch(`${base}${path}`, { redirect: "manual", headers: { cookie } });
    return { status: r.status, text: await r.text() };
  };
}

const nextLink = (page: string) =>
  /rel="next" href="([^"]+)"/.exec(page)?.[1]?.replace(/&amp;/g, "&") ?? null;

async function main() {
  const dir = mkdtempSync(join(tmpdir(), "rapport-bench-dashboard-"));
  const file = join(dir, "rapport.db");
  const env: Record<string, string | undefined> = {
    ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}),
    DATABASE_URL: file,
    RAPPORT_DATA_DIR: dir,
    RAPPORT_CONFIG_DIR: benchConfig(dir),
    RAPPORT_QUEUE_PREFIX: `bd${randomBytes(4).toString("hex")}`,
    RAPPORT_API_KEYS: KEY,
    PORT: "0",
    INBOUND_SMTP_PORT: "0",
    LOG_LEVEL: "silent",
  };
  const settings = loadSettings(env);
  // Opened once rapport has made and migrated the file; closed before rapport reads it again.
  const conn: { db: InstanceType<typeof SqliteDriver> | null } = { db: null };
  const db = () => {
    if (!conn.db) {
      conn.db = new SqliteDriver(file, { fileMustExist: true });
      conn.db.pragma("busy_timeout = 30000");
    }
    return conn.db;
  };
  try {
    const first = await startRapport({ settings, role: "all", logger: silentLogger });
    try {
      await makeBaseRows(first, db, dir);
    } finally {
      await first.close();
    }
    let started = Date.now();
    copyRows(db(), CUSTOMERS);
    const seeded = (Date.now() - started) / 1000;
    const count = (table: string) =>
      (db().prepare(`select count(*) as n from ${table}`).get() as { n: number }).n;
    const sizes = ["customers", "flow_runs", "messages", "interactions", "events", "inbound_messages"]
      .map((t) => `${t} ${count(t)}`)
      .join(", ");
    const message = db().prepare("select id from messages where status <> 'failed' limit 1").get() as {
      id: string;
    };
    conn.db?.close();
    conn.db = null;
    console.log(`seeded in ${seeded.toFixed(1)} s: ${sizes}`);

    const rapport = await startRapport({ settings, role: "http", logger: silentLogger });
    try {
      const get = await login(`http://127.0.0.1:${rapport.httpPort}`);
      const inbox = await get("/ui/inbox");
      const messages = await get("/ui/failures?kind=messages");
      const prefix = `b${Math.floor(CUSTOMERS / 2)}`;
      const customer = `${prefix}-${BASE_EMAIL}`;
      // Each page with a text it must show: a fast page that shows nothing would prove nothing.
      const pages: Array<[string, string, string]> = [
        ["flows (/ui)", "/ui", "Thank you for registering"],
        ["inbox, first page", "/ui/inbox", "waiting for a person."],
        ["inbox, next page", nextLink(inbox.text) ?? "/ui/inbox?no-next-page", "Which cartridge"],
        ["customers: search by beginning", `/ui/customers?email=${prefix}`, customer],
        ["customer timeline", `/ui/customers/${encodeURIComponent(customer)}`, "Which cartridge"],
        ["message page", `/ui/messages/${message.id}`, "sandbox"],
        ["message HTML (re-rendered)", `/ui/messages/${message.id}/html`, "Lyra RD 2780"],
        ["failures: messages", "/ui/failures?kind=messages", "550 5.1.1"],
        [
          "failures: messages, next page",
          nextLink(messages.text) ?? "/ui/failures?no-next-page",
          "550 5.1.1",
        ],
        ["failures: events", "/ui/failures?kind=events", "failed on purpose"],
        ["failures: inbound", "/ui/failures?kind=inbound", "failed on purpose"],
        ["queues", "/ui/queues", "deliveries"],
      ];
      const rows: string[][] = [["page", "median ms", "slowest ms", "status"]];
      for (const [name, path, shows] of pages) {
        const first = await get(path); // warm-up (statement caches, the template compiled)
        if (first.status !== 200 || !first.text.includes(shows))
          throw new Error(`${name} (${path}): ${first.status}, expected the page to show "${shows}"`);
        const times: number[] = [];
        for (let i = 0; i < REPEAT; i++) {
          started = performance.now();
          await get(path);
          times.push(performance.now() - started);
        }
        times.sort((a, b) => a - b);
        const median = times[Math.floor(times.length / 2)] ?? 0;
        rows.push([name, median.toFixed(1), (times.at(-1) ?? 0).toFixed(1), String(first.status)]);
      }
      console.log(`\nDashboard pages, ${CUSTOMERS} customers on SQLite, ${REPEAT} requests each:`);
      const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length))) ?? [];
      for (const r of rows) console.log(`| ${r.map((v, i) => v.padEnd(widths[i] ?? 0)).join(" | ")} |`);
    } finally {
      await rapport.close();
    }
  } finally {
    conn.db?.close();
    if (process.env.BENCH_DASHBOARD_KEEP) console.log(`kept: ${file}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

await main();
