/**
 * The simulation and the real worker agree: random customers (a seeded PRNG; the seed is
 * printed, RAPPORT_PROPERTY_SEED replays one) go through `simulateForCustomer` and through
 * a real rapport (HTTP, SQLite, Redis, the date scheduler, delivery with the shipped send
 * window and cap, an SMTP sink), and each customer's dated sends must be the same: which
 * birthdays start a run, and when each email goes out (sent on the day, or postponed to
 * the window's opening).
 *
 * The real rapport's clock (StartOptions.clock) is moved from one schedule to the next as
 * the store holds them (not as the simulation predicts them), one second past each, and
 * the test waits for the scheduler to fire it, so a year passes in seconds and nothing
 * waits on real time.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type CustomerFile, loadSimulationConfig, simulateForCustomer } from "../../src/cli/simulate.js";
import { loadFlows } from "../../src/flows/load.js";
import { silentLogger } from "../../src/infra/logger.js";
import { dateScheduleKey } from "../../src/jobs/date-schedules.js";
import { type Rapport, startRapport } from "../../src/main.js";
import type { Store } from "../../src/store/store.js";
import { movableClock } from "../support/clock.js";
import { type SmtpSink, startSmtpSink } from "../support/smtp-sink.js";
import { eventually, postEvent, type TestEnv, testEnv } from "../support/test-env.js";
import { openTestStore } from "../support/test-store.js";

const DAY = 24 * 3600_000;
const START = Date.parse("2030-01-07T00:00:00Z");
const DAYS = 400;
const CUSTOMERS = 12;
const ZONES = [
  "America/New_York",
  "Europe/London",
  "Asia/Tokyo",
  "Australia/Sydney",
  "UTC",
  "America/Los_Angeles",
];
const SENDING = {
  window: { start: "09:00", end: "20:00", days: ["mon", "tue", "wed", "thu", "fri", "sat"] },
  cap: { max: 2, per: "7 days" },
};

/** mulberry32: small, seedable, the same sequence on every machine. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// The fixed seed was chosen so that its customers cover a birthday moved off a Sunday,
// one turned away by the flow's where and a birthday-less year; other seeds check only agreement.
const FIXED_SEED = 77;
const SEED = Number(process.env.RAPPORT_PROPERTY_SEED ?? FIXED_SEED);

function randomCustomers(seed: number): CustomerFile[] {
  const rnd = prng(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)] as T;
  const two = (n: number) => String(n).padStart(2, "0");
  return Array.from({ length: CUSTOMERS }, (_, i) => {
    const month = 1 + Math.floor(rnd() * 12);
    const day = 1 + Math.floor(rnd() * 28);
    const year = rnd() < 0.3 ? "" : `${1950 + Math.floor(rnd() * 50)}-`;
    return {
      customer: {
        email: `c${i}@example.com`,
        name: `Customer${i} Example`,
        timezone: pick(ZONES),
        birthday: `${year}${two(month)}-${two(day)}`,
        // The birthday flow's where: newsletter not false.
        attributes: { newsletter: rnd() >= 0.2 },
      },
      start: new Date(START).toISOString(),
    };
  });
}

/** [occurrence, when it goes out] of each birthday email, ISO, in time order. */
type DatedSends = Array<[string, string]>;
const isoOf = (ms: number) => new Date(ms).toISOString();

describe("simulate agrees with the real worker", () => {
  let sink: SmtpSink;
  let rapport: Rapport;
  let store: Store;
  let t: TestEnv;
  const clock = movableClock();

  beforeAll(async () => {
    sink = await startSmtpSink();
    t = testEnv(
      inject("redisUrl"),
      { SMTP_URL: sink.url, RAPPORT_SWEEP_INTERVAL_MS: "100", RAPPORT_RETRY_BASE_MS: "300" },
      { flows: ["birthday"], sending: SENDING },
    );
    clock.set(START);
    rapport = await startRapport({ settings: t.settings, role: "all", logger: silentLogger, clock });
    store = await openTestStore(t.settings);
  });
  afterAll(async () => {
    await rapport?.close();
    await sink?.close();
    await store?.close();
  });

  it(`dated birthday sends of ${CUSTOMERS} random customers (seed ${SEED})`, async () => {
    console.info(`simulate-property seed: ${SEED} (RAPPORT_PROPERTY_SEED=${SEED} replays it)`);
    const files = randomCustomers(SEED);
    const config = await loadSimulationConfig(t.settings.RAPPORT_CONFIG_DIR);
    const { flows } = await loadFlows(join(t.settings.RAPPORT_CONFIG_DIR, "flows"));
    const flow = flows.find((f) => f.id === "birthday");
    if (!flow) throw new Error("no birthday flow in the test config");

    const settledTimeline = (email: string) =>
      eventually(async () => {
        const x = await store.timeline(email);
        // Every run's message is written and has left the send attempt (sent or postponed).
        const settled = x?.messages.every((m) => m.status === "sent" || m.notBefore !== null);
        return settled && (x?.runs.length ?? 0) === (x?.messages.length ?? 0) ? x : null;
      }, `${email}'s messages to settle`);

    const simulated = new Map<string, DatedSends>();
    for (const file of files) {
      const report = simulateForCustomer(flow, file, config, { days: DAYS, now: START });
      simulated.set(
        file.customer.email,
        report.entries
          .filter((e) => e.kind === "send")
          .map((e) => [isoOf(e.at), isoOf(e.deliveredAt ?? e.at)]),
      );
    }

    for (const [i, file] of files.entries()) {
      const res = await postEvent(rapport.httpPort as number, {
        id: `prop-${i}`,
        type: "signup",
        customer: file.customer,
      });
      expect(res.status).toBe(202);
    }
    const keys = await eventually(async () => {
      const out: string[] = [];
      for (const file of files) {
        const c = await store.findCustomerByEmail(file.customer.email);
        const s = c && (await store.getDateSchedule(dateScheduleKey("birthday", c.id, null)));
        if (!s) return null;
        out.push(s.key);
      }
      return out;
    }, "every customer's birthday schedule");

    // Move the clock from one stored schedule to the next, as far as the simulation went.
    const END = START + DAYS * DAY;
    for (let guard = 0; guard < 10 * CUSTOMERS; guard++) {
      const schedules = await Promise.all(keys.map((k) => store.getDateSchedule(k)));
      const due = schedules.flatMap((s) => (s?.nextAt != null && s.nextAt <= END ? [s] : []));
      if (due.length === 0) break;
      const next = Math.min(...due.map((s) => s.nextAt as number));
      clock.set(next + 1000);
      await eventually(
        async () => {
          const now = await Promise.all(
            due.filter((s) => s.nextAt === next).map((s) => store.getDateSchedule(s.key)),
          );
          return now.every((s) => s?.nextAt !== next);
        },
        `the schedules due at ${isoOf(next)} to fire`,
      );
      // Their emails must have had their send attempt (sent, or postponed to a time) at this
      // clock, as the simulation decides them at the occurrence, before the clock moves on.
      for (const file of files) await settledTimeline(file.customer.email);
    }

    const real = new Map<string, DatedSends>();
    for (const file of files) {
      const email = file.customer.email;
      const tl = await settledTimeline(email);
      const occurrenceOf = new Map(tl.runs.map((r) => [r.id, Number(r.entryKey.split("|").at(-1))]));
      real.set(
        email,
        tl.messages
          .map((m): [string, string] => {
            const occurrence = occurrenceOf.get(m.runId as string) as number;
            return [isoOf(occurrence), isoOf(m.notBefore ?? occurrence)];
          })
          .sort((a, b) => a[0].localeCompare(b[0])),
      );
    }
    expect(Object.fromEntries(real)).toEqual(Object.fromEntries(simulated));
    if (SEED === FIXED_SEED) {
      // The property is not empty: birthdays sent, one postponed, and fewer than every year's.
      const all = [...simulated.values()].flat();
      expect(all.length).toBeGreaterThan(0);
      expect(all.some(([at, out]) => at !== out)).toBe(true);
      expect(all.length).toBeLessThan(2 * CUSTOMERS);
    }
  }, 120_000);
});
