/**
 * POST /v1/events: validate, store (idempotent on id), answer 202, queue.
 * The event is in the store before the answer, so a 202 is a promise kept even if
 * Redis is away: queueing then fails softly and the sweeper queues it later.
 * A type no flow and no built-in knows is accepted too (events are data) but answered
 * with `warnings` (did-you-mean and the known types) and logged once per type.
 */
import type { Hono } from "hono";
import { describeIssues, eventBodySchema } from "../events/event-body.js";
import { unknownTypeWarning } from "../flows/event-types.js";
import { withTimeout } from "../infra/timeout.js";
import type { HttpDeps } from "./deps.js";
import { readJsonBody, tooLarge } from "./json-body.js";

const QUEUE_TIMEOUT_MS = 2000;

export function mountEvents(app: Hono, deps: HttpDeps): void {
  // Each unknown type is logged once per process: a sender with a typo sends it all day.
  const unknownLogged = new Set<string>();
  const MAX_LOGGED_TYPES = 1000;
  app.post("/v1/events", async (c) => {
    const body = await readJsonBody(c);
    if (!body.ok) {
      if (body.problem === "too_large") return tooLarge(c);
      return c.json(
        { error: "invalid_json", message: "the body must be JSON (Content-Type: application/json)" },
        400,
      );
    }
    const parsed = eventBodySchema.safeParse(body.value);
    if (!parsed.success) {
      return c.json(
        {
          error: "invalid_event",
          message: "the event has invalid fields",
          issues: describeIssues(parsed.error),
        },
        400,
      );
    }
    const { eventId, duplicate, event } = await deps.store.recordEvent(parsed.data, deps.clock.now());
    if (!duplicate) deps.metrics?.eventReceived(parsed.data.type);
    if (!duplicate || event.status === "received") {
      try {
        // A first-time event needs no look at what its job id holds (queues.ts: addNewEvent).
        const queued = duplicate ? deps.queues.addEvent(eventId) : deps.queues.addNewEvent(eventId);
        await withTimeout(queued, QUEUE_TIMEOUT_MS);
      } catch (err) {
        deps.logger.warn(
          { eventId, err: (err as Error).message },
          "event stored but not queued; the sweeper will queue it",
        );
      }
    }
    const warning = deps.knownEventTypes ? unknownTypeWarning(parsed.data.type, deps.knownEventTypes) : null;
    if (!warning) return c.json({ eventId, duplicate }, 202);
    if (!unknownLogged.has(parsed.data.type) && unknownLogged.size < MAX_LOGGED_TYPES) {
      unknownLogged.add(parsed.data.type);
      deps.logger.warn({ eventId, type: parsed.data.type }, warning);
    }
    return c.json({ eventId, duplicate, warnings: [warning] }, 202);
  });
}
