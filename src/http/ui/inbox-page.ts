/**
 * GET /ui/inbox: human replies and owner-line mail no person has handled yet, newest
 * first, a page at a time ("Older" follows the keyset cursor), each with who sent it, what
 * they own, the message it answers, its new text, a link to their timeline and a "Mark
 * handled" button. POST /ui/inbox/:id/handled marks it (a second click changes nothing)
 * and comes back to the same page.
 */
import { html } from "../page.js";
import type { DashboardDeps, UiApp } from "./deps.js";
import { cursorParam, parseCursor, when } from "./format.js";
import { uiHeaders, uiPage } from "./layout.js";
import { badRequest } from "./problems.js";

export function mountInboxPage(ui: UiApp, deps: DashboardDeps): void {
  const size = deps.pageSize ?? 25;
  ui.get("/inbox", async (c) => {
    let cursor: ReturnType<typeof parseCursor>;
    try {
      cursor = parseCursor(c.req.query("before"));
    } catch (err) {
      return badRequest(c, deps, (err as Error).message);
    }
    const [page, waiting] = await Promise.all([deps.store.inbox(cursor, size), deps.store.inboxCount()]);
    const csrf = c.get("csrf");
    const here = c.req.url.slice(new URL(c.req.url).origin.length);
    const items = page.items.map((i) => {
      const who = i.customerEmail
        ? html`<a href="/ui/customers/${encodeURIComponent(i.customerEmail)}">${i.customerName ? `${i.customerName} <${i.customerEmail}>` : i.customerEmail}</a>`
        : html`${i.fromAddress ?? "an unknown sender"} <span class="quiet">(not matched to a customer)</span>`;
      const via = i.toOwnerAddress
        ? html`to the owner line${i.productName || i.productSku ? html` of ${i.productName ?? i.productSku}` : ""}`
        : html`a reply${i.messageSubject ? html` to “${i.messageSubject}”` : ""}${i.flowId ? html` (flow ${i.flowId})` : ""}`;
      return html`<article class="item" data-interaction="${i.id}" aria-labelledby="i-${i.id}">
<p id="i-${i.id}"><strong>${i.subject ?? "(no subject)"}</strong></p>
<p>From ${who}, ${via}, ${when(i.occurredAt)}${i.productName && !i.toOwnerAddress ? html` · owns ${i.productName}` : ""}</p>
<blockquote>${i.text ?? "(no new text)"}</blockquote>
<form method="post" action="/ui/inbox/${encodeURIComponent(i.id)}/handled" class="inline">
<input type="hidden" name="csrf" value="${csrf}"><input type="hidden" name="back" value="${here}">
<button type="submit">Mark handled<span class="visually-hidden">: ${i.subject ?? "(no subject)"}</span></button>
</form>
</article>`;
    });
    const body = html`<h1>Inbox</h1>
<p>${waiting} waiting for a person.</p>
${items.length ? items : html`<p>Nothing waits for a person.</p>`}
${page.next ? html`<p><a href="/ui/inbox?before=${encodeURIComponent(cursorParam(page.next))}" rel="next">Older</a></p>` : ""}
${cursor ? html`<p><a href="/ui/inbox">Newest</a></p>` : ""}`;
    return c.body(
      uiPage({ brandName: deps.brandName, title: "Inbox", body, section: "inbox", csrf }),
      200,
      uiHeaders,
    );
  });

  ui.post("/inbox/:id/handled", async (c) => {
    const id = c.req.param("id");
    const form = await c.req.parseBody();
    const changed = await deps.store.markHandled(id, deps.clock.now());
    deps.logger.info({ interactionId: id, changed }, "inbox item marked handled on the dashboard");
    const back =
      typeof form.back === "string" && /^\/ui\/inbox(\?|$)/.test(form.back) ? form.back : "/ui/inbox";
    return c.redirect(back, 303);
  });
}
