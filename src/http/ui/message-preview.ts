/**
 * A message rendered for the dashboard exactly as the delivery job renders it
 * (src/jobs/process-delivery.ts): its delivery context from the store, its compiled
 * template, templateDataFor, renderMessage. Nothing is sent or changed.
 */
import type { JobDeps } from "../../jobs/deps.js";
import { templateDataFor } from "../../jobs/template-data.js";
import { renderMessage } from "../../templates/render.js";
import type { MessagePreview } from "./deps.js";

export async function previewMessage(
  messageId: string,
  deps: Pick<JobDeps, "store" | "templates" | "brand" | "addresses" | "consentLinks">,
): Promise<MessagePreview> {
  const ctx = await deps.store.deliveryContext(messageId);
  if (!ctx) return { ok: false, reason: `no message with the id ${messageId}` };
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
