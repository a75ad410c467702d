/**
 * POST /v1/inbound: raw MIME (Content-Type: message/rfc822) from a mail provider's
 * inbound route (Postmark, SES, Mailgun, SendGrid can all post the raw message). The
 * envelope recipients and sender, when the provider gives them, come as query
 * parameters `to` (repeatable) and `from`. The message is stored before the 202, then
 * queued; understanding it happens in the inbound job.
 */
import type { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { HttpDeps } from "./deps.js";

const ADDRESS = /^[^\s@<>]{1,64}@[^\s@<>]{1,255}$/;

export function mountInbound(app: Hono, deps: HttpDeps): void {
  app.post(
    "/v1/inbound",
    bodyLimit({
      maxSize: deps.inboundMaxBytes,
      onError: (c) =>
        c.json({ error: "too_large", message: `messages are limited to ${deps.inboundMaxBytes} bytes` }, 413),
    }),
    async (c) => {
      const type = (c.req.header("content-type") ?? "").split(";")[0]?.trim().toLowerCase();
      if (type !== "message/rfc822") {
        return c.json(
          {
            error: "unsupported_media_type",
            message: "send the raw message with Content-Type: message/rfc822",
          },
          415,
        );
      }
      const to = c.req.queries("to") ?? [];
      const from = c.req.query("from") ?? null;
      const issues: Array<{ field: string; message: string }> = [];
      to.forEach((address, i) => {
        if (!ADDRESS.test(address)) issues.push({ field: `to[${i}]`, message: "expected an email address" });
      });
      if (to.length > 20) issues.push({ field: "to", message: "at most 20 recipients" });
      if (from !== null && from !== "" && !ADDRESS.test(from)) {
        issues.push({ field: "from", message: "expected an email address (or nothing, for a bounce)" });
      }
      const raw = Buffer.from(await c.req.arrayBuffer());
      if (raw.length === 0) issues.push({ field: "(body)", message: "the message is empty" });
      if (issues.length > 0) {
        return c.json(
          { error: "invalid_inbound", message: "the inbound message was not accepted", issues },
          400,
        );
      }
      const inboundId = await deps.acceptInbound({
        source: "http",
        raw,
        envelopeFrom: from ? from.toLowerCase() : null,
        envelopeTo: to.map((a) => a.toLowerCase()),
      });
      return c.json({ inboundId }, 202);
    },
  );
}
