/**
 * SMS sent per second through rapport → Kannel → fakesmsc, beside Kannel's own throughput
 * with the same fakesmsc. One Kannel (bearerbox + smsbox + fakesmsc, test/support/kannel.ts)
 * serves both measurements, the baseline first (the machine is shared: the nearest baseline
 * is the fairest):
 *
 *   Kannel alone   `concurrency` clients calling smsbox's sendsms directly, each request
 *                  exactly what rapport sends (sendsmsUrl in src/channels/kannel.ts: the
 *                  same text, dlr-mask and a dlr-url, here to a no-op endpoint in this
 *                  process, so Kannel does the same delivery-report work), until fakesmsc
 *                  has printed every message.
 *   rapport        one `rapport start` process (HTTP + worker, RAPPORT_CONCURRENCY =
 *                  `concurrency`) on SQLite and a private Redis; registrations (each a new
 *                  customer with a phone and SMS consent, in a time zone where it is
 *                  afternoon so the SMS quiet hours allow it) posted by the load process;
 *                  a flow texts each the care tip; timed from the first post until fakesmsc
 *                  has every text. Delivery reports come back to rapport's dlr-url meanwhile.
 * Both are warmed up untimed first. BENCH_SMS sets the count (default 1000).
 */

import { writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { sendsmsUrl } from "../src/channels/kannel.js";
import { startChildRapport } from "../test/support/child-rapport.js";
import { kannelProblem, startKannel, type TestKannel } from "../test/support/kannel.js";
import { testConfig } from "../test/support/test-env.js";
import { openBenchStore } from "./bench-store.js";
import { BENCH_API_KEY, benchFrom, startupProblem } from "./deployment.js";
import { startLoadProcess } from "./load-client.js";
import { benchPhone } from "./phones.js";
import { describeCpu, watchCpu } from "./proc-stats.js";
import { startBenchRedis } from "./redis-server.js";
import { fmt, perSecond, type Table } from "./table.js";

const FIGURE = "SMS sent/s through Kannel to fakesmsc";
const FROM = "4040";
const TEXT =
  "Hi Owner, a care tip from Lyra Audio for your Lyra RD 2780: brush the stylus gently, back to front, before each side. Reply STOP to opt out.";

const SMS_FLOW = `name: Care tips by text
trigger:
  event: registration
entry: once_per_product
topic: check_ins
steps:
  - send: { template: care-tip, channel: sms }
`;

/** An IANA zone where it is now about 15:00 (inside the SMS quiet hours' window). */
function afternoonZone(now = Date.now()): string {
  let offset = 15 - new Date(now).getUTCHours();
  if (offset > 12) offset -= 24;
  if (offset < -12) offset += 24;
  return offset === 0 ? "Etc/GMT" : `Etc/GMT${offset > 0 ? "-" : "+"}${Math.abs(offset)}`;
}

async function waitForOperator(kannel: TestKannel, total: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (kannel.sent().length < total) {
    if (Date.now() > deadline)
      throw new Error(`fakesmsc got ${kannel.sent().length} of ${total} texts in ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Kannel alone: `count` sendsms requests, `concurrency` at a time; SMS/s until fakesmsc has them all. */
async function kannelAlone(
  kannel: TestKannel,
  count: number,
  concurrency: number,
  dlrBase: string,
  first: number,
) {
  const before = kannel.sent().length;
  let next = first;
  const end = first + count;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < end) {
        const i = next++;
        const url = sendsmsUrl(
          {
            messageId: `k-${i}`,
            to: benchPhone(i),
            from: FROM,
            text: TEXT,
          },
          {
            url: kannel.sendsmsUrl,
            username: kannel.username,
            password: kannel.password,
            dlrUrl: (id) => `${dlrBase}/${id}?status=%d`,
          },
        );
        const res = await fetch(url);
        await res.arrayBuffer();
        if (res.status !== 202) throw new Error(`sendsms answered ${res.status}`);
      }
    }),
  );
  await waitForOperator(kannel, before + count, 300_000);
  return perSecond(count, performance.now() - started);
}

export async function benchSms(table: Table, o: { messages: number; concurrency: number }) {
  console.log(
    `SMS through Kannel (${fmt(o.messages)} texts each; fakesmsc as the operator; ${o.concurrency} at a time)`,
  );
  const problem = kannelProblem();
  if (problem) {
    console.log(`  skipped: ${problem}`);
    table.skipped(FIGURE, problem);
    return;
  }
  // Kannel's delivery reports for the baseline's texts land here and are dropped.
  const dlrSink = createServer((_, res) => res.end("ok"));
  await new Promise<void>((r) => dlrSink.listen(0, "127.0.0.1", r));
  const dlrBase = `http://127.0.0.1:${(dlrSink.address() as AddressInfo).port}/dlr`;
  const kannel = await startKannel({ incomingUrl: "http://127.0.0.1:9/unused?from=%p" });
  const redis = await startBenchRedis();
  const store = await openBenchStore("sqlite");
  const load = await startLoadProcess();
  let rapport: Awaited<ReturnType<typeof startChildRapport>> | null = null;
  try {
    const warm = Math.min(200, Math.ceil(o.messages / 10));
    await kannelAlone(kannel, warm, o.concurrency, dlrBase, 900_000);
    const baseline = await kannelAlone(kannel, o.messages, o.concurrency, dlrBase, 800_000);
    console.log(`  Kannel alone (sendsms direct): ${fmt(baseline)} SMS/s`);

    const config = testConfig(store.dir, { flows: [] });
    writeFileSync(join(config, "flows", "care-tips-sms.yaml"), SMS_FLOW);
    const env: Record<string, string> = {
      REDIS_URL: redis.url,
      DATABASE_URL: store.url,
      RAPPORT_DATA_DIR: store.dir,
      RAPPORT_CONFIG_DIR: config,
      RAPPORT_QUEUE_PREFIX: "bench",
      RAPPORT_API_KEYS: BENCH_API_KEY,
      RAPPORT_CONCURRENCY: String(o.concurrency),
      INBOUND_SMTP_PORT: "off",
      RAPPORT_SHUTDOWN_GRACE_MS: "2000",
      SMS_GATEWAY_URL: kannel.sendsmsUrl,
      SMS_GATEWAY_USERNAME: kannel.username,
      SMS_GATEWAY_PASSWORD: kannel.password,
      SMS_FROM: FROM,
    };
    try {
      rapport = await startChildRapport(env, "start", 120_000, benchFrom());
    } catch (err) {
      const why = startupProblem(err);
      if (!why) throw err;
      console.log(`  skipped: ${why}`);
      table.skipped(FIGURE, why);
      return;
    }
    const api = `http://127.0.0.1:${rapport.port}/v1/events`;
    const sms = { timezone: afternoonZone() };
    const before = kannel.sent().length;
    await load.run(api, BENCH_API_KEY, warm, 20, 0, sms);
    await waitForOperator(kannel, before + warm, 300_000);
    const watch = watchCpu({
      rapport: rapport.child.pid as number,
      load: load.pid,
      redis: redis.pid,
      bench: process.pid,
    });
    const started = performance.now();
    await load.run(api, BENCH_API_KEY, o.messages, 20, warm, sms);
    await waitForOperator(kannel, before + warm + o.messages, 900_000);
    const rate = perSecond(o.messages, performance.now() - started);
    const cpu = watch.stop();
    const ratio = rate / baseline;
    console.log(
      `  rapport → Kannel: ${fmt(rate)} SMS/s (registration → flow → care tip by text): ${fmt(ratio, 2)}× Kannel alone`,
    );
    console.log(`    CPU: ${describeCpu(cpu)} (Kannel and fakesmsc are in "everything else")`);
    table.add({
      figure: FIGURE,
      rapport: `${fmt(rate)}/s (registration → text)`,
      baseline: `${fmt(baseline)}/s (Kannel sendsms direct, ${o.concurrency} at a time)`,
      ratio,
    });
  } finally {
    await rapport?.stop();
    await load.stop();
    await store.close();
    await redis.stop();
    await kannel.close();
    await new Promise((r) => dlrSink.close(r));
  }
}
