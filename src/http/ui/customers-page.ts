/**
 * GET /ui/customers?email=…: find a customer by email (an exact address opens their
 * timeline; otherwise the addresses starting with what was typed, in order, a page at a
 * time). GET /ui/customers/:email: their timeline as a page (src/store/timeline.ts):
 * who they are and what they chose, their suppression, what they own, events, runs,
 * messages (each opens its rendered HTML), replies with their new text, mail that could
 * not be understood.
 */
import type { Context } from "hono";
import { describeFrequency, type Preferences, preferenceView } from "../../consent/preferences.js";
import { html, type SafeHtml } from "../page.js";
import type { DashboardDeps, UiApp, UiEnv } from "./deps.js";
import { when } from "./format.js";
import { uiHeaders, uiPage } from "./layout.js";
import { notFound } from "./problems.js";

const searchForm = (value: string) => html`<form method="get" action="/ui/customers" role="search">
<p><label for="email">Email address (or its beginning)</label>
<input type="search" id="email" name="email" value="${value}" autocomplete="off" maxlength="254"></p>
<p><button type="submit">Find</button></p>
</form>`;

/** What the customer chose, in words: "all mail stopped", topics turned off, their own limit. */
function describePreferences(p: Preferences): string {
  if (Object.keys(p).length === 0) return "none chosen (the brand's defaults)";
  const v = preferenceView(p);
  if (!v.all) return "all mail stopped (transactional mail still goes)";
  const off = Object.entries(v.topics)
    .filter(([, on]) => !on)
    .map(([t]) => t);
  return [
    off.length ? `topics off: ${off.join(", ")}` : "every topic on",
    v.frequency ? `at most ${describeFrequency(v.frequency)}` : "the brand's frequency",
    v.stayInTouch ? "stays in touch after parting with a product" : null,
  ]
    .filter(Boolean)
    .join("; ");
}

const table = (head: string[], rows: SafeHtml[], empty: string) =>
  rows.length
    ? html`<table><thead><tr>${head.map((h) => html`<th scope="col">${h}</th>`)}</tr></thead><tbody>${rows}</tbody></table>`
    : html`<p class="quiet">${empty}</p>`;

export function mountCustomerPages(ui: UiApp, deps: DashboardDeps): void {
  const size = deps.pageSize ?? 25;
  const page = (c: Context<UiEnv>, title: string, body: SafeHtml) =>
    c.body(
      uiPage({ brandName: deps.brandName, title, body, section: "customers", csrf: c.get("csrf") }),
      200,
      uiHeaders,
    );

  ui.get("/customers", async (c) => {
    const typed = (c.req.query("email") ?? "").trim().slice(0, 254);
    if (!typed) return page(c, "Customers", html`<h1>Customers</h1>${searchForm("")}`);
    const exact = await deps.store.findCustomerByEmail(typed);
    if (exact) return c.redirect(`/ui/customers/${encodeURIComponent(exact.email)}`, 302);
    const after = c.req.query("after") ?? "";
    const hits = await deps.store.findCustomers(typed, size + 1, after);
    const shown = hits.slice(0, size);
    const last = shown[shown.length - 1];
    const more = hits.length > size && last;
    const body = html`<h1>Customers</h1>${searchForm(typed)}
<h2>Addresses starting with “${typed}”</h2>
${table(
  ["Email", "Name"],
  shown.map(
    (h) =>
      html`<tr><td><a href="/ui/customers/${encodeURIComponent(h.email)}">${h.email}</a></td><td>${h.name ?? ""}</td></tr>`,
  ),
  "No customer's address starts with that.",
)}
${more ? html`<p><a rel="next" href="/ui/customers?email=${encodeURIComponent(typed)}&amp;after=${encodeURIComponent(last.email)}">More</a></p>` : ""}`;
    return page(c, "Customers", body);
  });

  ui.get("/customers/:email", async (c) => {
    const email = c.req.param("email");
    const t = email.length <= 254 ? await deps.store.timeline(email) : null;
    if (!t) return notFound(c, deps, `No customer with the address ${email}.`);
    const cu = t.customer;
    const prefs = describePreferences(cu.preferences);
    const body = html`<p><a href="/ui/customers">Find another customer</a></p>
<h1>${cu.name ?? cu.email}</h1>
<dl class="totals">
<div><dt>email</dt><dd>${cu.email}</dd></div>
<div><dt>time zone</dt><dd>${cu.timezone ?? "—"}</dd></div>
<div><dt>tags</dt><dd>${cu.tags.join(", ") || "—"}</dd></div>
<div><dt>customer since</dt><dd>${when(cu.createdAt)}</dd></div>
</dl>
<section aria-labelledby="h-prefs"><h2 id="h-prefs">Preferences and suppression</h2>
<p>Preferences: ${prefs}</p>
<p>${t.suppression ? html`<strong>Suppressed</strong> (${t.suppression.reason}) since ${when(t.suppression.createdAt)}: no more mail to this address.` : "Not suppressed."}</p>
</section>
<section aria-labelledby="h-own"><h2 id="h-own">Ownerships</h2>
${table(
  ["Product", "Serial", "Kind", "Status", "Since", "Until"],
  t.ownerships.map(
    (o) =>
      html`<tr><td>${o.product.name ?? o.product.sku} <span class="quiet">${o.product.sku}</span></td><td>${o.serial ?? ""}</td><td>${o.kind}</td><td>${o.status}</td><td>${when(o.startedAt)}</td><td>${when(o.endedAt)}</td></tr>`,
  ),
  "Owns nothing on record.",
)}</section>
<section aria-labelledby="h-msgs"><h2 id="h-msgs">Messages</h2>
${table(
  ["Created", "Template", "Flow", "Status", "Subject", ""],
  t.messages.map(
    (m) =>
      html`<tr data-message="${m.id}"><td>${when(m.createdAt)}</td><td>${m.template}</td><td>${m.flowId ?? ""}</td><td>${m.status}${m.possibleDuplicate ? " (possible duplicate)" : ""}${m.error ? html`<br><span class="quiet">${m.error}</span>` : ""}</td><td>${m.subject ?? ""}</td><td><a href="/ui/messages/${encodeURIComponent(m.id)}">Open<span class="visually-hidden"> ${m.template} of ${when(m.createdAt)}</span></a></td></tr>`,
  ),
  "No messages.",
)}</section>
${
  t.clicks?.length
    ? html`<section aria-labelledby="h-clicks"><h2 id="h-clicks">Links they followed</h2>
${table(
  ["Clicked", "Link", "In the SMS"],
  t.clicks.map((k) => {
    const m = t.messages.find((x) => x.id === k.messageId);
    return html`<tr><td>${when(k.clickedAt)}</td><td>${k.url}</td><td>${m ? html`<a href="/ui/messages/${encodeURIComponent(m.id)}">${m.template}</a>` : k.messageId}</td></tr>`;
  }),
  "",
)}</section>`
    : ""
}
<section aria-labelledby="h-replies"><h2 id="h-replies">Replies and other mail from them</h2>
${
  t.interactions.length
    ? t.interactions.map(
        (
          i,
        ) => html`<article class="item"><p><strong>${i.kind.replace("_", " ")}</strong>${i.toOwnerAddress ? " to the owner line" : ""}, ${when(i.occurredAt)}${i.subject ? html` · “${i.subject}”` : ""}</p>
${i.text ? html`<blockquote>${i.text}</blockquote>` : ""}</article>`,
      )
    : html`<p class="quiet">Nothing from them.</p>`
}
${(t.failedInbound ?? []).map(
  (f) =>
    html`<article class="item"><p><strong>Mail that could not be understood</strong>, ${when(f.receivedAt)} from ${f.envelopeFrom ?? "?"}</p><p class="quiet">${f.error}</p></article>`,
)}</section>
<section aria-labelledby="h-events"><h2 id="h-events">Events</h2>
${table(
  ["Occurred", "Type", "Status", "Id"],
  t.events.map(
    (e) =>
      html`<tr><td>${when(e.occurredAt)}</td><td>${e.type}</td><td>${e.status}${e.error ? html`<br><span class="quiet">${e.error}</span>` : ""}</td><td class="quiet">${e.id}</td></tr>`,
  ),
  "No events.",
)}</section>
<section aria-labelledby="h-runs"><h2 id="h-runs">Flow runs</h2>
${table(
  ["Started", "Flow", "Status", "Steps taken"],
  t.runs.map(
    (r) =>
      html`<tr><td>${when(r.createdAt)}</td><td>${r.flowId}</td><td>${r.status}${r.error ? html`<br><span class="quiet">${r.error}</span>` : ""}</td><td>${r.steps.map((s) => s.stepId).join(" → ")}</td></tr>`,
  ),
  "No runs.",
)}</section>`;
    return page(c, cu.email, body);
  });
}
