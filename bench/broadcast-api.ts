/**
 * Broadcasts through the HTTP API, as an operator starts them (POST /v1/broadcasts) and
 * watches them (GET /v1/broadcasts/:id), and polling for a condition in the store.
 */
import { api } from "./deployment.js";

export interface BroadcastView {
  status: string;
  total: number | null;
  started: number;
  skipped: number;
  done: boolean;
  error: string | null;
}

export async function startBroadcast(
  base: string,
  body: { id: string; flow: string; audience: { sku: string } | { category: string }; properties?: unknown },
): Promise<void> {
  const res = await api(base, "/v1/broadcasts", body);
  if (res.status !== 202) throw new Error(`POST /v1/broadcasts answered ${res.status}: ${await res.text()}`);
}

/** Resolves with the broadcast once it is done (every run created), polling every `everyMs`. */
export async function broadcastDone(base: string, id: string, timeoutMs: number, everyMs = 200) {
  return until(
    async () => {
      const res = await api(base, `/v1/broadcasts/${id}`);
      if (!res.ok) return null;
      const view = (await res.json()) as BroadcastView;
      if (view.done && view.status !== "completed")
        throw new Error(`broadcast ${id}: ${JSON.stringify(view)}`);
      return view.done ? view : null;
    },
    `broadcast ${id} to create every run`,
    timeoutMs,
    everyMs,
  );
}

/** Polls `check` until it returns a value (not null/false), or throws naming `what` after `timeoutMs`. */
export async function until<T>(
  check: () => Promise<T | null | false>,
  what: string,
  timeoutMs: number,
  everyMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== null && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
