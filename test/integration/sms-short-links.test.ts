/**
 * Short links end to end, on real parts: a flow texts a link through a real Kannel
 * (fakesmsc as the operator); the phone gets PUBLIC_URL/s/CODE instead of the long URL;
 * GET /s/CODE answers 302 to the URL and the click shows on the customer's timeline
 * (which message, which link); a code rapport never made gets a 404 page, no redirect.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { formatTimeline } from "../../src/cli/timeline-text.js";
import { silentLogger } from "../../src/infra/logger.js";
import { type Rapport, startRapport } from "../../src/main.js";
import type { Store } from "../../src/store/store.js";
import { kannelProblem, startKannel, type TestKannel } from "../support/kannel.js";
import { eventually, postEvent, testEnv } from "../support/test-env.js";
import { openTestStore } from "../support/test-store.js";

const problem = kannelProblem();
if (problem) console.warn(`test/integration/sms-short-links.test.ts skipped: ${problem}`);

/** An IANA zone where it is now about `hour` o'clock (Etc/GMT-N is UTC+N): inside the SMS quiet hours' window. */
function zoneAtHour(hour: number, now = Date.now()): string {
  let offset = hour - new Date(now).getUTCHours();
  if (offset > 12) offset -= 24;
  if (offset < -12) offset += 24;
  return offset === 0 ? "Etc/GMT" : `Etc/GMT${offset > 0 ? "-" : "+"}${Math.abs(offset)}`;
}

const GUIDE = "https://lyra.example/care/turntables/rd-2780/stylus?utm_source=sms&utm_campaign=care";
const FLOW = `name: Care guide by text
trigger:
  event: registration
entry: once_per_product
topic: check_ins
steps:
  - send: { template: care-link, channel: sms }
`;

describe.skipIf(problem !== null)("short links in texts", () => {
  let kannel: TestKannel;
  let rapport: Rapport | null = null;
  let store: Store | null = null;
  beforeAll(async () => {
    kannel = await startKannel({ incomingUrl: "http://127.0.0.1:9/unused?from=%p" });
  });
  afterAll(async () => {
    await kannel?.close();
  });
  afterEach(async () => {
    await rapport?.close();
    await store?.close();
    rapport = store = null;
  });

  it("texts PUBLIC_URL/s/CODE; following it redirects and shows on the timeline; an unknown code is a 404", async () => {
    const t = testEnv(
      inject("redisUrl"),
      {
        SMS_GATEWAY_URL: kannel.sendsmsUrl,
        SMS_GATEWAY_USERNAME: kannel.username,
        SMS_GATEWAY_PASSWORD: kannel.password,
        SMS_FROM: "4040",
      },
      { flows: [] },
    );
    const config = t.env.RAPPORT_CONFIG_DIR as string;
    writeFileSync(join(config, "flows", "care-link.yaml"), FLOW);
    mkdirSync(join(config, "templates", "care-link"), { recursive: true });
    writeFileSync(
      join(config, "templates", "care-link", "sms.hbs"),
      `Hi {{customer.firstName}}, your stylus guide: ${GUIDE}. Reply STOP to opt out.\n`,
    );
    rapport = await startRapport({ settings: t.settings, role: "all", logger: silentLogger });
    store = await openTestStore(t.settings);
    const port = rapport.httpPort as number;
    const base = `http://127.0.0.1:${port}`;

    const ada = {
      email: "ada@example.com",
      name: "Ada Lovelace",
      timezone: zoneAtHour(15),
      phone: "+447911123456",
      consent: { sms: true, source: "registration form" },
    };
    const res = await postEvent(port, {
      id: "r-1",
      type: "registration",
      customer: ada,
      product: { sku: "LYRA-RD-2780", name: "Lyra RD 2780", serial: "RD-1", category: "turntable" },
    });
    expect(res.status).toBe(202);

    const got = await eventually(async () => kannel.sent().find((s) => s.to === ada.phone), "the text");
    const match =
      /^Hi Ada, your stylus guide: (http:\/\/127\.0\.0\.1:\d+\/s\/([0-9A-Za-z]{10}))\. Reply STOP to opt out\.$/.exec(
        got.text,
      );
    expect(match, got.text).not.toBeNull();
    const [, link = "", code = ""] = match ?? [];
    expect(link).toBe(`${base}/s/${code}`);

    const s = store as Store;
    const sms = await eventually(async () => {
      const m = (await s.timeline(ada.email))?.messages.find((x) => x.template === "care-link");
      return m?.status === "sent" ? m : null;
    }, "the text recorded as sent");
    // The ledger keeps what the phone got.
    expect(sms.subject).toBe(got.text);

    // A HEAD (a link checker) learns where it goes, and is no click.
    const head = await fetch(link, { method: "HEAD", redirect: "manual" });
    expect(head.status).toBe(302);
    expect(head.headers.get("location")).toBe(GUIDE);
    expect((await s.timeline(ada.email))?.clicks).toEqual([]);

    const followed = await fetch(link, { redirect: "manual", headers: { "user-agent": "TestPhone/1.0" } });
    expect(followed.status).toBe(302);
    expect(followed.headers.get("location")).toBe(GUIDE);
    expect(followed.headers.get("cache-control")).toBe("no-store");

    const tl = await s.timeline(ada.email);
    expect(tl?.clicks).toEqual([
      expect.objectContaining({ code, messageId: sms.id, url: GUIDE, userAgent: "TestPhone/1.0" }),
    ]);
    expect(formatTimeline(tl as NonNullable<typeof tl>)).toMatch(
      new RegExp(`clicked {2}${GUIDE.replace(/[.?/]/g, "\\$&")} in SMS "Hi Ada, your stylus guide`),
    );
    // The timeline's JSON has it too, the moment as ISO text.
    const json = await fetch(`${base}/v1/customers/${ada.email}/timeline`, {
      headers: { authorization: `Bearer ${rapport.apiKeys[0]}` },
    });
    const body = (await json.json()) as { clicks: Array<{ url: string; clickedAt: string }> };
    expect(body.clicks.map((c) => c.url)).toEqual([GUIDE]);
    expect(body.clicks[0]?.clickedAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    // And the dashboard's customer page (logged in with the API key).
    const login = await fetch(`${base}/ui/login`, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ password: rapport.apiKeys[0] as string, next: "/ui" }).toString(),
    });
    const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
    const page = await (
      await fetch(`${base}/ui/customers/ada%40example.com`, { headers: { cookie } })
    ).text();
    expect(page).toContain("Links they followed");
    expect(page).toContain(`<td>${GUIDE.replace(/&/g, "&amp;")}</td>`);

    // Codes rapport never made: a page saying the link does not work, and no redirect.
    const wrong = code.slice(0, 9) + (code.endsWith("a") ? "b" : "a");
    for (const path of [`/s/${wrong}`, "/s/short", `/s/${code}x`]) {
      const miss = await fetch(`${base}${path}`, { redirect: "manual" });
      expect(miss.status, path).toBe(404);
      expect(miss.headers.get("location"), path).toBeNull();
      expect(miss.headers.get("content-type")).toContain("text/html");
      expect(await miss.text()).toContain("This link doesn't work");
    }
    expect((await s.timeline(ada.email))?.clicks).toHaveLength(1);
  });
});
