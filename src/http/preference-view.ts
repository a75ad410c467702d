/**
 * The preference page's HTML (`/p/TOKEN`): what the customer owns, what we write about
 * and how often, their birthday and time zone, staying in touch after a product goes, and
 * stopping everything. Pure: renderPreferencePage(view) → a complete document.
 *
 * No JavaScript: two plain forms (the choices; stop or start again) posting back to the
 * page. Accessible without extra effort from the reader: every control has a <label>
 * (groups a <fieldset> with a <legend>), hints and errors are tied to their control with
 * aria-describedby, a failed save lists its problems at the top (focused, linking to each
 * field) and says so in the title, the outcome of a save is a status message, focus is
 * always visible, targets are 44px or more, and the brand's colours are checked for
 * contrast when the configuration is read (src/config/colors.ts).
 */
import type { BrandColors } from "../config/colors.js";
import type { FormChoices, FormField, FormProblem, FrequencyOption } from "../consent/preference-form.js";
import { MONTHS } from "../infra/calendar.js";
import { html, htmlPage, type SafeHtml } from "./page.js";

export type PageStatus = "saved" | "unchanged" | "stopped" | "resumed";

export interface OwnedProduct {
  name: string;
  status: "active" | "disposed";
  startedAt: number;
  endedAt: number | null;
}

export interface PreferencePageView {
  brand: {
    name: string;
    colors: BrandColors;
    postalAddress: string;
    supportAddress?: string | undefined;
    defaultTimezone: string;
  };
  customer: { name: string | null; email: string };
  owned: OwnedProduct[];
  topics: Array<{ name: string; title: string; description?: string | undefined }>;
  frequencyOptions: FrequencyOption[];
  /** IANA zone names to offer. */
  timezones: readonly string[];
  choices: FormChoices;
  /** Stopped everything (or unsubscribed by a link, a reply or a mailto). */
  stopped: boolean;
  /** The address may not be written to at all: mail to it bounced, or they reported it as spam. */
  blocked: "hard_bounce" | "complaint" | null;
  status?: PageStatus | undefined;
  problems?: FormProblem[] | undefined;
}

const STATUS_TEXT: Record<PageStatus, string> = {
  saved: "Saved. Your choices count from the next email on.",
  unchanged: "Nothing to save: your choices were already like this.",
  stopped: "Done. You won't get any more check-ins, news or wishes from us.",
  resumed: "Welcome back. You'll get emails again, as chosen below.",
};

/** The element each field's error points at (the first control of a group). */
const FIELD_TARGET: Record<FormField, string> = {
  action: "save",
  topics: "topics",
  frequency: "frequency",
  stay_in_touch: "stay-in-touch",
  birthday: "birthday-month",
  timezone: "timezone",
};

const FIELD_NAME: Record<FormField, string> = {
  action: "Form",
  topics: "Topics",
  frequency: "How often",
  stay_in_touch: "Keep me posted",
  birthday: "Birthday",
  timezone: "Time zone",
};

const monthYear = new Intl.DateTimeFormat("en-GB", { month: "long", year: "numeric", timeZone: "UTC" });

const STYLE = `
.lede{margin-bottom:24px}
section,form.choices>*{margin-bottom:28px}
section{border-top:1px solid var(--border);padding-top:24px}
ul.owned{list-style:none;margin:0;padding:0}
ul.owned li{padding:10px 0;border-bottom:1px solid var(--border)}
ul.owned li:last-child{border-bottom:0}
.product{font-weight:600;display:block}
fieldset{border:0;margin:0 0 28px;padding:0;min-width:0}
legend{font:20px/1.3 Georgia,"Times New Roman",serif;padding:0;margin-bottom:12px}
.check{display:grid;grid-template-columns:28px 1fr;column-gap:12px;align-items:start;padding:8px 0}
.check input{width:24px;height:24px;margin:2px 0 0;accent-color:var(--primary)}
.check label{font-weight:600;cursor:pointer;min-height:28px}
.check .hint{grid-column:2}
.hint{display:block;font-size:15px;color:var(--quiet);margin:2px 0 8px;font-weight:400}
.field{margin-bottom:24px}
.field>label,.row label{display:block;font-weight:600;margin-bottom:4px}
select,input[type=text]{font:inherit;color:var(--text);background:var(--background);border:2px solid var(--border);border-radius:8px;min-height:48px;padding:8px 12px;width:100%}
.row{display:grid;grid-template-columns:1fr 5.5rem;gap:12px}
.row .month{grid-column:1/-1}
@media (min-width:38rem){.row{grid-template-columns:1fr 6rem 7rem}.row .month{grid-column:auto}}
select[aria-invalid=true],input[aria-invalid=true]{border-color:var(--primary);border-width:3px}
.error{display:block;font-weight:600;color:var(--text);border-left:4px solid var(--primary);padding-left:10px;margin:4px 0 8px}
.notice{border:2px solid var(--primary);border-radius:10px;padding:16px 18px;margin-bottom:24px}
.notice:focus{outline:3px solid var(--primary);outline-offset:3px}
.notice p:last-child,.notice ul:last-child{margin-bottom:0}
.notice h2{margin-bottom:8px}
`;

const choiceFor = (zone: string) => zone.replace(/_/g, " ").split("/").slice(1).join(" / ") || zone;

/** Zones grouped by region (America, Europe, …), the customer's own kept even if the list lacks it. */
function zoneGroups(zones: readonly string[], current: string): Map<string, string[]> {
  const all = new Set(zones);
  if (current) all.add(current);
  const groups = new Map<string, string[]>();
  for (const zone of [...all].sort()) {
    const region = zone.includes("/") ? (zone.split("/")[0] as string) : "Other";
    groups.set(region, [...(groups.get(region) ?? []), zone]);
  }
  return groups;
}

function describedBy(...ids: Array<string | false | null>): string | null {
  const list = ids.filter((x): x is string => typeof x === "string" && x !== "");
  return list.length > 0 ? list.join(" ") : null;
}

/** ` aria-describedby="…"` or nothing. */
const describedAttr = (ids: string | null) => (ids ? html` aria-describedby="${ids}"` : "");

export function renderPreferencePage(view: PreferencePageView): string {
  const { brand, choices } = view;
  const problems = view.problems ?? [];
  const problemOf = (field: FormField) => problems.find((p) => p.field === field)?.message ?? null;
  const errorId = (field: FormField) => (problemOf(field) ? `${FIELD_TARGET[field]}-error` : null);
  const errorLine = (field: FormField) => {
    const message = problemOf(field);
    return message
      ? html`<span class="error" id="${FIELD_TARGET[field]}-error"><span class="visually-hidden">Error: </span>${FIELD_NAME[field]}: ${message}</span>`
      : "";
  };
  const invalid = (field: FormField) => (problemOf(field) ? html` aria-invalid="true"` : "");

  const greeting = view.customer.name ? html`Hello ${view.customer.name.split(/\s+/)[0]}. ` : "";

  const summary =
    problems.length > 0
      ? html`<div class="notice" role="alert" tabindex="-1" autofocus aria-labelledby="problems-h">
<h2 id="problems-h">Nothing was saved yet: please check ${problems.length === 1 ? "this" : "these"}</h2>
<ul>${problems.map((p) => html`<li><a href="#${FIELD_TARGET[p.field]}">${FIELD_NAME[p.field]}: ${p.message}</a></li>`)}</ul>
</div>`
      : "";

  const status = view.status
    ? html`<div class="notice" role="status"><p>${STATUS_TEXT[view.status]}</p></div>`
    : "";

  const blocked = view.blocked
    ? html`<div class="notice"><p>${
        view.blocked === "complaint"
          ? html`This address reported an email from ${brand.name} as spam, so we send nothing to it, whatever you choose here.`
          : html`Our emails to this address could not be delivered, so we have stopped sending to it.`
      }${brand.supportAddress ? html` To change that, write to ${brand.supportAddress}.` : ""}</p></div>`
    : "";

  const stoppedNotice = view.stopped
    ? html`<div class="notice">
<h2>You've stopped all emails</h2>
<p>We only write when you do something that needs an answer, such as registering a product. Your choices below are kept for when you start again.</p>
<form method="post"><button type="submit" name="action" value="resume">Start emails again</button></form>
</div>`
    : "";

  const owned =
    view.owned.length > 0
      ? html`<section aria-labelledby="owned-h">
<h2 id="owned-h">Your products</h2>
<ul class="owned">${view.owned.map(
          (o) =>
            html`<li><span class="product">${o.name}</span><span class="hint">${
              o.status === "active"
                ? html`Yours since ${monthYear.format(o.startedAt)}`
                : html`Yours until ${monthYear.format(o.endedAt ?? o.startedAt)}`
            }</span></li>`,
        )}</ul>
</section>`
      : "";

  const topics =
    view.topics.length > 0
      ? html`<fieldset id="topics"${describedAttr(describedBy(errorId("topics")))}>
<legend>What we write to you about</legend>
${errorLine("topics")}
<input type="hidden" name="topics_shown" value="${view.topics.map((t) => t.name).join(" ")}">
${view.topics.map((t) => {
  const id = `topic-${t.name}`;
  const hint = t.description ? `${id}-hint` : null;
  return html`<div class="check">
<input type="checkbox" id="${id}" name="topic" value="${t.name}"${choices.topics[t.name] ? " checked" : ""}${describedAttr(hint)}>
<label for="${id}">${t.title}</label>
${t.description ? html`<span class="hint" id="${hint}">${t.description}</span>` : ""}
</div>`;
})}
</fieldset>`
      : "";

  const frequency = html`<div class="field">
<label for="frequency">How often</label>
<span class="hint" id="frequency-hint">However many topics you choose, we won't write more often than this.</span>
${errorLine("frequency")}
<select id="frequency" name="frequency"${describedAttr(describedBy("frequency-hint", errorId("frequency")))}${invalid("frequency")}>
${view.frequencyOptions.map(
  (o) =>
    html`<option value="${o.value}"${o.value === choices.frequency ? " selected" : ""}>${o.label}</option>`,
)}
</select>
</div>`;

  const stay = html`<div class="check">
<input type="checkbox" id="stay-in-touch" name="stay_in_touch" value="yes"${choices.stayInTouch ? " checked" : ""} aria-describedby="stay-in-touch-hint">
<label for="stay-in-touch">Keep me posted after I sell or give away my product</label>
<span class="hint" id="stay-in-touch-hint">News about that kind of product still reaches you once it is no longer yours.</span>
</div>`;

  const bday = choices.birthday;
  const birthdayDescribed = describedAttr(describedBy("birthday-hint", errorId("birthday")));
  const birthday = html`<fieldset>
<legend>Your birthday <span class="hint" style="display:inline">(optional)</span></legend>
<span class="hint" id="birthday-hint">We send a short note on the day. The year is up to you.</span>
${errorLine("birthday")}
<div class="row">
<div class="month"><label for="birthday-month">Month</label>
<select id="birthday-month" name="birthday_month"${birthdayDescribed}${invalid("birthday")}>
<option value="">Not given</option>
${MONTHS.map((m, i) => html`<option value="${i + 1}"${String(i + 1) === bday.month ? " selected" : ""}>${m}</option>`)}
</select></div>
<div><label for="birthday-day">Day</label>
<select id="birthday-day" name="birthday_day"${birthdayDescribed}${invalid("birthday")}>
<option value="">–</option>
${Array.from({ length: 31 }, (_, i) => String(i + 1)).map(
  (d) => html`<option value="${d}"${d === bday.day ? " selected" : ""}>${d}</option>`,
)}
</select></div>
<div><label for="birthday-year">Year</label>
<input type="text" id="birthday-year" name="birthday_year" value="${bday.year}" inputmode="numeric" maxlength="4" autocomplete="bday-year"${birthdayDescribed}${invalid("birthday")}></div>
</div>
</fieldset>`;

  const timezone = html`<div class="field">
<label for="timezone">Your time zone</label>
<span class="hint" id="timezone-hint">So our emails reach you at a sensible hour.</span>
${errorLine("timezone")}
<select id="timezone" name="timezone"${describedAttr(describedBy("timezone-hint", errorId("timezone")))}${invalid("timezone")}>
<option value="">Not set (we use ${brand.defaultTimezone.replace(/_/g, " ")})</option>
${[...zoneGroups(view.timezones, choices.timezone)].map(
  ([region, zones]) =>
    html`<optgroup label="${region}">${zones.map(
      (z) => html`<option value="${z}"${z === choices.timezone ? " selected" : ""}>${choiceFor(z)}</option>`,
    )}</optgroup>`,
)}
</select>
</div>`;

  const stop = view.stopped
    ? ""
    : html`<section aria-labelledby="stop-h">
<h2 id="stop-h">Stop all emails</h2>
<p>No more check-ins, news or wishes from ${brand.name}. You'll still get emails that answer something you do, such as the confirmation when you register a product.</p>
<form method="post"><button type="submit" class="secondary" name="action" value="stop">Stop all emails</button></form>
</section>`;

  const body: SafeHtml = html`<h1>Your emails from ${brand.name}</h1>
<p class="lede">${greeting}Choose what we write to you about, and how often. Our emails go to <strong>${view.customer.email}</strong>.</p>
${summary}${status}${blocked}${stoppedNotice}
${owned}
<form method="post" class="choices">
${topics}
${frequency}
${stay}
${birthday}
${timezone}
<button type="submit" id="save" name="action" value="save">Save my choices</button>
</form>
${stop}`;

  const titleStart = problems.length > 0 ? "Error: " : view.status === "saved" ? "Saved: " : "";
  return htmlPage({
    brandName: brand.name,
    title: `${titleStart}Your emails`,
    body,
    colors: brand.colors,
    style: STYLE,
    footer: html`${brand.postalAddress}`,
  });
}
