/**
 * /healthz and /readyz, for load balancers, orchestrators and people.
 *
 * /healthz: the process answers (no dependency is asked), 200 {"status":"ok"}, as before;
 * a liveness probe that restarted rapport whenever Redis blinked would make things worse.
 * /readyz: whether this process can do its work now: Redis answers PING and the store
 * answers a read. Migrations need no check of their own: the store applies them before it
 * is handed out and the HTTP server listens only after, so a process that answers has
 * them. 200 when all hold, 503 naming the ones that do not. No key: it says nothing about
 * customers.
 */
import type { Hono } from "hono";
import { withTimeout } from "../infra/timeout.js";

/** Resolves true when the part is usable, else with (or rejects with) why not. */
export type ReadinessCheck = () => Promise<true | string>;

export interface HealthDeps {
  /** Named checks, each given `timeoutMs` at most. */
  checks: Record<string, ReadinessCheck>;
  timeoutMs?: number;
}

export function mountHealth(app: Hono, deps: HealthDeps | undefined): void {
  app.get("/healthz", (c) => c.json({ status: "ok" }));
  app.get("/readyz", async (c) => {
    const checks = deps?.checks ?? {};
    const timeoutMs = deps?.timeoutMs ?? 2000;
    const results = await Promise.all(
      Object.entries(checks).map(async ([name, check]) => {
        try {
          return [name, await withTimeout(check(), timeoutMs)] as const;
        } catch (err) {
          return [name, err instanceof Error ? err.message : String(err)] as const;
        }
      }),
    );
    const failing = results.filter(([, r]) => r !== true);
    const body = {
      status: failing.length === 0 ? "ready" : "not_ready",
      checks: Object.fromEntries(results.map(([name, r]) => [name, r === true ? "ok" : r])),
    };
    return c.json(body, failing.length === 0 ? 200 : 503);
  });
}
