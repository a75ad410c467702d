/**
 * What the dashboard (/ui) is given. Built by the composition root (src/main.ts) from the
 * parts it already has; tests pass their own. Every outside effect is a function here, so
 * the routes hold no state of their own.
 */
import type { Hono } from "hono";
import type { RetryOutcome } from "../../cli/retry.js";
import type { Flow } from "../../flows/types.js";
import type { Clock } from "../../infra/clock.js";
import type { Logger } from "../../infra/logger.js";
import type { FailedKind, Store } from "../../store/store.js";
import type { RenderedMessage } from "../../templates/render.js";
import type { QueueCounts } from "./queue-counts.js";
import type { Session, Sessions } from "./session.js";

export type MessagePreview = { ok: true; rendered: RenderedMessage } | { ok: false; reason: string };

export interface DashboardDeps {
  store: Store;
  flows: ReadonlyMap<string, Flow>;
  sessions: Sessions;
  clock: Clock;
  logger: Logger;
  brandName: string;
  /** BullMQ's own numbers per queue. */
  queueCounts(): Promise<QueueCounts[]>;
  /** Brings one failed row back and queues it (src/cli/retry.ts's retryFailed). */
  retry(kind: FailedKind, id: string): Promise<RetryOutcome[]>;
  /** A message rendered from its template and the data it is sent with. */
  preview(messageId: string): Promise<MessagePreview>;
  /** Rows per page of the inbox, the failures, the customer search (default 25). */
  pageSize?: number;
}

/** The sub-app's context: the session the auth middleware found. */
export type UiEnv = { Variables: { session: Session; csrf: string } };
export type UiApp = Hono<UiEnv>;
