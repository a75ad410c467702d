/**
 * Unsubscribing on real parts (Redis, SQLite or Postgres, a real SMTP sink, rapport's own
 * HTTP server and SMTP listener): the headers and footer links every non-transactional
 * email carries, RFC 8058 one-click in both encodings, the page a GET shows, altered
 * tokens, and the mailto and a reply saying "stop" landing in the same place. Waits are
 * shortened with RAPPORT_WAIT_SCALE.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, inject, it } from "vitest";
import { createConsentTokens } from "../../src/consent/tokens.js";
import { silentLogger } from "../../src/infra/logger.js";
import { type Rapport, startRapport } from "../../src/main.js";
import type { Store } from "../../src/store/store.js";
import { sendToListener } from "../support/mail-in.js";
import { type ReceivedMail, type SmtpSink, startSmtpSink } from "../support/smtp-sink.js";
import { eventually, postEvent, registration, testEnv } from "../support/test-env.js";
import { openTestStore } from "../support/test-store.js";

const FOURTEEN_DAYS = 14 * 24 * 3600_000;
const POSTAL = "Lyra Audio GmbH · Hauptstraße 12 · 10115 Berlin · Germany";

const header = (mail: ReceivedMail, name: string) =>
  mail.parsed.headerLines
    .find((h) => h.key === name)
    ?.line.replace(/\r?\n\s+/g, " ")
    .replace(/^[^:]+:\s*/, "");

/** The link a footer gives for `label` (HTML), and the same in the text part. */
function footerLinks(mail: ReceivedMail, label: string): { html: string | null; text: string | null } {
  const htmlLink =
    new RegExp(`<a href="([^"]+)"[^>]*>${label}</a>`).exec(mail.parsed.html || "")?.[1] ?? null;
  const textLink = new RegExp(`^${label}: (\\S+)$`, "m").exec(mail.parsed.text ?? "")?.[1] ?? null;
  return { html: htmlLink, text: textLink };
}

describe("unsubscribing from a link", () => {
  let sink: SmtpSink | null = null;
  let rapport: Rapport | null = null;
  let store: Store | null = null;
  afterEach(async () => {
    await rapport?.close();
    await sink?.close();
    await store?.close();
    rapport = sink = store = null;
  });

  /** rapport with the thank-you flow only; the check-in comes `checkInAfterMs` after the thank-you. */
  async function boot(checkInAfterMs: number) {
    sink = await startSmtpSink();
    const t = testEnv(
      inject("redisUrl"),
      {
        SMTP_URL: sink.url,
        RAPPORT_WAIT_SCALE: String(checkInAfterMs / FOURTEEN_DAYS),
        RAPPORT_RETRY_BASE_MS: "300",
      },
      { flows: ["thank-you"] },
    );
    rapport = await startRapport({ settings: t.settings, role: "all", logger: silentLogger });
    store = await openTestStore(t.settings);
    const base = `http://127.0.0.1:${rapport.httpPort}`;
    const res = await postEvent(rapport.httpPort as number, registration({ id: "reg-1" }));
    expect(res.status).toBe(202);
    // With a short wait the check-in may reach the sink before the thank-you.
    const isThanks = (m: { parsed: { subject?: string } }) => /registering/.test(m.parsed.subject ?? "");
    const thanks = (await sink.waitFor(1)).find(isThanks) ?? (await sink.waitFor(2)).find(isThanks);
    if (!thanks) throw new Error("no thank-you");
    // The thank-you is transactional: it has the preference link (the customer's token) but no unsubscribe.
    const manage = footerLinks(thanks, "Manage your emails").html as string;
    expect(manage).toMatch(new RegExp(`^${base}/p/[A-Za-z0-9_-]{44}$`));
    const token = manage.slice(manage.lastIndexOf("/") + 1);
    return { sink, rapport, store, base, thanks, token, dir: t.dir };
  }

  it("puts both headers and the footer links on a relationship email, and no List-Unsubscribe on a transactional one", async () => {
    const { sink, base, thanks, token } = await boot(300);
    expect(header(thanks, "list-unsubscribe")).toBeUndefined();
    expect(header(thanks, "list-unsubscribe-post")).toBeUndefined();
    expect(footerLinks(thanks, "Unsubscribe")).toEqual({ html: null, text: null });
    expect(footerLinks(thanks, "Manage your emails").text).toBe(`${base}/p/${token}`);
    expect(thanks.parsed.text).toContain(POSTAL);

    // The thank-you (transactional: no List-Unsubscribe) and the check-in, in either order.
    const checkIn = (await sink.waitFor(2)).find((m) => header(m, "list-unsubscribe") !== undefined);
    if (!checkIn) throw new Error("no check-in");
    expect(checkIn.parsed.subject).toMatch(/treating you/);
    const replyTo = checkIn.parsed.replyTo?.value[0]?.address as string;
    const unsubscribeUrl = `${base}/u/${token}`;
    expect(header(checkIn, "list-unsubscribe")).toBe(
      `<${unsubscribeUrl}>, <mailto:${replyTo}?subject=unsubscribe>`,
    );
    expect(header(checkIn, "list-unsubscribe-post")).toBe("List-Unsubscribe=One-Click");
    expect(footerLinks(checkIn, "Unsubscribe")).toEqual({ html: unsubscribeUrl, text: unsubscribeUrl });
    expect(footerLinks(checkIn, "Manage your emails")).toEqual({
      html: `${base}/p/${token}`,
      text: `${base}/p/${token}`,
    });
    expect(checkIn.parsed.html).toContain(POSTAL);
    expect(checkIn.parsed.text).toContain(POSTAL);
  });

  it("one-click POST in both encodings, twice each: 200 every time, unsubscribed once, the queued check-in held back", async () => {
    // The check-in is due 8 s after the thank-you: the run waits for it meanwhile.
    const { sink, store, base, token } = await boot(8000);
    await eventually(
      async () => (await store.timeline("ada@example.com"))?.runs[0]?.status === "waiting",
      "the run waiting for the check-in",
    );
    const url = `${base}/u/${token}`;
    const posts: Array<() => Promise<Response>> = [
      () =>
        fetch(url, {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: "List-Unsubscribe=One-Click",
          redirect: "manual",
        }),
      () => {
        const form = new FormData();
        form.set("List-Unsubscribe", "One-Click");
        return fetch(url, { method: "POST", body: form, redirect: "manual" });
      },
    ];
    let first: number | null = null;
    for (const post of [...posts, ...posts]) {
      const res = await post();
      expect(res.status).toBe(200);
      expect(res.headers.get("location")).toBeNull();
      expect(res.headers.get("content-type")).toMatch(/^text\/html/);
      expect(await res.text()).toContain("You're unsubscribed");
      const suppression = await store.getSuppression("ada@example.com");
      expect(suppression).toMatchObject({ reason: "unsubscribe" });
      first ??= suppression?.createdAt ?? null;
      // Once: the later requests found it done and changed nothing.
      expect(suppression?.createdAt).toBe(first);
    }
    // A provider that posts nothing at all is answered the same.
    const empty = await fetch(url, { method: "POST" });
    expect(empty.status).toBe(200);

    const checkIn = await eventually(
      async () => {
        const t = await store.timeline("ada@example.com");
        return t?.messages.find((m) => m.template === "check-in" && m.status === "suppressed");
      },
      "the check-in held back",
      30_000,
    );
    expect(checkIn.error).toMatch(/held back: Ada stopped all .*one-click/);
    expect(sink.received).toHaveLength(1);
    // One change, one preference_changed event on the timeline, whatever the repeats.
    const events = (await store.timeline("ada@example.com"))?.events ?? [];
    expect(events.filter((e) => e.type === "preference_changed")).toHaveLength(1);
  });

  it("GET shows the page and does not unsubscribe; altered, non-canonical and oversized requests change nothing", async () => {
    const { store, base, token } = await boot(FOURTEEN_DAYS);
    const page = await fetch(`${base}/u/${token}`);
    expect(page.status).toBe(200);
    expect(page.headers.get("cache-control")).toBe("no-store");
    expect(page.headers.get("content-security-policy")).toMatch(/frame-ancestors 'none'/);
    const body = await page.text();
    expect(body).toContain('<form method="post">');
    expect(body).toContain('<button type="submit">Unsubscribe</button>');
    expect(body).toContain(`href="../p/${token}"`);
    expect(body).toContain("ada@example.com");
    expect(body).toContain("Lyra Audio");
    expect(await store.getSuppression("ada@example.com")).toBeNull();

    const flipped = `${token.slice(0, 10)}${token[10] === "A" ? "B" : "A"}${token.slice(11)}`;
    for (const bad of [flipped, `${token}=`, token.slice(0, 43), "not-a-token"]) {
      for (const method of ["GET", "POST"]) {
        const res = await fetch(`${base}/u/${bad}`, {
          method,
          ...(method === "POST" ? { body: "List-Unsubscribe=One-Click" } : {}),
        });
        expect(res.status, `${method} ${bad}`).toBe(400);
        const text = await res.text();
        expect(text).toContain("This link doesn't work");
        expect(text).not.toMatch(/signature|spelling|token/i);
      }
    }
    const big = await fetch(`${base}/u/${token}`, { method: "POST", body: "x".repeat(64 * 1024) });
    expect(big.status).toBe(413);
    expect(await store.getSuppression("ada@example.com")).toBeNull();
  });

  it("a link narrowed to one topic: the page names the topic by its title, the POST turns off that topic only", async () => {
    const { store, base, dir } = await boot(FOURTEEN_DAYS);
    const ada = await store.findCustomerByEmail("ada@example.com");
    // Signed with this rapport's kept secret, as a template linking to one topic would be.
    const tokens = createConsentTokens(readFileSync(join(dir, "secret"), "utf8").trim());
    const url = `${base}/u/${tokens.make(ada?.id as string, "product_news")}`;
    const page = await (await fetch(url)).text();
    expect(page).toContain(
      "Stop Lyra Audio's emails about “Product news” to <strong>ada@example.com</strong>",
    );
    expect((await store.findCustomerByEmail("ada@example.com"))?.preferences).toEqual({});

    for (let i = 0; i < 2; i++) {
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: "List-Unsubscribe=One-Click",
        redirect: "manual",
      });
      expect(res.status).toBe(200);
      const body = await res.text();
      expect(body).toContain("You're unsubscribed from Product news");
      expect(body).toContain("The other emails you chose still come.");
    }
    expect(await store.getSuppression("ada@example.com")).toBeNull();
    expect((await store.findCustomerByEmail("ada@example.com"))?.preferences).toMatchObject({
      topics: { product_news: false },
    });
    const changes = ((await store.timeline("ada@example.com"))?.events ?? []).filter(
      (e) => e.type === "preference_changed",
    );
    expect(changes.map((e) => e.body.properties)).toEqual([
      expect.objectContaining({
        source: "one_click",
        changed: "topics.product_news",
        topic_product_news: false,
      }),
    ]);
  });

  // Where a one-click POST lands: the address suppressed, "stop everything" stored, one
  // preference_changed event naming the way it came. A mail program's unsubscribe button
  // (the List-Unsubscribe mailto: a new message, subject "unsubscribe") and a person's
  // reply saying "stop" land there too.
  it.each([
    ["the List-Unsubscribe mailto", "mailto"],
    ["a reply saying stop", "reply"],
  ] as const)("%s lands in the same place as one-click", async (_name, source) => {
    const { sink, rapport: r, store } = await boot(300);
    // The thank-you (transactional: no List-Unsubscribe) and the check-in, in either order.
    const checkIn = (await sink.waitFor(2)).find((m) => header(m, "list-unsubscribe") !== undefined);
    if (!checkIn) throw new Error("no check-in");
    const mailto = /<mailto:([^?>]+)\?subject=unsubscribe>/.exec(
      header(checkIn, "list-unsubscribe") ?? "",
    )?.[1];
    expect(mailto).toBeTruthy();
    // The Reply-To of the check-in is the mailto's address: either way it comes home to that message.
    expect(checkIn.parsed.replyTo?.value[0]?.address).toBe(mailto);
    const head = [
      "From: Ada Lovelace <ada@example.com>",
      `To: ${mailto}`,
      "Message-ID: <unsub-1@mail.example.com>",
      "Date: Sun, 22 Nov 2026 12:00:00 +0000",
      "MIME-Version: 1.0",
      "Content-Type: text/plain; charset=utf-8",
    ];
    const raw =
      source === "mailto"
        ? // What a mail program's unsubscribe button writes.
          [
            ...head,
            "Subject: unsubscribe",
            "",
            "This message was automatically generated by the mail program.",
            "",
          ].join("\r\n")
        : // What a person writes with "Reply".
          [
            ...head,
            `Subject: Re: ${checkIn.parsed.subject}`,
            `In-Reply-To: ${checkIn.parsed.messageId}`,
            `References: ${checkIn.parsed.messageId}`,
            "",
            "Please stop emailing me.",
            "",
            `On Sun, 22 Nov 2026, Lyra Audio wrote:`,
            "> How's it going, Ada?",
            "",
          ].join("\r\n");
    await sendToListener(r.inboundSmtpPort as number, { from: "ada@example.com", to: mailto as string, raw });
    const suppression = await eventually(
      () => store.getSuppression("ada@example.com"),
      `the address suppressed by the ${source}`,
    );
    expect(suppression).toMatchObject({ reason: "unsubscribe" });
    const tl = await eventually(async () => {
      const t = await store.timeline("ada@example.com");
      return t?.interactions.length && t.events.some((e) => e.type === "preference_changed") ? t : null;
    }, "the request and the change on the timeline");
    expect(tl.interactions[0]).toMatchObject({ kind: "unsubscribe", attributedBy: "reply-address" });
    const changes = tl.events.filter((e) => e.type === "preference_changed");
    expect(changes.map((e) => e.body.properties)).toEqual([
      expect.objectContaining({ source, changed: "all", all: false }),
    ]);
    expect((await store.findCustomerByEmail("ada@example.com"))?.preferences.all).toBe(false);
  });
});
