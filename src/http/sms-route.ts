/**
 * The URLs Kannel calls (sms-links.ts builds them), outside /v1: Kannel cannot send our
 * API key, so each carries its own authority instead.
 *
 *   GET /sms/dlr/MESSAGE_ID/TOKEN?status=%d&answer=%A   a delivery report; TOKEN is the
 *     MAC of the message id (sms-tokens.ts), so a report for a guessed id is refused (403).
 *     Kannel's status: 1 delivered, 2 failed (for good: the number is suppressed),
 *     4 buffered, 8 accepted by the operator, 16 rejected by the operator.
 */
import type { Hono } from "hono";
import type { DlrTokens } from "../channels/sms-tokens.js";
import type { SmsDeliveryStatus } from "../store/store.js";
import type { HttpDeps } from "./deps.js";

export interface SmsRouteDeps {
  dlrTokens: DlrTokens;
}

const KANNEL_STATUS: Record<string, SmsDeliveryStatus> = {
  "1": "delivered",
  "2": "failed",
  "4": "buffered",
  "8": "accepted",
  "16": "rejected",
};

export function mountSms(app: Hono, deps: HttpDeps, sms: SmsRouteDeps): void {
  app.get("/sms/dlr/:messageId/:token", async (c) => {
    const { messageId, token } = c.req.param();
    if (!sms.dlrTokens.verify(messageId, token))
      return c.json({ error: "forbidden", message: "the delivery report's token does not match its message" }, 403);
    const raw = c.req.query("status") ?? "";
    const status = KANNEL_STATUS[raw];
    if (!status)
      return c.json(
        { error: "invalid_status", message: `status: expected Kannel's 1, 2, 4, 8 or 16, got ${JSON.stringify(raw)}` },
        400,
      );
    const answer = c.req.query("answer")?.trim().slice(0, 500) || null;
    const found = await deps.store.recordSmsDelivery(messageId, { status, detail: answer }, deps.clock.now());
    if (!found) return c.json({ error: "not_found", message: `no SMS ${messageId}` }, 404);
    if (status === "failed")
      deps.logger.warn({ messageId, answer }, "SMS failed for good at the operator: the number is suppressed");
    return c.json({ status });
  });
}
