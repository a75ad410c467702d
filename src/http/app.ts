/**
 * The HTTP API (Hono). Every /v1 route needs a Bearer API key; bodies are capped at
 * 64 KiB; errors are JSON with a machine-readable `error` and a human `message`.
 */
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { apiKeyAuth } from "./auth.js";
import type { HttpDeps } from "./deps.js";
import { mountEvents } from "./events-route.js";
import { mountTimeline } from "./timeline-route.js";

export const MAX_BODY_BYTES = 64 * 1024;

export function createHttpApp(deps: HttpDeps): Hono {
  const app = new Hono();
  app.get("/healthz", (c) => c.json({ status: "ok" }));
  app.use(
    "/v1/*",
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: (c) =>
        c.json({ error: "too_large", message: `bodies are limited to ${MAX_BODY_BYTES} bytes` }, 413),
    }),
  );
  app.use("/v1/*", apiKeyAuth(deps.apiKeys));
  mountEvents(app, deps);
  mountTimeline(app, deps);
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
