/**
 * The dashboard's login: /ui/login takes an API key (or DASHBOARD_PASSWORD when set),
 * compared in constant time (session.ts); a good one sets the session cookie and goes on
 * to where the person was headed. Every other /ui route needs the session (GET: a redirect
 * to the login page; anything else: 403), and every POST the session's CSRF token.
 * /ui/logout clears the cookie. Ten failed logins from one address in a minute refuse
 * that address for the rest of the minute (login-throttle.ts).
 */

import { getConnInfo } from "@hono/node-server/conninfo";
import type { Context, MiddlewareHandler } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { html } from "../page.js";
import type { DashboardDeps, UiApp, UiEnv } from "./deps.js";
import { uiHeaders, uiPage } from "./layout.js";
import { createLoginThrottle } from "./login-throttle.js";
import { SESSION_COOKIE } from "./session.js";

/** Only a path of ours: an absolute URL or //host would send the person elsewhere. */
function safeNext(next: string | undefined): string {
  return next && /^\/ui(\/|$|\?)/.test(next) && !next.startsWith("//") ? next : "/ui";
}

function loginPage(deps: DashboardDeps, next: string, problem: string | null): string {
  return uiPage({
    brandName: deps.brandName,
    title: "Log in",
    body: html`<h1>Log in to the dashboard</h1>
${problem ? html`<p class="error" role="alert">${problem}</p>` : ""}
<form method="post" action="/ui/login">
<input type="hidden" name="next" value="${next}">
<p><label for="password">API key or dashboard password</label>
<input type="password" id="password" name="password" autocomplete="current-password" required></p>
<p><button type="submit">Log in</button></p>
</form>`,
  });
}

const secure = (c: Context) =>
  new URL(c.req.url).protocol === "https:" || c.req.header("x-forwarded-proto") === "https";

/** The client's address (the socket's; behind a proxy, the proxy's), or "unknown" outside a server (tests). */
function clientOf(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? "unknown";
  } catch {
    return "unknown";
  }
}

export function mountLogin(ui: UiApp, deps: DashboardDeps): void {
  const throttle = createLoginThrottle({ maxFailures: 10, windowMs: 60_000 });
  ui.get("/login", (c) => c.body(loginPage(deps, safeNext(c.req.query("next")), null), 200, uiHeaders));
  ui.post("/login", async (c) => {
    const form = await c.req.parseBody();
    const password = typeof form.password === "string" ? form.password : "";
    const next = safeNext(typeof form.next === "string" ? form.next : undefined);
    const client = clientOf(c);
    const now = deps.clock.now();
    if (throttle.blocked(client, now)) {
      return c.body(
        loginPage(deps, next, "Too many wrong passwords from here: wait a minute, then try again."),
        429,
        { ...uiHeaders, "Retry-After": "60" },
      );
    }
    if (!deps.sessions.checkPassword(password)) {
      throttle.failed(client, now);
      deps.logger.warn({ path: "/ui/login", client }, "dashboard login refused: wrong password");
      return c.body(
        loginPage(deps, next, "That is not an API key or the dashboard password."),
        401,
        uiHeaders,
      );
    }
    throttle.succeeded(client);
    const { cookie } = deps.sessions.issue(deps.clock.now());
    setCookie(c, SESSION_COOKIE, cookie, {
      path: "/ui",
      httpOnly: true,
      sameSite: "Strict",
      secure: secure(c),
      maxAge: Math.floor(deps.sessions.ttlMs / 1000),
    });
    return c.redirect(next, 303);
  });
}

/** The session for every route after it; POSTs also need the session's CSRF token (form field `csrf`). */
export function requireSession(deps: DashboardDeps): MiddlewareHandler<UiEnv> {
  return async (c, next) => {
    const session = deps.sessions.read(getCookie(c, SESSION_COOKIE), deps.clock.now());
    if (!session) {
      if (c.req.method === "GET" || c.req.method === "HEAD") {
        const url = new URL(c.req.url);
        return c.redirect(`/ui/login?next=${encodeURIComponent(url.pathname + url.search)}`, 302);
      }
      return c.body("log in first: /ui/login\n", 403, { "Content-Type": "text/plain; charset=utf-8" });
    }
    const csrf = deps.sessions.csrfToken(session);
    if (c.req.method === "POST") {
      const form = await c.req.parseBody();
      if (!deps.sessions.validCsrf(session, typeof form.csrf === "string" ? form.csrf : undefined)) {
        deps.logger.warn({ path: c.req.path }, "dashboard POST refused: missing or wrong CSRF token");
        return c.body(
          "this form is out of date or not ours (CSRF token): reload the page and try again\n",
          403,
          {
            "Content-Type": "text/plain; charset=utf-8",
          },
        );
      }
    }
    c.set("session", session);
    c.set("csrf", csrf);
    await next();
  };
}

export function mountLogout(ui: UiApp): void {
  ui.post("/logout", (c) => {
    deleteCookie(c, SESSION_COOKIE, { path: "/ui" });
    return c.redirect("/ui/login", 303);
  });
}
