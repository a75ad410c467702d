/**
 * `rapport simulate FLOW --customer file.json --days 400`: the dated timeline of what one
 * customer would receive from a flow, on a virtual clock (src/flows/simulate.ts), with the
 * subjects rendered from the real templates. Nothing is stored, queued or sent.
 *
 * The customer file (all but `customer.email` optional):
 *   { "customer": { "email", "name", "timezone", "locale", "birthday", "attributes" },
 *     "product": { "sku", "name", "serial", "category" },
 *     "preferences": { "topics", "frequency", "stayInTouch", "all" }  what they chose (conditions, templates)
 *     "tags": ["vip"],                              the customer's tags (customer.tags works too)
 *     "ownership": { "started", "status", "kind" }, default: started at "start", active
 *     "event": { "type", "properties" },            default: the flow's trigger event
 *     "start": "2026-12-01T09:00:00Z",              default: now
 *     "replies": ["5 days", "2027-01-10T12:00:00Z"] durations after start, or dates
 *     "events": [{ "type": "purchase", "at": "20 days", "properties": {} }]  later events }
 * Date-triggered flows (birthday, anniversary) start on their dates, every year within --days.
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { resolveChannel, smsConsentVerdict, smsPolicy } from "../channels/sms-policy.js";
import { type Brand, loadBrand } from "../config/brand.js";
import { consentVerdict, customerPolicy } from "../consent/hold-back.js";
import { preferencesSchema, preferenceView } from "../consent/preferences.js";
import { eventBodySchema } from "../events/event-body.js";
import { timezoneFor } from "../flows/dates.js";
import { parseDuration } from "../flows/duration.js";
import { scalePolicy } from "../flows/send-policy.js";
import { type SimulatedEntry, simulate } from "../flows/simulate.js";
import { wallClock } from "../flows/time.js";
import type { Flow, SendChannel, TriggerFacts } from "../flows/types.js";
import { brandTemplateData, firstNameOf, ownerMailbox } from "../jobs/template-data.js";
import type { TemplateData } from "../templates/data.js";
import { templateHandlebars } from "../templates/environment.js";
import { cleanSubject } from "../templates/render.js";

const DAY = 24 * 3600_000;

const when = z.string().refine((s) => parseDuration(s) !== null || !Number.isNaN(Date.parse(s)), {
  message: 'expected a duration after the start ("5 days") or a date ("2027-01-10T12:00:00Z")',
});

const tags = z.array(z.string().min(1).max(100)).max(100);

export const customerFileSchema = z.strictObject({
  customer: eventBodySchema.shape.customer.extend({ tags: tags.optional() }),
  product: eventBodySchema.shape.product,
  preferences: preferencesSchema.optional(),
  tags: tags.optional(),
  ownership: z
    .strictObject({
      started: z.union([z.iso.date(), z.iso.datetime({ offset: true })]).optional(),
      status: z.enum(["active", "disposed"]).optional(),
      kind: z.enum(["registration", "purchase"]).optional(),
    })
    .optional(),
  // Other products the customer has (for `owns` conditions), besides the file's product.
  owns: z
    .array(z.strictObject({ sku: z.string().min(1), category: z.string().min(1).optional() }))
    .max(100)
    .optional(),
  event: z.strictObject({ type: z.string().min(1), properties: eventBodySchema.shape.properties }).optional(),
  start: z.iso.datetime({ offset: true }).optional(),
  // "5 days", or what the customer writes then: { "at": "5 days", "text": "Mostly jazz" }.
  replies: z
    .array(z.union([when, z.strictObject({ at: when, text: z.string().min(1).max(1000) })]))
    .max(1000)
    .optional(),
  events: z
    .array(
      z.strictObject({ type: z.string().min(1), at: when, properties: eventBodySchema.shape.properties }),
    )
    .max(1000)
    .optional(),
});
export type CustomerFile = z.infer<typeof customerFileSchema>;

export async function readCustomerFile(file: string): Promise<CustomerFile> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, "utf8"));
  } catch (err) {
    throw new Error(`${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const parsed = customerFileSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${file}: ${i.path.join(".") || "(file)"}: ${i.message}`);
    throw new Error(lines.join("\n"));
  }
  return parsed.data;
}

/**
 * What simulate needs of the configuration: the brand, and each template's subject. Only
 * the subjects are compiled (no MJML), so a dry run starts in a fraction of a second;
 * `rapport validate` checks the rest.
 */
export interface SimulationConfig {
  brand: Brand;
  /** The rendered subject of `template` for `data`; throws when it would fail; null when there is no such template. */
  subjectOf(template: string, data: TemplateData): string | null;
}

export async function loadSimulationConfig(configDir: string): Promise<SimulationConfig> {
  const brand = await loadBrand(join(configDir, "rapport.yaml"));
  const compiled = new Map<string, ((data: TemplateData) => string) | null>();
  const subjects = new Map<string, string | null>();
  for (const name of await readdir(join(configDir, "templates")).catch(() => [])) {
    subjects.set(
      name,
      await readFile(join(configDir, "templates", name, "subject.hbs"), "utf8").catch(() => null),
    );
  }
  return {
    brand,
    subjectOf(template, data) {
      if (!compiled.has(template)) {
        const source = subjects.get(template);
        compiled.set(
          template,
          source == null
            ? null
            : templateHandlebars.compile<TemplateData>(source, { strict: true, noEscape: true }),
        );
      }
      const render = compiled.get(template);
      return render ? cleanSubject(render(data)) : null;
    },
  };
}

function templateDataFor(file: CustomerFile, flow: Flow, project: SimulationConfig): TemplateData {
  const c = file.customer;
  const brand = project.brand;
  return {
    customer: {
      email: c.email,
      name: c.name ?? null,
      firstName: firstNameOf(c.name ?? null),
      locale: c.locale ?? null,
      timezone: c.timezone ?? null,
      birthday: c.birthday ?? null,
      attributes: c.attributes ?? {},
      preferences: preferenceView(file.preferences ?? {}),
    },
    product: file.product
      ? {
          sku: file.product.sku,
          name: file.product.name ?? null,
          category: file.product.category ?? null,
          serial: file.product.serial ?? null,
        }
      : null,
    brand: brandTemplateData(brand),
    event: { type: file.event?.type ?? triggerEventType(flow), properties: file.event?.properties ?? {} },
    message: { id: "00000000-0000-4000-8000-000000000000" },
    ownerAddress: file.product ? `reply+o…@${brand.replyDomain}` : null,
    ownerMailbox: file.product
      ? ownerMailbox(
          { sku: file.product.sku, name: file.product.name ?? null },
          `reply+o…@${brand.replyDomain}`,
        )
      : null,
    replyAddress: `reply+m…@${brand.replyDomain}`,
    // Nothing is sent: placeholders in the shape of the real links (RAPPORT_PUBLIC_URL/…/TOKEN).
    preferencesUrl: "http://127.0.0.1:3000/p/…",
    unsubscribeUrl: "http://127.0.0.1:3000/u/…",
  };
}

/** The event a run of this flow starts from: its trigger's, or "date" for date triggers. */
function triggerEventType(flow: Flow): string {
  return "event" in flow.trigger ? flow.trigger.event : "date";
}

export interface SimulationReport {
  entries: SimulatedEntry[];
  text: string;
}

/** A duration after `start` ("5 days") or a date, as epoch ms. */
function whenOf(text: string, start: number): number {
  const after = parseDuration(text);
  return after !== null ? start + after : Date.parse(text);
}

/** The facts the jobs would build for this customer (trigger-facts.ts), from the file. */
export function factsOf(file: CustomerFile, flow: Flow, start: number): TriggerFacts {
  const { tags: ownTags, ...customer } = file.customer;
  const kind = file.event?.type ?? triggerEventType(flow);
  return {
    event: { type: kind, properties: file.event?.properties ?? {} },
    customer: {
      ...customer,
      tags: [...new Set([...(ownTags ?? []), ...(file.tags ?? [])])].sort(),
      attributes: file.customer.attributes ?? {},
      preferences: preferenceView(file.preferences ?? {}),
    },
    product: file.product ? { ...file.product } : undefined,
    ownership: file.product
      ? {
          status: file.ownership?.status ?? "active",
          started: file.ownership?.started ?? new Date(start).toISOString(),
          kind: file.ownership?.kind ?? (kind === "purchase" ? "purchase" : "registration"),
        }
      : undefined,
    // What `owns` sees: the file's product (as its ownership stands) and the others it lists.
    ownerships: [
      ...(file.product
        ? [
            {
              sku: file.product.sku,
              category: file.product.category ?? null,
              status: file.ownership?.status ?? "active",
              startedAt: Date.parse(file.ownership?.started ?? new Date(start).toISOString()),
              kind: file.ownership?.kind ?? (kind === "purchase" ? "purchase" : "registration"),
            },
          ]
        : []),
      ...(file.owns ?? []).map((o) => ({
        sku: o.sku,
        category: o.category ?? null,
        status: "active" as const,
        startedAt: start,
        kind: "purchase" as const,
      })),
    ],
  };
}

export function simulateForCustomer(
  flow: Flow,
  file: CustomerFile,
  project: SimulationConfig,
  opts: { days: number; now: number; waitScale?: number },
): SimulationReport {
  const start = file.start ? Date.parse(file.start) : opts.now;
  const facts = factsOf(file, flow, start);
  const brand = project.brand;
  const timezone = timezoneFor(facts, brand.defaultTimezone);
  const preferences = file.preferences ?? {};
  const who = { name: file.customer.name ?? null, email: file.customer.email, preferences };
  // `channel: preferred` as the delivery settles it (sms-policy.ts), on the file's customer.
  const smsCustomer = {
    phone: file.customer.phone ?? null,
    smsConsent: file.customer.consent?.sms ?? null,
    smsConsentSource: null,
    smsConsentAt: null,
    attributes: file.customer.attributes ?? {},
  };
  const channelOf = (requested: SendChannel | undefined) =>
    resolveChannel(requested ?? "email", smsCustomer, null);
  // The delivery job's policy (process-delivery.ts, deliver-sms.ts): the customer's limit,
  // the SMS quiet hours for a text, and caps scaled (window off) under a wait scale.
  const emailPolicy = customerPolicy(brand.sendPolicy, preferences);
  const policyFor = (channel: SendChannel | undefined) =>
    scalePolicy(channelOf(channel) === "sms" ? smsPolicy(emailPolicy) : emailPolicy, opts.waitScale ?? 1);
  const entries = simulate({
    flow,
    start,
    until: start + opts.days * DAY,
    facts,
    replies: (file.replies ?? []).map((r) =>
      typeof r === "string" ? whenOf(r, start) : { at: whenOf(r.at, start), text: r.text },
    ),
    events: (file.events ?? []).map((e) => ({
      type: e.type,
      at: whenOf(e.at, start),
      properties: e.properties ?? {},
    })),
    waitScale: opts.waitScale ?? 1,
    timezone,
    defaultTimezone: brand.defaultTimezone,
    policy: policyFor("email"),
    policyFor,
    // The delivery job's rule (hold-back.ts), on the file's choices; no suppression in a dry run.
    // A text is held back by the SMS rules (a phone, SMS consent); no STOP in a dry run.
    holdBack: ({ channel, ...send }) => {
      const sms = channelOf(channel) === "sms";
      const input = {
        message: {
          ...send,
          audience: "customer" as const,
          toAddress: sms ? (file.customer.phone ?? "") : file.customer.email,
        },
        customer: who,
        suppression: null,
        topics: brand.topics,
      };
      const verdict = sms
        ? smsConsentVerdict({ ...input, customer: { ...who, ...smsCustomer }, smsSuppression: null })
        : consentVerdict(input);
      return verdict.send ? null : verdict.reason;
    },
  });
  const data = templateDataFor(file, flow, project);
  const stamp = (ms: number) => new Date(ms).toISOString().replace("T", " ").slice(0, 16);
  const local = (ms: number) => {
    const w = wallClock(ms, timezone);
    const two = (n: number) => String(n).padStart(2, "0");
    return `${w.year}-${two(w.month)}-${two(w.day)} ${two(w.hour)}:${two(w.minute)} ${timezone}`;
  };
  const lines = [
    `${flow.name} (${flow.id}) for ${file.customer.email}, ${opts.days} days from ${stamp(start)} UTC`,
    `(times in UTC; the customer's time zone: ${timezone}; send window and cap from config/rapport.yaml applied)`,
    "",
  ];
  // Runs are named only when the flow started more than once.
  const manyRuns = new Set(entries.map((e) => e.run).filter((r) => r !== undefined)).size > 1;
  for (const e of entries) {
    let text = e.detail;
    if (e.kind === "held")
      text = `${channelOf(e.channel) === "sms" ? "text" : "email"} held back: ${e.detail}`;
    if (e.kind === "send" || e.kind === "notify") {
      let subject = "";
      try {
        const rendered = project.subjectOf(e.detail, data);
        subject = rendered === null ? "" : ` "${rendered}"`;
      } catch (err) {
        subject = ` (would fail: ${err instanceof Error ? err.message : String(err)})`;
      }
      text =
        e.kind === "send"
          ? channelOf(e.channel) === "sms"
            ? `text to the customer: ${e.detail}`
            : `email to the customer: ${e.detail}${subject}`
          : `email to the team: ${e.detail}${subject}`;
      if (e.deliveredAt !== undefined && e.deliveredAt > e.at) {
        text += `\n                    postponed to ${stamp(e.deliveredAt)} UTC, ${local(e.deliveredAt)} (send window or frequency cap)`;
      }
    }
    const run = e.run !== undefined && manyRuns ? `(run ${e.run}) ` : "";
    lines.push(`${stamp(e.at)}  ${e.kind.padEnd(7)} ${run}${e.stepId ? `[${e.stepId}] ` : ""}${text}`);
  }
  const emails = entries.filter((e) => e.kind === "send" && channelOf(e.channel) === "email").length;
  const texts = entries.filter((e) => e.kind === "send" && channelOf(e.channel) === "sms").length;
  lines.push(
    "",
    texts > 0
      ? `${emails} email(s) and ${texts} text(s) to the customer.`
      : `${emails} email(s) to the customer.`,
  );
  return { entries, text: lines.join("\n") };
}
