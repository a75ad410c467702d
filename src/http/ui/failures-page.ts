/**
 * GET /ui/failures?kind=messages|events|inbound: failed rows of one kind with the reason,
 * newest first, a page at a time, each with a "Retry" button. POST /ui/failures/:kind/:id/retry
 * brings it back through the same path as `rapport retry` (src/cli/retry.ts: the row back to
 * queued / received, then its job queued) and says what happened.
 */
import type { FailedKind } from "../../store/store.js";
import { html } from "../page.js";
import type { DashboardDeps, UiApp } from "./deps.js";
import { cursorParam, parseCursor, when } from "./format.js";
import { uiHeaders, uiPage } from "./layout.js";
import { badRequest } from "./problems.js";

const KINDS: Array<[FailedKind, string]> = [
  ["messages", "Messages"],
  ["events", "Events"],
  ["inbound", "Inbound mail"],
];

function kindOf(text: string | undefined): FailedKind | null {
  return KINDS.find(([k]) => k === (text ?? "messages"))?.[0] ?? null;
}

export function mountFailuresPage(ui: UiApp, deps: DashboardDeps): void {
  const size = deps.pageSize ?? 25;
  ui.get("/failures", async (c) => {
    const kind = kindOf(c.req.query("kind"));
    if (!kind) return badRequest(c, deps, `kind: expected one of ${KINDS.map(([k]) => k).join(", ")}`);
    let cursor: ReturnType<typeof parseCursor>;
    try {
      cursor = parseCursor(c.req.query("before"));
    } catch (err) {
      return badRequest(c, deps, (err as Error).message);
    }
    const page = await deps.store.failures(kind, cursor, size);
    const csrf = c.get("csrf");
    const done = c.req.query("retried");
    const body = html`<h1>Failures</h1>
<nav aria-label="Kinds of failure">${KINDS.map(
      ([k, label]) =>
        html`<a href="/ui/failures?kind=${k}"${k === kind ? html` aria-current="page"` : ""}>${label}</a>`,
    )}</nav>
${done ? html`<p role="status">${done}</p>` : ""}
${
  page.items.length
    ? html`<table><thead><tr><th scope="col">When</th><th scope="col">What</th><th scope="col">Customer</th><th scope="col">Reason</th><th scope="col"></th></tr></thead><tbody>
${page.items.map(
  (
    f,
  ) => html`<tr data-failed="${f.id}"><td>${when(f.at)}</td><td>${f.what}<br><span class="quiet">${f.id}</span></td>
<td>${f.customerEmail ? html`<a href="/ui/customers/${encodeURIComponent(f.customerEmail)}">${f.customerEmail}</a>` : "—"}</td>
<td>${f.error ?? "(no reason recorded)"}</td>
<td><form method="post" action="/ui/failures/${kind}/${encodeURIComponent(f.id)}/retry" class="inline"><input type="hidden" name="csrf" value="${csrf}"><button type="submit">Retry<span class="visually-hidden"> ${f.what} ${f.id}</span></button></form></td></tr>`,
)}</tbody></table>`
    : html`<p>No failed ${kind === "inbound" ? "inbound mail" : kind}.</p>`
}
${page.next ? html`<p><a rel="next" href="/ui/failures?kind=${kind}&amp;before=${encodeURIComponent(cursorParam(page.next))}">Older</a></p>` : ""}`;
    return c.body(
      uiPage({ brandName: deps.brandName, title: "Failures", body, section: "failures", csrf }),
      200,
      uiHeaders,
    );
  });

  ui.post("/failures/:kind/:id/retry", async (c) => {
    const kind = kindOf(c.req.param("kind"));
    if (!kind) return badRequest(c, deps, `kind: expected one of ${KINDS.map(([k]) => k).join(", ")}`);
    const id = c.req.param("id");
    const [outcome] = await deps.retry(kind, id);
    const brought = outcome?.reset.length ?? 0;
    deps.logger.info({ kind, id, brought, queued: outcome?.queued ?? 0 }, "retry from the dashboard");
    const said = brought
      ? `${id} brought back${outcome?.queued ? " and queued" : "; the sweeper queues it"}.`
      : `${id} was not failed any more (already retried, or sent): nothing changed.`;
    return c.redirect(`/ui/failures?kind=${kind}&retried=${encodeURIComponent(said)}`, 303);
  });
}
