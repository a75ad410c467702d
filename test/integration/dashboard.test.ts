/**
 * The dashboard (/ui) over HTTP against a real rapport (Redis, the test store, an SMTP
 * sink, replies by real SMTP into rapport's listener): every page needs the login, the
 * session cookie is HttpOnly and SameSite=Strict, a POST without the session's CSRF token
 * is refused; the flow page counts the runs, the inbox shows the reply and "mark handled"
 * takes it out, failures show the SMTP refusal and "retry" brings the message back, a
 * message's HTML is served under a sandboxing CSP, the customer search finds the timeline,
 * and lists go page by page (a second app with a page size of 1 over the same store).
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { retryFailed } from "../../src/cli/retry.js";
import { createHttpApp } from "../../src/http/app.js";
import { createSessions } from "../../src/http/ui/session.js";
import { silentLogger } from "../../src/infra/logger.js";
import { type Rapport, startRapport } from "../../src/main.js";
import type { Store } from "../../src/store/store.js";
import { replyMime, sendToListener } from "../support/mail-in.js";
import { type SmtpSink, startSmtpSink } from "../support/smtp-sink.js";
import { eventually, postEvent, registration, TEST_API_KEY, testEnv } from "../support/test-env.js";
import { openTestStore } from "../support/test-store.js";

/** A browser's worth of state for fetch: the session cookie, and redirects left to the test. */
function client(base: string) {
  let cookie = "";
  const request = async (path: string, init: RequestInit = {}) => {
    const res = await fetch(`${base}${path}`, {
      ...init,
      redirect: "manual",
      headers: { ...(cookie ? { cookie } : {}), ...(init.headers as Record<string, string>) },
    });
    const set = res.headers.get("set-cookie");
    if (set) cookie = set.split(";")[0] ?? "";
    return res;
  };
  const post = (path: string, form: Record<string, string>) =>
    request(path, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(form).toString(),
    });
  return { request, post, cookie: () => cookie };
}

const csrfOf = (page: string) => /name="csrf" value="([^"]+)"/.exec(page)?.[1] ?? "";

describe("the dashboard over HTTP", () => {
  let sink: SmtpSink;
  let rapport: Rapport;
  let store: Store;
  let base: string;

  beforeAll(async () => {
    sink = await startSmtpSink();
    const t = testEnv(
      inject("redisUrl"),
      { SMTP_URL: sink.url, RAPPORT_RETRY_BASE_MS: "300" },
      { flows: ["thank-you"] },
    );
    rapport = await startRapport({ settings: t.settings, role: "all", logger: silentLogger });
    store = await openTestStore(t.settings);
    base = `http://127.0.0.1:${rapport.httpPort}`;
  });
  afterAll(async () => {
    await rapport?.close();
    await sink?.close();
    await store?.close();
  });

  it("asks for the login first, refuses a wrong password, and sets a strict HttpOnly cookie", async () => {
    const ui = client(base);
    const first = await ui.request("/ui/inbox?before=");
    expect(first.status).toBe(302);
    expect(first.headers.get("location")).toBe("/ui/login?next=%2Fui%2Finbox%3Fbefore%3D");
    expect((await ui.post("/ui/inbox/x/handled", { csrf: "x" })).status).toBe(403);
    const slash = await ui.request("/ui/");
    expect(slash.status).toBe(301);
    expect(slash.headers.get("location")).toBe("/ui");

    const wrong = await ui.post("/ui/login", { password: "not-the-key-at-all-0123", next: "/ui" });
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).toContain("That is not an API key");
    expect(ui.cookie()).toBe("");

    const ok = await ui.post("/ui/login", { password: TEST_API_KEY, next: "/ui/queues" });
    expect(ok.status).toBe(303);
    expect(ok.headers.get("location")).toBe("/ui/queues");
    const set = ok.headers.get("set-cookie") ?? "";
    expect(set).toMatch(/^rapport_ui=/);
    expect(set).toContain("HttpOnly");
    expect(set).toContain("SameSite=Strict");
    expect(set).toContain("Path=/ui");

    const queues = await ui.request("/ui/queues");
    expect(queues.status).toBe(200);
    expect(queues.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    const text = await queues.text();
    for (const name of ["events", "steps", "deliveries", "inbound", "broadcasts"])
      expect(text).toContain(`data-queue="${name}"`);

    // A next that leaves the dashboard is not followed.
    const away = await ui.post("/ui/login", { password: TEST_API_KEY, next: "//evil.example/ui" });
    expect(away.headers.get("location")).toBe("/ui");

    // A forged or tampered cookie is no session.
    const forged = await fetch(`${base}/ui`, {
      redirect: "manual",
      headers: { cookie: `${ui.cookie().slice(0, -3)}abc` },
    });
    expect(forged.status).toBe(302);

    // Logout ends it for this browser.
    const page = await (await ui.request("/ui")).text();
    expect((await ui.post("/ui/logout", { csrf: csrfOf(page) })).status).toBe(303);
    expect((await ui.request("/ui")).status).toBe(302);
  });

  it("counts runs, shows the reply in the inbox, marks it handled only with the CSRF token", async () => {
    expect((await postEvent(rapport.httpPort as number, registration({ id: "reg-ada" }))).status).toBe(202);
    const [thanks] = await sink.waitFor(1);
    if (!thanks) throw new Error("no thank-you");
    const ui = client(base);
    await ui.post("/ui/login", { password: TEST_API_KEY, next: "/ui" });

    const flows = await eventually(async () => {
      const page = await (await ui.request("/ui")).text();
      return page.includes("<dt>started</dt><dd>1</dd>") ? page : null;
    }, "the thank-you run counted");
    expect(flows).toContain('data-flow="thank-you"');
    expect(flows).toContain("Thank you for registering");
    // Waiting two weeks for the check-in: one run at the wait step.
    expect(flows).toMatch(/wait 14 days<\/span>\s*<span class="count"[^>]*>1</);

    const replyTo = thanks.parsed.replyTo?.value[0]?.address as string;
    await sendToListener(rapport.inboundSmtpPort as number, {
      from: "ada@example.com",
      to: replyTo,
      raw: replyMime({
        from: "Ada Lovelace <ada@example.com>",
        to: replyTo,
        subject: `Re: ${thanks.parsed.subject}`,
        inReplyTo: thanks.parsed.messageId as string,
        messageId: "<dash-reply-1@mail.example.com>",
        text: "Which cartridge would you pair with it?",
        quoted: "Thank you, Ada.",
      }),
    });
    const inbox = await eventually(async () => {
      const page = await (await ui.request("/ui/inbox")).text();
      return page.includes("Which cartridge would you pair with it?") ? page : null;
    }, "the reply in the inbox");
    expect(inbox).toContain("1 waiting for a person.");
    expect(inbox).toContain('href="/ui/customers/ada%40example.com"');
    const id = /data-interaction="([^"]+)"/.exec(inbox)?.[1] as string;

    const refused = await ui.post(`/ui/inbox/${id}/handled`, { csrf: "forged" });
    expect(refused.status).toBe(403);
    expect(await store.inboxCount()).toBe(1);
    const marked = await ui.post(`/ui/inbox/${id}/handled`, { csrf: csrfOf(inbox), back: "/ui/inbox" });
    expect(marked.status).toBe(303);
    expect(marked.headers.get("location")).toBe("/ui/inbox");
    const after = await (await ui.request("/ui/inbox")).text();
    expect(after).toContain("Nothing waits for a person.");
    expect(after).not.toContain("Which cartridge");

    // The timeline: found by the search, with the reply's new text and the message's preview.
    const found = await ui.request("/ui/customers?email=ADA%40example.com");
    expect(found.status).toBe(302);
    expect(found.headers.get("location")).toBe("/ui/customers/ada%40example.com");
    const ada = await store.findCustomerByEmail("ada@example.com");
    await store.changePreferences(
      ada?.id as string,
      { topics: { check_ins: false }, frequency: { max: 1, per: "month" } },
      "preference_page",
      Date.now(),
    );
    const timeline = await (await ui.request("/ui/customers/ada%40example.com")).text();
    expect(timeline).toContain("Which cartridge would you pair with it?");
    expect(timeline).toContain("topics off: check_ins; at most one email a month");
    expect(timeline).toContain("Not suppressed.");
    expect(timeline).toContain("Lyra RD 2780");
    const messageId = /data-message="([^"]+)"/.exec(timeline)?.[1] as string;
    const message = await (await ui.request(`/ui/messages/${messageId}`)).text();
    expect(message).toContain(`<iframe src="/ui/messages/${messageId}/html" sandbox=""`);
    const frame = await ui.request(`/ui/messages/${messageId}/html`);
    expect(frame.status).toBe(200);
    expect(frame.headers.get("content-security-policy")).toMatch(/^sandbox; default-src 'none'/);
    expect(await frame.text()).toContain("Lyra RD 2780");
    // The frame needs the session too.
    expect((await fetch(`${base}/ui/messages/${messageId}/html`, { redirect: "manual" })).status).toBe(302);
  });

  it("lists a refused message under failures, and retry brings it back", async () => {
    sink.refuseRcptWith(550);
    expect(
      (await postEvent(rapport.httpPort as number, registration({ id: "reg-bob", email: "bob@example.com" })))
        .status,
    ).toBe(202);
    const failed = await eventually(async () => {
      const t = await store.timeline("bob@example.com");
      return t?.messages.find((m) => m.status === "failed");
    }, "bob's thank-you failed");
    sink.refuseRcptWith(null);

    const ui = client(base);
    await ui.post("/ui/login", { password: TEST_API_KEY, next: "/ui" });
    const page = await (await ui.request("/ui/failures?kind=messages")).text();
    expect(page).toContain(`data-failed="${failed.id}"`);
    expect(page).toContain("no such user here");
    const retried = await ui.post(`/ui/failures/messages/${failed.id}/retry`, { csrf: csrfOf(page) });
    expect(retried.status).toBe(303);
    const back = await (await ui.request(retried.headers.get("location") as string)).text();
    expect(back).toContain(`${failed.id} brought back and queued.`);
    // Bob's address was refused for good (a hard bounce): the retried message is held back.
    await eventually(
      async () => (await store.getMessage(failed.id))?.status === "suppressed",
      "the retried message settled",
    );
    const again = await ui.post(`/ui/failures/messages/${failed.id}/retry`, { csrf: csrfOf(page) });
    expect(decodeURIComponent(again.headers.get("location") as string)).toContain("was not failed any more");
  });

  it("goes page by page, and says what is wrong with a bad page parameter", async () => {
    for (const email of ["cat@example.com", "carl@example.com", "cora@example.com"])
      expect((await postEvent(rapport.httpPort as number, registration({ email }))).status).toBe(202);
    await eventually(async () => (await store.findCustomers("c", 10)).length === 3, "three customers");
    const app = createHttpApp({
      store,
      queues: { addEvent: async () => {}, addNewEvent: async () => {} },
      clock: { now: () => Date.now() },
      logger: silentLogger,
      apiKeys: [TEST_API_KEY],
      acceptInbound: async () => {
        throw new Error("not in this test");
      },
      inboundMaxBytes: 1024,
      dashboard: {
        store,
        flows: new Map(),
        sessions: createSessions({
          secret: "s".repeat(32),
          passwords: ["dashboard-password-1"],
          ttlMs: 60_000,
        }),
        clock: { now: () => Date.now() },
        logger: silentLogger,
        brandName: "Lyra Audio",
        queueCounts: async () => [],
        retry: (kind, id) =>
          retryFailed(
            { ids: [id], failed: false, kind, limit: 1 },
            { store, requeue: null, now: Date.now() },
          ),
        preview: (id) => Promise.resolve({ ok: false, reason: `not here (${id})` }),
        pageSize: 1,
      },
    });
    // The API key is not the dashboard password when one is set.
    const login = (password: string) =>
      app.request("/ui/login", {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ password }).toString(),
      });
    expect((await login(TEST_API_KEY)).status).toBe(401);
    const ok = await login("dashboard-password-1");
    expect(ok.status).toBe(303);
    const cookie = (ok.headers.get("set-cookie") ?? "").split(";")[0] as string;
    const get = (path: string) => app.request(path, { headers: { cookie } });

    const seen: string[] = [];
    let path: string | null = "/ui/customers?email=c";
    while (path) {
      const page: string = await (await get(path)).text();
      seen.push(
        ...[...page.matchAll(/<td><a href="\/ui\/customers\/[^"]+">([^<]+)<\/a>/g)].map(
          (m) => m[1] as string,
        ),
      );
      const more: string | undefined = /<a rel="next" href="([^"]+)"/.exec(page)?.[1];
      path = more ? more.replaceAll("&amp;", "&") : null;
    }
    expect(seen).toEqual(["carl@example.com", "cat@example.com", "cora@example.com"]);

    const bad = await get("/ui/inbox?before=yesterday");
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain("before: expected TIME~ID");
    expect((await get("/ui/failures?kind=runs")).status).toBe(400);

    // Ten wrong passwords in a minute: the right one is refused too, for the rest of the minute.
    for (let i = 0; i < 10; i++) expect((await login(`wrong-password-${i}`)).status).toBe(401);
    const limited = await login("dashboard-password-1");
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("60");
  });

  it("with DASHBOARD_PASSWORD set, `rapport start` takes that password and no longer the API key", async () => {
    const password = "dashboard-only-password-42";
    const t = testEnv(inject("redisUrl"), { DASHBOARD_PASSWORD: password }, { flows: ["thank-you"] });
    const own = await startRapport({ settings: t.settings, role: "all", logger: silentLogger });
    try {
      const ui = client(`http://127.0.0.1:${own.httpPort}`);
      expect((await ui.post("/ui/login", { password: TEST_API_KEY, next: "/ui" })).status).toBe(401);
      expect(ui.cookie()).toBe("");
      const ok = await ui.post("/ui/login", { password, next: "/ui/queues" });
      expect(ok.status).toBe(303);
      expect((await ui.request("/ui/queues")).status).toBe(200);
    } finally {
      await own.close();
    }
  });
});
