/**
 * A customer's timeline as text a person reads top to bottom, oldest first. Every moment is
 * the customer's local time with the zone named (their time zone, else the brand's
 * default, else UTC): `2026-11-30 09:35 Europe/Copenhagen`, recorded details included.
 */
import { describeFrequency, PREFERENCE_CHANGED_EVENT, type Preferences } from "../consent/preferences.js";
import type { EventRow, InteractionRow, MessageRow, Timeline } from "../store/store.js";
import { humanizeInstants, humanTime } from "./human-time.js";

export interface TimelineTextOptions {
  /** Shows each ownership's owner-only address (needs the signing secret). */
  ownerAddressFor?: (ownershipId: string) => string;
  /** The zone for a customer without one of their own (brand.defaultTimezone); default UTC. */
  defaultTimezone?: string;
}

const KIND_LABEL: Record<InteractionRow["kind"], string> = {
  human_reply: "reply",
  auto_reply: "auto-reply",
  bounce: "bounce",
  complaint: "complaint",
  unsubscribe: "unsubscribe",
};

/** Continuation lines, relative to the text column (the time before it is added to each). */
const INDENT = "  ";
const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/** One interaction: who wrote, about what, and (for people) what they said, indented. */
function interactionText(i: InteractionRow, messages: MessageRow[]): string {
  const answered = i.messageId ? messages.find((m) => m.id === i.messageId) : undefined;
  const about = answered ? ` re "${clip(answered.subject ?? answered.template, 50)}"` : "";
  if (i.kind === "bounce" && i.inboundId === null) {
    // Not a mail that came in: our SMTP server refused the message while we sent it.
    const command = typeof i.detail.command === "string" ? ` at ${i.detail.command}` : "";
    const to = answered ? ` to ${answered.toAddress}` : "";
    const type = (i.detail.bounce as { type?: unknown } | undefined)?.type;
    // A block refused the sender or the message, not the address: say it was kept.
    const kind = type === "block" ? "block, address kept" : "hard";
    return `${KIND_LABEL.bounce.padEnd(8)} refused by the SMTP server${command}${to}${about} (${kind}): ${clip(i.text ?? "", 120)}`;
  }
  const via = i.toOwnerAddress ? " to the owner line" : "";
  // A keyword text (HELP, START, STOP) is a command rapport answered itself, not a reply.
  const keyword =
    typeof i.detail.keyword === "string"
      ? `${i.detail.keyword.toUpperCase()} (SMS keyword, answered by rapport)`
      : "";
  const label = keyword && i.kind === "human_reply" ? "keyword" : KIND_LABEL[i.kind];
  let head = `${label.padEnd(8)} from ${i.fromAddress ?? "(unknown)"}${via}${about}${keyword ? `: ${keyword}` : ""}`;
  const bounce = i.detail.bounce as { type?: string; status?: string | null } | undefined;
  if (i.kind === "bounce" && bounce)
    head += ` (${bounce.type ?? "?"}${bounce.status ? ` ${bounce.status}` : ""})`;
  // Whether it stopped mail to an address, and why not when it did not (a forged report, …).
  const suppression = i.detail.suppression as { reason?: unknown } | undefined;
  const decided =
    typeof suppression?.reason === "string" ? [`${INDENT}${clip(suppression.reason, 160)}`] : [];
  if (i.kind !== "human_reply" && i.kind !== "unsubscribe") return [head, ...decided].join("\n");
  const body = (i.text ?? "").split("\n").slice(0, 6);
  return [head, ...decided, ...body.map((l) => `${INDENT}| ${clip(l, 100)}`)].join("\n");
}

/**
 * A sent message one of whose earlier attempts was cut off after it may have reached the
 * server: the recipient may have it more than once (same Message-ID).
 */
export function duplicateNote(m: Pick<MessageRow, "status" | "uncertainAttempts">): string {
  if (m.status !== "sent" || m.uncertainAttempts === 0) return "";
  return ` (sent ${m.uncertainAttempts + 1} times, possible duplicate: an earlier attempt was cut off after it may have reached the server)`;
}

/** "stopped everything · off: product_news · at most one email a week · stays in touch"; "" when nothing was chosen. */
function preferencesText(p: Preferences): string {
  const off = Object.entries(p.topics ?? {})
    .filter(([, on]) => !on)
    .map(([name]) => name);
  return [
    p.all === false && "stopped everything",
    off.length > 0 && `off: ${off.join(", ")}`,
    p.frequency && `at most ${describeFrequency(p.frequency)}`,
    p.stayInTouch && "stays in touch after disposing of a product",
  ]
    .filter(Boolean)
    .join(" · ");
}

/** A preference_changed event: what changed and how (" changed all (one_click)"). */
function changeText(e: EventRow): string {
  const props = e.body.properties ?? {};
  if (e.type !== PREFERENCE_CHANGED_EVENT || typeof props.changed !== "string") return "";
  return ` changed ${props.changed}${typeof props.source === "string" ? ` (${props.source})` : ""}`;
}

export function formatTimeline(t: Timeline, opts: TimelineTextOptions = {}): string {
  const c = t.customer;
  const tz = c.timezone ?? opts.defaultTimezone ?? "UTC";
  const when = (ms: number) => humanTime(ms, tz);
  const lines: string[] = [];
  lines.push(`${c.name ?? "(no name)"} <${c.email}>   customer since ${when(c.createdAt)}`);
  const extra = [
    c.locale && `locale ${c.locale}`,
    c.timezone,
    c.birthday && `birthday ${c.birthday}`,
    c.tags.length > 0 && `tags ${c.tags.join(", ")}`,
  ].filter(Boolean);
  if (extra.length) lines.push(`  ${extra.join(" · ")}`);
  for (const o of t.ownerships) {
    const serial = o.serial ? ` (serial ${o.serial})` : "";
    const state = o.status === "active" ? "owns" : `owned until ${o.endedAt ? when(o.endedAt) : "?"}`;
    lines.push(`  ${state} ${o.product.name ?? o.product.sku}${serial}, ${o.kind} ${when(o.startedAt)}`);
    if (opts.ownerAddressFor && o.status === "active")
      lines.push(`    owner line: ${opts.ownerAddressFor(o.id)}`);
  }
  const chose = preferencesText(c.preferences);
  if (chose) lines.push(`  chose: ${chose}`);
  if (t.suppression?.reason === "unsubscribe") {
    lines.push(`  UNSUBSCRIBED since ${when(t.suppression.createdAt)}: only transactional mail goes out`);
  } else if (t.suppression) {
    const why = t.suppression.reason.replace("_", " ");
    lines.push(`  NOT WRITTEN TO since ${when(t.suppression.createdAt)} (${why})`);
  }
  lines.push("");
  type Row = { at: number; text: string };
  const rows: Row[] = [];
  for (const e of t.events) {
    const product = e.body.product ? ` ${e.body.product.name ?? e.body.product.sku}` : "";
    rows.push({ at: e.occurredAt, text: `event    ${e.type}${product}${changeText(e)}  [${e.id}]` });
    if (e.status === "failed")
      rows.push({ at: e.processedAt ?? e.receivedAt, text: `  FAILED event ${e.id}: ${e.error ?? "?"}` });
  }
  for (const f of t.failedInbound ?? []) {
    const from = f.envelopeFrom ? ` from ${f.envelopeFrom}` : "";
    rows.push({
      at: f.receivedAt,
      text: `inbound  FAILED mail${from} could not be read [${f.id}]: ${f.error}`,
    });
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
    const to = m.audience === "team" ? ` to the team (${m.toAddress})` : "";
    const error = m.error && m.status !== "sent" ? `: ${m.error}` : "";
    rows.push({ at, text: `message  ${m.status.padEnd(7)} ${subject}${to}${duplicateNote(m)}${error}` });
  }
  for (const i of t.interactions) rows.push({ at: i.occurredAt, text: interactionText(i, t.messages) });
  for (const k of t.clicks ?? []) {
    const m = t.messages.find((x) => x.id === k.messageId);
    const sms = m ? ` in SMS "${clip(m.subject ?? m.template, 50)}"` : ` in message ${k.messageId}`;
    rows.push({ at: k.clickedAt, text: `clicked  ${k.url}${sms}` });
  }
  rows.sort((a, b) => a.at - b.at);
  // Recorded details and reasons carry ISO instants ("postponed to 2026-11-30T08:35:00.000Z"): same format as the rest.
  for (const r of rows) {
    const prefix = `${when(r.at)}  `;
    const [first, ...more] = humanizeInstants(r.text, tz).split("\n");
    lines.push(`${prefix}${first}`, ...more.map((l) => `${" ".repeat(prefix.length)}${l}`));
  }
  return lines.join("\n");
}
