/** GET /v1/customers/:email/timeline: everything the store knows of one customer (moments as ISO 8601). */
import type { Hono } from "hono";
import { timelineJson } from "../store/timeline-json.js";
import type { HttpDeps } from "./deps.js";

export function mountTimeline(app: Hono, deps: HttpDeps): void {
  app.get("/v1/customers/:email/timeline", async (c) => {
    const email = c.req.param("email");
    if (email.length > 254) return c.json({ error: "invalid_email", message: "at most 254 characters" }, 400);
    const timeline = await deps.store.timeline(email);
    if (!timeline) return c.json({ error: "not_found", message: `no customer with email ${email}` }, 404);
    return c.json(timelineJson(timeline) as Record<string, unknown>);
  });
}
