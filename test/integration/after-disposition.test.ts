/**
 * "Is it really over when I sell my Chevy?" on real parts (HTTP, Redis queues, SQLite or
 * Postgres store, SMTP sink), with the shipped flows thank-you, after-disposition and
 * product-news: a disposition ends the product's waiting check-in (its exit_when) and
 * thanks the former owner at once, with the ask to stay in touch; a former owner who then
 * chooses to stay in touch hears the category's news, once, like someone who still owns
 * one; a former owner who did not choose it hears nothing, and a SKU broadcast stays with
 * the model's current owners.
 */
import { afterEach, describe, expect, inject, it } from "vitest";
import { silentLogger } from "../../src/infra/logger.js";
import { type Rapport, startRapport } from "../../src/main.js";
import type { Store } from "../../src/store/store.js";
import { type ReceivedMail, type SmtpSink, startSmtpSink } from "../support/smtp-sink.js";
import { eventually, postEvent, TEST_API_KEY, testEnv } from "../support/test-env.js";
import { openTestStore } from "../support/test-store.js";

const DAY = 24 * 3600_000;

const RD = { sku: "LYRA-RD-2780", name: "Lyra RD 2780", category: "turntable" };
const ST = { sku: "LYRA-ST-1200", name: "Lyra ST 1200", category: "turntable" };

const ownerEvent = (
  type: "registration" | "disposition",
  id: string,
  who: { email: string; name: string },
  product: Record<string, string>,
) => ({ id, type, customer: { ...who, timezone: "UTC" }, product });

const hasHeader = (mail: ReceivedMail, name: string) => mail.parsed.headerLines.some((h) => h.key === name);

interface View {
  status: string;
  total: number | null;
  started: number;
  skipped: number;
  done: boolean;
}

describe("after a disposition", () => {
  let sink: SmtpSink | null = null;
  let rapport: Rapport | null = null;
  let store: Store | null = null;
  afterEach(async () => {
    await rapport?.close();
    await sink?.close();
    await store?.close();
    rapport = sink = store = null;
  });

  it("thanks the former owner, ends the product's check-in, and keeps them on category news only if they chose it", async () => {
    sink = await startSmtpSink();
    // 14 days pass in 8 s: the dispositions below come well before the check-ins are due.
    const t = testEnv(
      inject("redisUrl"),
      { SMTP_URL: sink.url, RAPPORT_WAIT_SCALE: String(8000 / (14 * DAY)), RAPPORT_RETRY_BASE_MS: "300" },
      { flows: ["thank-you", "after-disposition", "product-news"] },
    );
    rapport = await startRapport({ settings: t.settings, role: "all", logger: silentLogger });
    store = await openTestStore(t.settings);
    const port = rapport.httpPort as number;
    const s = store;
    const mail = sink;
    const to = (email: string) => mail.received.filter((m) => m.envelopeTo.includes(email));

    const ada = { email: "ada@example.com", name: "Ada Lovelace" };
    const grace = { email: "grace@example.com", name: "Grace Hopper" };
    const bob = { email: "bob@example.com", name: "Bob Moog" };
    const linus = { email: "linus@example.com", name: "Linus Pauling" };
    // Ada, Grace and Bob will part with one turntable each; Bob keeps his second; Linus keeps his.
    await postEvent(port, ownerEvent("registration", "r-ada", ada, { ...RD, serial: "RD-1" }));
    await postEvent(port, ownerEvent("registration", "r-grace", grace, { ...ST, serial: "ST-1" }));
    await postEvent(port, ownerEvent("registration", "r-bob-1", bob, { ...RD, serial: "RD-B" }));
    await postEvent(port, ownerEvent("registration", "r-bob-2", bob, { ...ST, serial: "ST-B" }));
    await postEvent(port, ownerEvent("registration", "r-linus", linus, { ...RD, serial: "RD-L" }));
    await mail.waitFor(5);

    await postEvent(port, ownerEvent("disposition", "d-ada", ada, { ...RD, serial: "RD-1" }));
    await postEvent(port, ownerEvent("disposition", "d-grace", grace, { ...ST, serial: "ST-1" }));
    await postEvent(port, ownerEvent("disposition", "d-bob", bob, { ...RD, serial: "RD-B" }));
    // A repeated disposition (another event id) thanks no one twice (entry: once_per_product).
    await postEvent(port, ownerEvent("disposition", "d-ada-again", ada, { ...RD, serial: "RD-1" }));

    const thanks = (email: string) =>
      to(email).find((m) => m.parsed.subject === "Thank you for having been a Lyra RD 2780 owner");
    const adasThanks = await eventually(async () => thanks(ada.email), "Ada's thank-you as a former owner");
    expect(adasThanks.parsed.text).toContain("Lyra RD 2780 (serial RD-1) is no longer yours");
    // The ask to stay in touch, linking to her preference page.
    const preferencesUrl = /Yes, keep me posted: (\S+)/.exec(adasThanks.parsed.text ?? "")?.[1];
    expect(preferencesUrl).toMatch(/\/p\/[A-Za-z0-9_-]+$/);
    expect(adasThanks.parsed.html).toContain(`href="${preferencesUrl}"`);
    expect(adasThanks.parsed.html).toContain("Yes, keep me posted");
    // Transactional: it answers the disposition, so no unsubscribe header or link.
    expect(hasHeader(adasThanks, "list-unsubscribe")).toBe(false);
    await eventually(async () => thanks(bob.email), "Bob's thank-you as a former owner");
    await eventually(
      async () =>
        to(grace.email).find((m) => m.parsed.subject === "Thank you for having been a Lyra ST 1200 owner"),
      "Grace's thank-you as a former owner",
    );

    // The check-ins come due: only the products still owned get one; the others' runs
    // ended on their exit_when (ownership.status: disposed).
    const checkIn = (m: ReceivedMail) => /^How is your .* treating you\?$/.test(m.parsed.subject ?? "");
    const ended = async (email: string) => {
      const runs = (await s.timeline(email))?.runs.filter((r) => r.flowId === "thank-you") ?? [];
      return runs.filter((r) => r.status === "completed" && r.steps.at(-1)?.stepType === "exit_when");
    };
    await eventually(
      async () =>
        (await ended(ada.email)).length === 1 &&
        (await ended(grace.email)).length === 1 &&
        (await ended(bob.email)).length === 1,
      "the disposed products' thank-you flows to end",
    );
    await eventually(
      async () => to(linus.email).length === 2 && to(bob.email).length === 4,
      "the check-ins of the products still owned",
    );
    for (const who of [ada, grace]) {
      expect(to(who.email).some((m) => m.parsed.subject?.startsWith("Thank you for registering"))).toBe(true);
      expect(to(who.email)).toHaveLength(2);
    }
    expect((await s.timeline(ada.email))?.messages.map((m) => m.template)).toEqual([
      "thank-you",
      "former-owner-thanks",
    ]);
    expect(
      to(bob.email)
        .filter(checkIn)
        .map((m) => m.parsed.subject),
    ).toEqual(["How is your Lyra ST 1200 treating you?"]);
    expect(to(linus.email).filter(checkIn)).toHaveLength(1);

    // Ada and Bob choose "keep me posted" on their page; Grace does not.
    const stay = async (email: string) => {
      const c = await s.findCustomerByEmail(email);
      const change = await s.changePreferences(
        c?.id as string,
        { stayInTouch: true },
        "preference_page",
        Date.now(),
      );
      expect(change?.changed).toEqual(["stayInTouch"]);
    };
    await stay(ada.email);
    await stay(bob.email);

    const before = mail.received.length;
    const broadcast = async (id: string, audience: Record<string, string>, headline: string) => {
      const res = await fetch(`http://127.0.0.1:${port}/v1/broadcasts`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${TEST_API_KEY}` },
        body: JSON.stringify({
          id,
          flow: "product-news",
          audience,
          properties: { headline, body: "Read all about it." },
        }),
      });
      expect(res.status).toBe(202);
      return eventually(async () => {
        const r = await fetch(`http://127.0.0.1:${port}/v1/broadcasts/${id}`, {
          headers: { authorization: `Bearer ${TEST_API_KEY}` },
        });
        const v = (await r.json()) as View;
        return v.done ? v : null;
      }, `broadcast ${id} to finish`);
    };
    // The category: Linus and Bob (who still owns one: once, through it) as owners, Ada as a
    // former owner who stays in touch. Not Grace.
    expect(await broadcast("turntable-news", { category: "turntable" }, "A new platter mat")).toMatchObject({
      status: "completed",
      total: 3,
      started: 3,
      skipped: 0,
    });
    const news = (email: string) => to(email).filter((m) => m.parsed.subject === "A new platter mat");
    await eventually(
      async () =>
        news(ada.email).length === 1 && news(bob.email).length === 1 && news(linus.email).length === 1,
      "the category news to reach Ada, Bob and Linus",
    );
    const adasNews = news(ada.email)[0] as ReceivedMail;
    expect(adasNews.parsed.text).toContain("former owners who asked us to keep them posted");
    expect(hasHeader(adasNews, "list-unsubscribe")).toBe(true);

    // A model's news stays with its current owners: Linus, not Ada nor Bob (who had an RD).
    expect(await broadcast("rd-firmware", { sku: "LYRA-RD-2780" }, "RD 2780 firmware 2.1")).toMatchObject({
      status: "completed",
      total: 1,
      started: 1,
    });
    await eventually(
      async () => to(linus.email).some((m) => m.parsed.subject === "RD 2780 firmware 2.1"),
      "the model's news to reach Linus",
    );
    // Everything the two broadcasts started has finished and nothing is left to send, so
    // what reached the sink is all that will.
    await eventually(async () => {
      for (const { email } of [ada, grace, bob, linus]) {
        const tl = await s.timeline(email);
        if (tl?.runs.some((r) => r.eventId.startsWith("broadcast/") && r.status !== "completed"))
          return false;
        if (tl?.messages.some((m) => m.status === "queued" || m.status === "sending")) return false;
      }
      return true;
    }, "every run of the broadcasts finished and every message settled");
    expect(
      mail.received
        .slice(before)
        .map((m) => `${m.envelopeTo.join(",")}: ${m.parsed.subject}`)
        .sort(),
    ).toEqual([
      "ada@example.com: A new platter mat",
      "bob@example.com: A new platter mat",
      "linus@example.com: A new platter mat",
      "linus@example.com: RD 2780 firmware 2.1",
    ]);
    expect(to(grace.email)).toHaveLength(2);
  }, 60_000);
});
