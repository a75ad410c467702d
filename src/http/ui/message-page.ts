/**
 * GET /ui/messages/:id: one message (who, which template and flow, its status) with its
 * HTML in a sandboxed frame. The HTML is rendered again from the template with the data it
 * is sent with (rapport keeps no copy of what went out), so a template changed since shows
 * its new text. GET /ui/messages/:id/html serves that HTML alone, under a Content-Security-
 * Policy that allows no scripts, no forms, no plugins and only this server to frame it
 * (`sandbox` in the policy and on the iframe both), so a message's HTML can do nothing
 * in the dashboard's origin.
 */
import { html } from "../page.js";
import type { DashboardDeps, UiApp } from "./deps.js";
import { when } from "./format.js";
import { uiHeaders, uiPage } from "./layout.js";
import { notFound } from "./problems.js";

const FRAME_HEADERS: Record<string, string> = {
  "Content-Type": "text/html; charset=utf-8",
  "Cache-Control": "no-store",
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "X-Frame-Options": "SAMEORIGIN",
  "Content-Security-Policy":
    "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data: https:; font-src data: https:; frame-ancestors 'self'",
};

export function mountMessagePages(ui: UiApp, deps: DashboardDeps): void {
  ui.get("/messages/:id", async (c) => {
    const id = c.req.param("id");
    const m = await deps.store.getMessage(id);
    if (!m) return notFound(c, deps, `No message with the id ${id}.`);
    const customer = await deps.store.getCustomer(m.customerId);
    const preview = await deps.preview(id);
    const frameSrc = `/ui/messages/${encodeURIComponent(id)}/html`;
    const body = html`${customer ? html`<p><a href="/ui/customers/${encodeURIComponent(customer.email)}">Back to ${customer.email}</a></p>` : ""}
<h1>${preview.ok ? preview.rendered.subject : (m.subject ?? m.template)}</h1>
<dl class="totals">
<div><dt>to</dt><dd>${m.toAddress}</dd></div>
<div><dt>template</dt><dd>${m.template}</dd></div>
<div><dt>flow</dt><dd>${m.flowId ?? "—"}</dd></div>
<div><dt>status</dt><dd>${m.status}</dd></div>
<div><dt>created</dt><dd>${when(m.createdAt)}</dd></div>
<div><dt>sent</dt><dd>${when(m.sentAt)}</dd></div>
</dl>
${m.error ? html`<p class="error">${m.error}</p>` : ""}
${
  preview.ok
    ? html`<p class="quiet">Rendered now from the template and the data it is sent with.</p>
<iframe src="${frameSrc}" sandbox="" title="The message as HTML" referrerpolicy="no-referrer"></iframe>`
    : html`<p class="error" role="alert">It cannot be shown: ${preview.reason}</p>`
}`;
    return c.body(
      uiPage({
        brandName: deps.brandName,
        title: `Message ${m.template}`,
        body,
        section: "customers",
        csrf: c.get("csrf"),
      }),
      200,
      uiHeaders,
    );
  });

  ui.get("/messages/:id/html", async (c) => {
    const preview = await deps.preview(c.req.param("id"));
    if (!preview.ok)
      return c.body(`cannot show it: ${preview.reason}\n`, 404, {
        ...FRAME_HEADERS,
        "Content-Type": "text/plain; charset=utf-8",
      });
    return c.body(preview.rendered.html, 200, FRAME_HEADERS);
  });
}
