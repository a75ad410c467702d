/**
 * The dashboard in a real browser (Debian's Chromium, headless, driven by playwright-core)
 * against a real rapport (Redis, the test store, an SMTP sink, a reply by real SMTP): log
 * in, find a customer, open a message (its HTML in the sandboxed frame), mark a reply
 * handled, retry a failed message. Screenshots of each page go to var/screenshots/dashboard
 * (gitignored; their paths are printed). Without Chromium (and no way to install it) the
 * suite skips and says why.
 */
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { silentLogger } from "../../src/infra/logger.js";
import { type Rapport, startRapport } from "../../src/main.js";
import type { Store } from "../../src/store/store.js";
import { chromiumProblem, openBrowser, type TestBrowser } from "../support/chromium.js";
import { replyMime, sendToListener } from "../support/mail-in.js";
import { type SmtpSink, startSmtpSink } from "../support/smtp-sink.js";
import { eventually, postEvent, registration, TEST_API_KEY, testEnv } from "../support/test-env.js";
import { openTestStore } from "../support/test-store.js";

const problem = await chromiumProblem();
if (problem) console.warn(`test/integration/dashboard-browser.test.ts: browser tests skipped: ${problem}`);

const SHOTS = resolve("var/screenshots/dashboard");

async function screenshot(page: Page, name: string): Promise<void> {
  const path = join(SHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  console.log(`screenshot: ${path}`);
}

// Browser-side check as a string: the project's TypeScript has no DOM types.
const UNLABELLED = `[...document.querySelectorAll("input:not([type=hidden]), select, textarea, button")]
  .filter((el) => el.tagName === "BUTTON" ? !el.textContent.trim() : el.labels.length === 0)
  .map((el) => el.id || el.name || el.outerHTML)`;

describe.skipIf(problem !== null)("the dashboard in Chromium", () => {
  let browser: TestBrowser;
  let sink: SmtpSink;
  let rapport: Rapport;
  let store: Store;
  let base: string;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    sink = await startSmtpSink();
    const t = testEnv(inject("redisUrl"), { SMTP_URL: sink.url }, { flows: ["thank-you"] });
    rapport = await startRapport({ settings: t.settings, role: "all", logger: silentLogger });
    store = await openTestStore(t.settings);
    base = `http://127.0.0.1:${rapport.httpPort}`;
    browser = await openBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await rapport?.close();
    await sink?.close();
    await store?.close();
  });

  it("log in, find a customer, open a message, mark a reply handled, retry a failed message", async () => {
    // Ada registers and replies to her thank-you; Bob's address is refused by the mail server.
    expect((await postEvent(rapport.httpPort as number, registration({ id: "reg-ada" }))).status).toBe(202);
    const [thanks] = await sink.waitFor(1);
    if (!thanks) throw new Error("no thank-you");
    const replyTo = thanks.parsed.replyTo?.value[0]?.address as string;
    await sendToListener(rapport.inboundSmtpPort as number, {
      from: "ada@example.com",
      to: replyTo,
      raw: replyMime({
        from: "Ada Lovelace <ada@example.com>",
        to: replyTo,
        subject: `Re: ${thanks.parsed.subject}`,
        inReplyTo: thanks.parsed.messageId as string,
        messageId: "<browser-reply-1@mail.example.com>",
        text: "It sounds wonderful. Which cartridge do you recommend?",
      }),
    });
    await eventually(async () => (await store.inboxCount()) === 1, "the reply in the inbox");
    sink.refuseRcptWith(550);
    const bob = registration({ id: "reg-bob", email: "bob@example.com", name: "Bob Moog" });
    expect((await postEvent(rapport.httpPort as number, bob)).status).toBe(202);
    const failed = await eventually(async () => {
      const t = await store.timeline("bob@example.com");
      return t?.messages.find((m) => m.status === "failed");
    }, "bob's thank-you failed");
    sink.refuseRcptWith(null);

    const page = await browser.context.newPage();
    await page.setViewportSize({ width: 1280, height: 900 });

    // Log in: the dashboard sends us to the login page and back.
    await page.goto(`${base}/ui`);
    expect(new URL(page.url()).pathname).toBe("/ui/login");
    expect(await page.evaluate(UNLABELLED)).toEqual([]);
    await screenshot(page, "1-login");
    await page.getByLabel("API key or dashboard password").fill(TEST_API_KEY);
    await Promise.all([page.waitForURL(`${base}/ui`), page.getByRole("button", { name: "Log in" }).click()]);
    expect(await page.locator("h1").textContent()).toBe("Flows");
    expect(await page.locator("script").count()).toBe(0);
    const flow = page.locator('section[data-flow="thank-you"]');
    expect(await flow.locator("dl.totals").textContent()).toContain("started2");
    // Both runs wait two weeks for the check-in (Bob's refused thank-you does not end his run).
    expect(await flow.locator('li[data-step="two-weeks"] .count').first().textContent()).toBe(
      "2 runs here now",
    );
    await screenshot(page, "2-flows");

    // Find a customer.
    await page.getByRole("link", { name: "Customers" }).click();
    await page.getByLabel("Email address (or its beginning)").fill("ada@example.com");
    await Promise.all([
      page.waitForURL(`${base}/ui/customers/ada%40example.com`),
      page.getByRole("button", { name: "Find" }).click(),
    ]);
    expect(await page.locator("h1").textContent()).toBe("Ada Lovelace");
    expect(await page.locator("main").textContent()).toContain("Which cartridge do you recommend?");
    await screenshot(page, "3-timeline");

    // Open a message: its HTML in the sandboxed frame.
    await Promise.all([
      page.waitForURL(/\/ui\/messages\/[^/]+$/),
      page.getByRole("link", { name: /^Open/ }).first().click(),
    ]);
    const frame = page.frameLocator('iframe[title="The message as HTML"]');
    await frame.getByText("is now registered to you", { exact: false }).first().waitFor();
    expect(await page.locator("iframe").getAttribute("sandbox")).toBe("");
    await screenshot(page, "4-message");

    // Mark the reply handled.
    await page.getByRole("link", { name: "Inbox" }).click();
    expect(await page.locator("main").textContent()).toContain("1 waiting for a person.");
    await screenshot(page, "5-inbox");
    await Promise.all([
      page.waitForURL(`${base}/ui/inbox`),
      page.getByRole("button", { name: /^Mark handled/ }).click(),
    ]);
    expect(await page.locator("main").textContent()).toContain("Nothing waits for a person.");
    expect(await store.inboxCount()).toBe(0);
    await screenshot(page, "6-inbox-handled");

    // Retry the failed message.
    await page.getByRole("link", { name: "Failures" }).click();
    const row = page.locator(`tr[data-failed="${failed.id}"]`);
    expect(await row.textContent()).toContain("no such user here");
    await screenshot(page, "7-failures");
    await Promise.all([page.waitForURL(/retried=/), row.getByRole("button", { name: /^Retry/ }).click()]);
    expect(await page.getByRole("status").textContent()).toContain(`${failed.id} brought back and queued.`);
    await screenshot(page, "8-retried");
    await eventually(
      async () => (await store.getMessage(failed.id))?.status !== "failed",
      "the retried message left the failed state",
    );
  });
});
