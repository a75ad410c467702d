/**
 * The preference page in a real browser (Debian's Chromium, headless, driven by
 * playwright-core) against a real rapport (Redis, SQLite or Postgres, an SMTP sink): the
 * link from a delivered email opened, a topic unticked, the frequency, birthday and time
 * zone changed, saved, reloaded; the choices stuck, one preference_changed event on the
 * timeline, and the birthday flow rescheduled. Every control has a label and keyboard
 * focus is visible. Screenshots at phone and desktop widths go to the test's temp dir
 * (their paths are printed). Without Chromium (and no way to install it) the suite skips
 * and says why; the HTTP-only checks at the end run regardless.
 */
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { createConsentTokens } from "../../src/consent/tokens.js";
import { silentLogger } from "../../src/infra/logger.js";
import { dateScheduleKey } from "../../src/jobs/date-schedules.js";
import { type Rapport, startRapport } from "../../src/main.js";
import type { Store } from "../../src/store/store.js";
import { chromiumProblem, openBrowser, type TestBrowser } from "../support/chromium.js";
import { type SmtpSink, startSmtpSink } from "../support/smtp-sink.js";
import { eventually, postEvent, registration, testEnv } from "../support/test-env.js";
import { openTestStore } from "../support/test-store.js";

const EMAIL = "ada@example.com";

// Finds Chromium, or installs Debian's when root with apt (once per machine; it takes a while).
const problem = await chromiumProblem();
if (problem) console.warn(`test/integration/preference-page.test.ts: browser tests skipped: ${problem}`);

let sink: SmtpSink | null = null;
let rapport: Rapport | null = null;
let store: Store | null = null;
afterEach(async () => {
  await rapport?.close();
  await sink?.close();
  await store?.close();
  rapport = sink = store = null;
});

/** rapport with the thank-you and birthday flows; Ada registered; the link from her thank-you. */
async function boot() {
  sink = await startSmtpSink();
  const t = testEnv(inject("redisUrl"), { SMTP_URL: sink.url }, { flows: ["thank-you", "birthday"] });
  rapport = await startRapport({ settings: t.settings, role: "all", logger: silentLogger });
  store = await openTestStore(t.settings);
  const base = `http://127.0.0.1:${rapport.httpPort}`;
  expect((await postEvent(rapport.httpPort as number, registration({ id: "reg-1" }))).status).toBe(202);
  const [thanks] = await sink.waitFor(1);
  const link = /<a href="([^"]+)"[^>]*>Manage your emails<\/a>/.exec(thanks?.parsed.html || "")?.[1];
  if (!link) throw new Error("no 'Manage your emails' link in the thank-you");
  expect(link.startsWith(`${base}/p/`)).toBe(true);
  const customer = await store.findCustomerByEmail(EMAIL);
  if (!customer) throw new Error("no customer");
  return { t, store, base, link, customer };
}

const preferenceEvents = async (s: Store) =>
  ((await s.timeline(EMAIL))?.events ?? []).filter((e) => e.type === "preference_changed");

// Browser-side checks as strings: the project's TypeScript has no DOM types.
const UNLABELLED = `[...document.querySelectorAll("input:not([type=hidden]), select, textarea, button")]
  .filter((el) => el.tagName === "BUTTON" ? !el.textContent.trim() : el.labels.length === 0)
  .map((el) => el.id || el.name || el.outerHTML)`;
const GROUPS_WITHOUT_LEGEND = `[...document.querySelectorAll("fieldset")].filter((f) => !f.querySelector("legend")).length`;
const FOCUSED = `(() => { const el = document.activeElement; const s = getComputedStyle(el);
  return { id: el.id || el.name || el.tagName, tag: el.tagName, style: s.outlineStyle, width: parseFloat(s.outlineWidth) }; })()`;

async function screenshot(page: Page, dir: string, name: string): Promise<string> {
  const path = join(dir, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  console.log(`screenshot: ${path}`);
  return path;
}

describe.skipIf(problem !== null)("the preference page in Chromium", () => {
  let browser: TestBrowser;
  beforeAll(async () => {
    browser = await openBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("from the email's link: untick a topic, change frequency, birthday and time zone, save, reload: it stuck", async () => {
    const { t, store, link, customer } = await boot();
    const shots = join(t.dir, "screenshots");
    mkdirSync(shots, { recursive: true });
    const page = await browser.context.newPage();
    await page.setViewportSize({ width: 390, height: 844 });

    const opened = await page.goto(link);
    expect(opened?.status()).toBe(200);
    expect(await page.title()).toBe("Your emails · Lyra Audio");
    expect(await page.locator("h1").textContent()).toBe("Your emails from Lyra Audio");
    const text = (await page.locator("main").textContent()) ?? "";
    expect(text).toContain("Hello Ada.");
    expect(text).toContain(EMAIL);
    expect(text).toContain("Lyra RD 2780");
    // No scripts at all: the page works with the forms alone.
    expect(await page.locator("script").count()).toBe(0);

    // Every control has a label (buttons their text), every group a legend.
    expect(await page.evaluate(UNLABELLED)).toEqual([]);
    expect(await page.evaluate(GROUPS_WITHOUT_LEGEND)).toBe(0);

    // Every topic of config/rapport.yaml, all on for a customer who chose nothing yet.
    const news = page.getByLabel("Product news");
    expect(await news.isChecked()).toBe(true);
    expect(await page.getByLabel("Check-ins after you buy").isChecked()).toBe(true);
    const frequency = page.getByLabel("How often");
    expect(await frequency.inputValue()).toBe("brand");
    expect(await page.getByLabel("Your time zone").inputValue()).toBe("Europe/London");

    // Keyboard: each stop in the tab order shows a visible focus ring.
    const stops: string[] = [];
    for (let i = 0; i < 12; i++) {
      await page.keyboard.press("Tab");
      const focused = (await page.evaluate(FOCUSED)) as { id: string; style: string; width: number };
      expect(focused.style, `focus ring on ${focused.id}`).not.toBe("none");
      expect(focused.width, `focus ring on ${focused.id}`).toBeGreaterThanOrEqual(2);
      stops.push(focused.id);
    }
    expect(stops).toContain("topic-product_news");
    expect(stops).toContain("frequency");
    await page.locator("#topic-check_ins").focus();
    await page.keyboard.press("Tab");
    await screenshot(page, shots, "focus-390x844");

    await news.uncheck();
    await frequency.selectOption({ label: "At most one email a month" });
    await page.getByLabel("Month").selectOption({ label: "December" });
    await page.getByLabel("Day", { exact: true }).selectOption("10");
    await page.getByLabel("Your time zone").selectOption("America/New_York");
    await Promise.all([
      page.waitForURL(/\?done=saved$/),
      page.getByRole("button", { name: "Save my choices" }).click(),
    ]);
    expect(await page.getByRole("status").textContent()).toContain("Saved.");
    expect(await page.title()).toBe("Saved: Your emails · Lyra Audio");
    await screenshot(page, shots, "preference-page-390x844");

    for (const reopen of [() => page.reload(), () => page.goto(link)]) {
      const res = await reopen();
      expect(res?.status()).toBe(200);
      expect(await news.isChecked()).toBe(false);
      expect(await page.getByLabel("Check-ins after you buy").isChecked()).toBe(true);
      expect(await frequency.inputValue()).toBe("1/month");
      expect(await page.getByLabel("Month").inputValue()).toBe("12");
      expect(await page.getByLabel("Day", { exact: true }).inputValue()).toBe("10");
      expect(await page.getByLabel("Your time zone").inputValue()).toBe("America/New_York");
    }

    // Stored, and one event on the timeline naming everything that changed.
    const stored = await store.getCustomer(customer.id);
    expect(stored).toMatchObject({
      birthday: "12-10",
      timezone: "America/New_York",
      preferences: { topics: { product_news: false }, frequency: { max: 1, per: "month" } },
    });
    const [event, ...more] = await preferenceEvents(store);
    expect(more).toEqual([]);
    expect(event?.body.properties).toEqual({
      source: "preference_page",
      changed: "birthday, frequency, timezone, topics.product_news",
      topic_product_news: false,
      frequency_max: 1,
      frequency_per: "month",
      birthday: "12-10",
      timezone: "America/New_York",
    });
    // Queued like any event: processed, and the birthday flow now has a next run on
    // 10 December, 09:00 in New York.
    const schedule = await eventually(async () => {
      const s = await store.getDateSchedule(dateScheduleKey("birthday", customer.id, null));
      return s?.nextAt ? s : null;
    }, "the birthday flow scheduled from the new birthday");
    const local = new Intl.DateTimeFormat("en-CA", {
      timeZone: "America/New_York",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    }).format(schedule.nextAt as number);
    expect(local).toBe("12-10, 09:00");
    await eventually(
      async () => (await preferenceEvents(store))[0]?.status === "processed",
      "the preference_changed event processed",
    );

    // Saving the page unchanged stores nothing more.
    await Promise.all([
      page.waitForURL(/\?done=unchanged$/),
      page.getByRole("button", { name: "Save my choices" }).click(),
    ]);
    expect(await preferenceEvents(store)).toHaveLength(1);

    const desktop = await browser.context.newPage();
    await desktop.setViewportSize({ width: 1280, height: 800 });
    await desktop.goto(link);
    expect(await desktop.getByLabel("Product news").isChecked()).toBe(false);
    await screenshot(desktop, shots, "preference-page-1280x800");
    await page.close();
    await desktop.close();
  });

  it("stop all emails, then start again: each a change on the timeline, the suppression follows", async () => {
    const { t, store, link } = await boot();
    const shots = join(t.dir, "screenshots");
    mkdirSync(shots, { recursive: true });
    const page = await browser.context.newPage();
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(link);
    await Promise.all([
      page.waitForURL(/\?done=stopped$/),
      page.getByRole("button", { name: "Stop all emails" }).click(),
    ]);
    expect(await page.getByRole("status").textContent()).toContain("You won't get any more");
    expect(await page.getByRole("heading", { name: "You've stopped all emails" }).count()).toBe(1);
    expect(await store.getSuppression(EMAIL)).toMatchObject({ reason: "unsubscribe" });
    expect((await store.findCustomerByEmail(EMAIL))?.preferences.all).toBe(false);
    await screenshot(page, shots, "stopped-390x844");

    await Promise.all([
      page.waitForURL(/\?done=resumed$/),
      page.getByRole("button", { name: "Start emails again" }).click(),
    ]);
    expect(await page.getByRole("button", { name: "Stop all emails" }).count()).toBe(1);
    expect(await store.getSuppression(EMAIL)).toBeNull();
    expect((await store.findCustomerByEmail(EMAIL))?.preferences.all).toBeUndefined();
    const events = await preferenceEvents(store);
    expect(events.map((e) => [e.body.properties?.changed, e.body.properties?.all])).toEqual([
      ["all", false],
      ["all", true],
    ]);
    await page.close();
  });

  it("a form with a problem: 400, the page again as submitted, the field named and focused", async () => {
    const { store, link } = await boot();
    const page = await browser.context.newPage();
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(link);
    await page.getByLabel("Month").selectOption({ label: "April" });
    await page.getByLabel("Day", { exact: true }).selectOption("31");
    await page.getByLabel("Product news").uncheck();
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === "POST"),
      page.getByRole("button", { name: "Save my choices" }).click(),
    ]);
    expect(response.status()).toBe(400);
    await page.waitForLoadState();
    expect(await page.title()).toBe("Error: Your emails · Lyra Audio");
    expect(await page.getByRole("alert").textContent()).toContain("Birthday: April has 30 days");
    // The summary takes the focus, so a screen reader reads it first.
    expect(((await page.evaluate(FOCUSED)) as { tag: string }).tag).toBe("DIV");
    expect(await page.getByLabel("Month").getAttribute("aria-invalid")).toBe("true");
    // As submitted, not as stored: nothing to tick again.
    expect(await page.getByLabel("Product news").isChecked()).toBe(false);
    expect(await page.getByLabel("Day", { exact: true }).inputValue()).toBe("31");
    expect(await preferenceEvents(store)).toEqual([]);
    await page.close();
  });
});

describe("the preference page over plain HTTP", () => {
  it("bad tokens, bad forms, oversized bodies and unknown customers change nothing", async () => {
    const { t, store, base, link, customer } = await boot();
    const token = link.slice(link.lastIndexOf("/") + 1);
    const post = (body: string, to = link, type = "application/x-www-form-urlencoded") =>
      fetch(to, { method: "POST", headers: { "content-type": type }, body, redirect: "manual" });

    const flipped = `${token.slice(0, 10)}${token[10] === "A" ? "B" : "A"}${token.slice(11)}`;
    for (const res of [
      await fetch(`${base}/p/${flipped}`),
      await post("action=stop", `${base}/p/${flipped}`),
    ]) {
      expect(res.status).toBe(400);
      expect(await res.text()).toContain("This link doesn't work");
    }

    const bad = await post("action=save&topics_shown=product_news&frequency=7%2Fday");
    expect(bad.status).toBe(400);
    expect(bad.headers.get("cache-control")).toBe("no-store");
    expect(await bad.text()).toContain("How often: choose one of the options");
    expect((await post("action=unsubscribe-everyone")).status).toBe(400);
    // Not a form at all: no action.
    expect((await post('{"action":"stop"}', link, "application/json")).status).toBe(400);
    expect((await post(`action=stop&x=${"y".repeat(20_000)}`)).status).toBe(413);
    expect(await store.getSuppression(EMAIL)).toBeNull();
    expect(await preferenceEvents(store)).toEqual([]);

    // A save over multipart works too, and answers 303 to the page.
    const form = new FormData();
    form.set("action", "save");
    form.set("topics_shown", "product_news");
    form.set("frequency", "1/week");
    form.set("timezone", "Europe/London");
    const saved = await fetch(link, { method: "POST", body: form, redirect: "manual" });
    expect(saved.status).toBe(303);
    expect(saved.headers.get("location")).toBe(`${token}?done=saved`);
    expect((await store.getCustomer(customer.id))?.preferences).toMatchObject({
      topics: { product_news: false },
      frequency: { max: 1, per: "week" },
    });

    // A well-signed token for a customer the store does not have (signed with this rapport's kept secret).
    const tokens = createConsentTokens(readFileSync(join(t.dir, "secret"), "utf8").trim());
    const stranger = `${base}/p/${tokens.make("00000000-0000-4000-8000-000000000000")}`;
    for (const res of [await fetch(stranger), await post("action=stop", stranger)]) {
      expect(res.status).toBe(200);
      expect(await res.text()).toContain("Nothing to manage");
    }
  });
});
