/**
 * POST /v1/broadcasts: run a flow for every active owner of a product or category (and a
 * category's former owners who stay in touch).
 * Stored (idempotent on id) before the 202, then queued; if queueing fails the sweeper
 * queues it later. GET /v1/broadcasts/:id: how far it got.
 */
import type { Hono } from "hono";
import { parseBroadcastBody } from "../events/broadcast-body.js";
import type { EventTrigger, Flow } from "../flows/types.js";
import { withTimeout } from "../infra/timeout.js";
import type { BroadcastRow } from "../store/store.js";
import type { HttpDeps } from "./deps.js";

const QUEUE_TIMEOUT_MS = 2000;

export interface BroadcastRouteDeps {
  flows: ReadonlyMap<string, Flow>;
  addBroadcast(broadcastId: string): Promise<void>;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** What GET answers (and the CLI's progress bar reads). */
export function broadcastView(b: BroadcastRow) {
  return {
    broadcastId: b.id,
    flow: b.flowId,
    audience: b.audience,
    properties: b.properties,
    status: b.status,
    /** Active owners in the audience when the broadcast started; null while queued. */
    total: b.total,
    /** Runs created. */
    started: b.started,
    /** Owners the flow's `where` or entry rule turned away. */
    skipped: b.skipped,
    done: b.status === "completed" || b.status === "failed",
    error: b.error,
    createdAt: iso(b.createdAt),
    updatedAt: iso(b.updatedAt),
    finishedAt: iso(b.finishedAt),
  };
}

export function mountBroadcasts(app: Hono, deps: HttpDeps, broadcasts: BroadcastRouteDeps): void {
  app.post("/v1/broadcasts", async (c) => {
    let raw: unknown;
    try {
      raw = await c.req.json();
    } catch {
      return c.json(
        { error: "invalid_json", message: "the body must be JSON (Content-Type: application/json)" },
        400,
      );
    }
    // Only flows started by an event can be broadcast; date-triggered ones run on their own dates.
    const eventFlows = [...broadcasts.flows.values()].filter((f) => "event" in f.trigger).map((f) => f.id);
    const parsed = parseBroadcastBody(raw, eventFlows);
    if (!parsed.ok) {
      return c.json(
        { error: "invalid_broadcast", message: "the broadcast has invalid fields", issues: parsed.issues },
        400,
      );
    }
    const { body } = parsed;
    const flow = broadcasts.flows.get(body.flow) as Flow & { trigger: EventTrigger };
    const { broadcast, duplicate } = await deps.store.createBroadcast(
      {
        ...(body.id ? { id: body.id } : {}),
        flowId: flow.id,
        eventType: flow.trigger.event,
        audience:
          body.audience.sku !== undefined
            ? { sku: body.audience.sku }
            : { category: body.audience.category as string },
        properties: body.properties ?? {},
      },
      deps.clock.now(),
    );
    if (broadcast.status === "queued" || broadcast.status === "running") {
      try {
        await withTimeout(broadcasts.addBroadcast(broadcast.id), QUEUE_TIMEOUT_MS);
      } catch (err) {
        deps.logger.warn(
          { broadcastId: broadcast.id, err: (err as Error).message },
          "broadcast stored but not queued; the sweeper will queue it",
        );
      }
    }
    return c.json({ broadcastId: broadcast.id, duplicate }, 202);
  });

  app.get("/v1/broadcasts/:id", async (c) => {
    const id = c.req.param("id");
    const broadcast = id.length <= 128 ? await deps.store.getBroadcast(id) : null;
    if (!broadcast) return c.json({ error: "not_found", message: `no broadcast ${id}` }, 404);
    return c.json(broadcastView(broadcast));
  });
}
