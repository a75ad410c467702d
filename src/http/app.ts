/**
 * The HTTP API (Hono). Every /v1 route needs a Bearer API key; JSON bodies are capped at
 * 64 KiB (raw mail on /v1/inbound at INBOUND_MAX_BYTES); errors are JSON with a machine-readable `error` and a human `message`.
 * Outside /v1, the pages customers open from their emails (/u/TOKEN: unsubscribe, /p/TOKEN:
 * their preferences), which need no key (the signed token is the authority) and answer in HTML;
 * and the operator's dashboard at /ui (src/http/ui), behind its own login.
 */
import { Hono } from "hono";
import { apiKeyAuth } from "./auth.js";
import { mountBroadcasts } from "./broadcasts-route.js";
import type { HttpDeps } from "./deps.js";
import { mountEvents } from "./events-route.js";
import { mountHealth } from "./health-route.js";
import { mountInbound } from "./inbound-route.js";
import { jsonBodyLimit } from "./json-body.js";
import { mountMetrics } from "./metrics-route.js";
import { mountPreferences } from "./preferences-route.js";
import { mountShortLinks } from "./short-link-route.js";
import { mountSms } from "./sms-route.js";
import { mountTimeline } from "./timeline-route.js";
import { mountTwilio } from "./twilio-route.js";
import { dashboardApp } from "./ui/mount.js";
import { mountUnsubscribe } from "./unsubscribe-route.js";

export { MAX_BODY_BYTES } from "./json-body.js";

export function createHttpApp(deps: HttpDeps): Hono {
  const app = new Hono();
  mountHealth(app, deps.health);
  if (deps.metrics) mountMetrics(app, deps.metrics, deps.metricsToken);
  const jsonLimit = jsonBodyLimit();
  app.use("/v1/*", apiKeyAuth(deps.apiKeys));
  // Raw mail has its own (larger) limit on its route; everything else is small JSON.
  app.use("/v1/*", (c, next) => (c.req.path === "/v1/inbound" ? next() : jsonLimit(c, next)));
  mountEvents(app, deps);
  mountInbound(app, deps);
  mountTimeline(app, deps);
  if (deps.broadcasts) mountBroadcasts(app, deps, deps.broadcasts);
  if (deps.consent) {
    mountUnsubscribe(app, deps, deps.consent);
    mountPreferences(app, deps, deps.consent);
  }
  if (deps.sms) mountSms(app, deps, deps.sms);
  if (deps.twilio) mountTwilio(app, deps, deps.twilio);
  if (deps.shortLinks) mountShortLinks(app, deps, deps.shortLinks);
  if (deps.dashboard) {
    app.get("/ui/", (c) => c.redirect("/ui", 301));
    app.route("/ui", dashboardApp(deps.dashboard));
  }
  app.notFound((c) => c.json({ error: "not_found", message: `no route ${c.req.method} ${c.req.path}` }, 404));
  app.onError((err, c) => {
    deps.logger.error({ err, path: c.req.path }, "request failed");
    return c.json(
      { error: "internal", message: "something went wrong on our side; the request was not accepted" },
      500,
    );
  });
  return app;
}
