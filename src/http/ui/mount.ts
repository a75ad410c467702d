/**
 * The operator's dashboard at /ui: a Hono sub-app of its own, so its session, CSRF check
 * and body limit apply to it alone. /ui/login is open; everything else needs the session.
 */
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { mountLogin, mountLogout, requireSession } from "./auth.js";
import { mountCustomerPages } from "./customers-page.js";
import type { DashboardDeps, UiEnv } from "./deps.js";
import { mountFailuresPage } from "./failures-page.js";
import { mountFlowsPage } from "./flows-page.js";
import { mountInboxPage } from "./inbox-page.js";
import { mountMessagePages } from "./message-page.js";
import { mountQueuesPage } from "./queues-page.js";

/** The dashboard's forms are a few fields. */
export const UI_MAX_BODY_BYTES = 16 * 1024;

export function dashboardApp(deps: DashboardDeps): Hono<UiEnv> {
  const ui = new Hono<UiEnv>();
  ui.use(
    "*",
    bodyLimit({
      maxSize: UI_MAX_BODY_BYTES,
      onError: (c) => c.text(`forms here are limited to ${UI_MAX_BODY_BYTES} bytes\n`, 413),
    }),
  );
  mountLogin(ui, deps);
  ui.use("*", requireSession(deps));
  mountLogout(ui);
  mountFlowsPage(ui, deps);
  mountInboxPage(ui, deps);
  mountCustomerPages(ui, deps);
  mountMessagePages(ui, deps);
  mountFailuresPage(ui, deps);
  mountQueuesPage(ui, deps);
  return ui;
}
