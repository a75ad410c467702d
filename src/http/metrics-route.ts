/**
 * GET /metrics in Prometheus's text format (src/metrics). Prometheus usually scrapes
 * without credentials on a private network, so it is open by default (bind HOST to a
 * private address); with METRICS_TOKEN set it needs `Authorization: Bearer <token>`
 * (Prometheus: `authorization: { credentials: … }`). Not the API keys: a scraper's
 * secret should not be able to post events.
 */
import type { Hono } from "hono";
import type { Metrics } from "../metrics/metrics.js";
import { apiKeyAuth } from "./auth.js";

export function mountMetrics(app: Hono, metrics: Metrics, token: string | undefined): void {
  if (token) app.use("/metrics", apiKeyAuth([token]));
  app.get("/metrics", async (c) => {
    const { contentType, body } = await metrics.render();
    return c.body(body, 200, { "content-type": contentType });
  });
}
