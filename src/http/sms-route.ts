/**
 * The URLs Kannel calls (sms-links.ts builds them), outside /v1: Kannel cannot send our
 * API key, so each carries its own authority instead.
 *
 *   GET /sms/dlr/MESSAGE_ID/TOKEN?status=%d&answer=%A   a delivery report; TOKEN is the
 *     MAC of the message id (sms-tokens.ts), so a report for a guessed id is refused (403).
 *     Kannel's status: 1 delivered, 2 failed (for good: the number is suppressed),
 *     4 buffered, 8 accepted by the operator, 16 rejected by the operator.
 *   GET /sms/inbound?secret=S&from=%p&to=%P&text=%a&charset=%C&id=%I   an incoming text,
 *     Kannel's sms-service get-url. S must be SMS_INBOUND_SECRET (constant-time compare,
 *     else 403). The text is stored first (an inbound row, source sms) and queued; the
 *     inbound job does the rest (src/jobs/process-sms.ts). `text` is decoded by `charset`
 *     (UTF-8 with mo-recode; UTF-16BE for a UCS-2 text Kannel could not recode).
 */
import type { Hono } from "hono";
import type { DlrTokens } from "../channels/sms-tokens.js";
import { sameSecret } from "../channels/sms-tokens.js";
import { toE164 } from "../events/phone.js";
import type { SmsDeliveryStatus } from "../store/store.js";
import type { HttpDeps } from "./deps.js";

export interface SmsRouteDeps {
  dlrTokens: DlrTokens;
  /** SMS_INBOUND_SECRET; without it /sms/inbound is not mounted. */
  inboundSecret?: string;
}

/** A query parameter's bytes, %XX by %XX: a UCS-2 text is not UTF-8, so the usual decoding would garble it. */
function rawParam(url: string, name: string): Buffer | null {
  const query = url.split("?")[1] ?? "";
  for (const pair of query.split("&")) {
    const eq = pair.indexOf("=");
    const key = decodeURIComponent((eq < 0 ? pair : pair.slice(0, eq)).replace(/\+/g, " "));
    if (key !== name) continue;
    const value = eq < 0 ? "" : pair.slice(eq + 1);
    const out: number[] = [];
    for (let i = 0; i < value.length; i++) {
      const hex = value.slice(i + 1, i + 3);
      if (value[i] === "%" && /^[0-9a-fA-F]{2}$/.test(hex)) {
        out.push(Number.parseInt(hex, 16));
        i += 2;
      } else if (value[i] === "+") out.push(0x20);
      else out.push(...Buffer.from(value[i] ?? "", "utf8"));
    }
    return Buffer.from(out);
  }
  return null;
}

function decodeText(bytes: Buffer, charset: string): string | null {
  const name = charset.trim().toUpperCase();
  if (name === "UTF-16BE" || name === "UCS-2" || name === "UCS-2BE")
    return Buffer.from(bytes).swap16().toString("utf16le");
  if (name === "" || name === "UTF-8") {
    try {
      return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    } catch {
      return null;
    }
  }
  if (name === "ISO-8859-1" || name === "WINDOWS-1252" || name === "LATIN1") return bytes.toString("latin1");
  return null;
}

/** Kannel passes the sender as the operator gave it: E.164, or its digits without the +. */
function senderOf(raw: string): string | null {
  const trimmed = raw.trim();
  return toE164(trimmed) ?? (/^[0-9]{7,15}$/.test(trimmed) ? toE164(`+${trimmed}`) : null);
}

const KANNEL_STATUS: Record<string, SmsDeliveryStatus> = {
  "1": "delivered",
  "2": "failed",
  "4": "buffered",
  "8": "accepted",
  "16": "rejected",
};

export function mountSms(app: Hono, deps: HttpDeps, sms: SmsRouteDeps): void {
  const inboundSecret = sms.inboundSecret;
  if (inboundSecret)
    app.get("/sms/inbound", async (c) => {
      if (!sameSecret(inboundSecret, c.req.query("secret") ?? ""))
        return c.json({ error: "forbidden", message: "secret: not SMS_INBOUND_SECRET" }, 403);
      const from = senderOf(c.req.query("from") ?? "");
      if (!from)
        return c.json(
          {
            error: "invalid_sms",
            message: `from: expected the sender's number (E.164), got ${JSON.stringify(c.req.query("from") ?? null)}`,
          },
          400,
        );
      const charset = c.req.query("charset") ?? "UTF-8";
      const text = decodeText(rawParam(c.req.url, "text") ?? Buffer.alloc(0), charset);
      if (text === null)
        return c.json(
          {
            error: "invalid_sms",
            message: `text: could not be read as ${charset} (expected UTF-8, UTF-16BE or ISO-8859-1)`,
          },
          400,
        );
      const to = (c.req.query("to") ?? "").trim().slice(0, 32);
      const incoming = {
        from,
        to,
        text: text.slice(0, 10_000),
        gatewayId: c.req.query("id")?.slice(0, 100) || null,
      };
      const inboundId = await deps.acceptInbound({
        source: "sms",
        envelopeFrom: from,
        envelopeTo: to ? [to] : [],
        raw: Buffer.from(JSON.stringify(incoming), "utf8"),
      });
      // Kannel sends no reply from this body (its sms-service has max-messages = 0).
      return c.json({ inboundId });
    });
  app.get("/sms/dlr/:messageId/:token", async (c) => {
    const { messageId, token } = c.req.param();
    if (!sms.dlrTokens.verify(messageId, token))
      return c.json(
        { error: "forbidden", message: "the delivery report's token does not match its message" },
        403,
      );
    const raw = c.req.query("status") ?? "";
    const status = KANNEL_STATUS[raw];
    if (!status)
      return c.json(
        {
          error: "invalid_status",
          message: `status: expected Kannel's 1, 2, 4, 8 or 16, got ${JSON.stringify(raw)}`,
        },
        400,
      );
    const answer = c.req.query("answer")?.trim().slice(0, 500) || null;
    const found = await deps.store.recordSmsDelivery(messageId, { status, detail: answer }, deps.clock.now());
    if (!found) return c.json({ error: "not_found", message: `no SMS ${messageId}` }, 404);
    if (status === "failed")
      deps.logger.warn(
        { messageId, answer },
        "SMS failed for good at the operator: the number is suppressed",
      );
    return c.json({ status });
  });
}
