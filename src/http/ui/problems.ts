/** The dashboard's error pages: what was wrong with the request, in words. */
import type { Context } from "hono";
import { html } from "../page.js";
import type { DashboardDeps, UiEnv } from "./deps.js";
import { uiHeaders, uiPage } from "./layout.js";

export function badRequest(c: Context<UiEnv>, deps: DashboardDeps, problem: string): Response {
  const body = html`<h1>That request did not work</h1><p class="error" role="alert">${problem}</p>`;
  return c.body(
    uiPage({ brandName: deps.brandName, title: "Bad request", body, csrf: c.get("csrf") }),
    400,
    uiHeaders,
  );
}

export function notFound(c: Context<UiEnv>, deps: DashboardDeps, what: string): Response {
  const body = html`<h1>Not found</h1><p>${what}</p>`;
  return c.body(
    uiPage({ brandName: deps.brandName, title: "Not found", body, csrf: c.get("csrf") }),
    404,
    uiHeaders,
  );
}
