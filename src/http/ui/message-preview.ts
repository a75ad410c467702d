/**
 * A message rendered for the dashboard exactly as the delivery job renders it
 * (src/jobs/process-delivery.ts, src/jobs/deliver-sms.ts): its delivery context from the
 * store, its compiled template, templateDataFor, renderMessage (or the SMS template's
 * text). Nothing is sent or changed.
 */
import type { JobDeps } from "../../jobs/deps.js";
import { templateDataFor } from "../../jobs/template-data.js";
import { renderMessage } from "../../templates/render.js";
import type { MessagePreview } from "./deps.js";

const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

export async function previewMessage(
  messageId: string,
  deps: Pick<JobDeps, "store" | "templates" | "smsTemplates" | "brand" | "addresses" | "consentLinks">,
): Promise<MessagePreview> {
  const ctx = await deps.store.deliveryContext(messageId);
  if (!ctx) return { ok: false, reason: `no message with the id ${messageId}` };
  // A text (sent, or asked for as one) is shown as its sms.hbs renders it; a `preferred`
  // message not yet settled to a channel is shown as the email it would otherwise be.
  if (ctx.message.channel === "sms") {
    const sms = deps.smsTemplates?.get(ctx.message.template);
    if (!sms)
      return { ok: false, reason: `SMS template "${ctx.message.template}" is not in config/templates` };
    try {
      const text = sms.text(templateDataFor(ctx, deps.brand, deps.addresses, deps.consentLinks));
      const escaped = text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
      return { ok: true, rendered: { subject: "SMS", html: `<pre>${escaped}</pre>`, text } };
    } catch (err) {
      return { ok: false, reason: `it does not render: ${(err as Error).message}` };
    }
  }
  const template = deps.templates.get(ctx.message.template);
  if (!template)
    return { ok: false, reason: `template "${ctx.message.template}" is not in config/templates` };
  try {
    return {
      ok: true,
      rendered: renderMessage(template, templateDataFor(ctx, deps.brand, deps.addresses, deps.consentLinks)),
    };
  } catch (err) {
    return { ok: false, reason: `it does not render: ${(err as Error).message}` };
  }
}
