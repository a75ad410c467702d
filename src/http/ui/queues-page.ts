/** GET /ui/queues: waiting, active, delayed and failed jobs per queue, as BullMQ counts them. */
import { html } from "../page.js";
import type { DashboardDeps, UiApp } from "./deps.js";
import { uiHeaders, uiPage } from "./layout.js";

export function mountQueuesPage(ui: UiApp, deps: DashboardDeps): void {
  ui.get("/queues", async (c) => {
    const counts = await deps.queueCounts();
    const body = html`<h1>Queues</h1>
<table><thead><tr><th scope="col">Queue</th><th scope="col" class="n">Waiting</th><th scope="col" class="n">Active</th><th scope="col" class="n">Delayed</th><th scope="col" class="n">Failed</th></tr></thead>
<tbody>${counts.map(
      (q) =>
        html`<tr data-queue="${q.name}"><th scope="row">${q.name}</th><td class="n">${q.waiting}</td><td class="n">${q.active}</td><td class="n">${q.delayed}</td><td class="n">${q.failed}</td></tr>`,
    )}</tbody></table>
<p class="quiet">A job failed in BullMQ has used its attempts; the row it names is failed in the store too and shows under Failures, where Retry brings it back.</p>`;
    return c.body(
      uiPage({ brandName: deps.brandName, title: "Queues", body, section: "queues", csrf: c.get("csrf") }),
      200,
      uiHeaders,
    );
  });
}
