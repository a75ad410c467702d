/** A customer's timeline as text a person reads top to bottom, oldest first. */
import type { Timeline } from "../store/store.js";

const when = (ms: number) => new Date(ms).toISOString().replace("T", " ").slice(0, 16);

export function formatTimeline(t: Timeline): string {
  const c = t.customer;
  const lines: string[] = [];
  lines.push(`${c.name ?? "(no name)"} <${c.email}>   customer since ${when(c.createdAt)}`);
  const extra = [c.locale && `locale ${c.locale}`, c.timezone, c.birthday && `birthday ${c.birthday}`].filter(
    Boolean,
  );
  if (extra.length) lines.push(`  ${extra.join(" · ")}`);
  for (const o of t.ownerships) {
    const serial = o.serial ? ` (serial ${o.serial})` : "";
    const state = o.status === "active" ? "owns" : `owned until ${o.endedAt ? when(o.endedAt) : "?"}`;
    lines.push(`  ${state} ${o.product.name ?? o.product.sku}${serial}, ${o.kind} ${when(o.startedAt)}`);
  }
  lines.push("");
  type Row = { at: number; text: string };
  const rows: Row[] = [];
  for (const e of t.events) {
    const product = e.body.product ? ` ${e.body.product.name ?? e.body.product.sku}` : "";
    rows.push({ at: e.occurredAt, text: `event    ${e.type}${product}  [${e.id}]` });
  }
  for (const r of t.runs) {
    rows.push({ at: r.createdAt, text: `flow     ${r.flowId} started (run ${r.id.slice(0, 8)})` });
    for (const s of r.steps) {
      if (s.stepType === "send") continue; // the message row below says more
      rows.push({ at: s.at, text: `  ${s.stepType.padEnd(6)} ${s.stepId}${s.detail ? ` ${s.detail}` : ""}` });
    }
    if (r.completedAt)
      rows.push({
        at: r.completedAt,
        text: `flow     ${r.flowId} ${r.status}${r.error ? `: ${r.error}` : ""}`,
      });
    else if (r.status === "waiting" && r.wakeAt)
      rows.push({ at: r.wakeAt, text: `(next)   ${r.flowId} wakes up` });
  }
  for (const m of t.messages) {
    const at = m.sentAt ?? m.updatedAt;
    const subject = m.subject ? `"${m.subject}"` : `(${m.template})`;
    rows.push({ at, text: `message  ${m.status.padEnd(7)} ${subject}${m.error ? `: ${m.error}` : ""}` });
  }
  rows.sort((a, b) => a.at - b.at);
  for (const r of rows) lines.push(`${when(r.at)}  ${r.text}`);
  return lines.join("\n");
}
