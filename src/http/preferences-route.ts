/**
 * `/p/TOKEN`: the preference page, opened from the "Manage your emails" link in every
 * email. No login and no cookie: the signed token in the URL (src/consent/tokens.ts) is
 * the authority, as on /u/TOKEN.
 *
 *   GET  /p/TOKEN            the page (src/http/preference-view.ts); `?done=saved|unchanged|
 *                            stopped|resumed` adds the outcome of the POST that led here
 *   POST /p/TOKEN            one of the page's forms (form-urlencoded or multipart, at most
 *                            PREFERENCES_MAX_BODY_BYTES): action=save|stop|resume
 *                            (src/consent/preference-form.ts). Applied, then 303 See Other to
 *                            the page (so a reload does not post again); a form with problems
 *                            gets 400 and the page again, as submitted, each problem naming
 *                            its field.
 *
 * Every change goes through the store's changePreferences in one transaction with its
 * preference_changed event (source preference_page); the birthday and time zone are changed
 * in that same transaction and named in the same event. The event is then queued like one
 * from the shop, so the events job starts the flows it triggers and recomputes the
 * customer's date schedules (src/jobs/date-schedules.ts: a new birthday moves the
 * birthday flow's next run); if queueing fails the sweeper finds the event later.
 *
 * Cross-site request forgery: there is nothing ambient to ride on. No cookie, no session,
 * no login: a request changes something only by naming the customer's token in its URL,
 * and whoever knows that URL can open the page and press the buttons anyway. A second,
 * hidden field derived from the token would be known to exactly the same people, so it
 * would add nothing. What matters is that the URL does not leak: the pages send no
 * Referer (Referrer-Policy: no-referrer), are not cached or indexed, cannot be framed
 * (CSP frame-ancestors 'none', so no click-jacking of the buttons), and forms may post
 * only to this origin (CSP form-action 'self').
 */
import type { Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { Brand } from "../config/brand.js";
import {
  asksAnything,
  currentChoices,
  type FormFields,
  frequencyOptions,
  readForm,
} from "../consent/preference-form.js";
import type { PreferenceChange, ProfileChange } from "../consent/preferences.js";
import type { ConsentTokens } from "../consent/tokens.js";
import type { PreferencePageSubject } from "../store/store.js";
import { BAD_LINK_TITLE, badLinkBody } from "./bad-link.js";
import type { HttpDeps } from "./deps.js";
import { html, htmlPage, pageHeaders, type SafeHtml } from "./page.js";
import { type PageStatus, type PreferencePageView, renderPreferencePage } from "./preference-view.js";

/** The page's forms are a few hundred bytes; this leaves room for many topics. */
export const PREFERENCES_MAX_BODY_BYTES = 16 * 1024;

export interface PreferencesRouteDeps {
  tokens: ConsentTokens;
  brand: Pick<
    Brand,
    "name" | "supportAddress" | "colors" | "postalAddress" | "defaultTimezone" | "sendPolicy" | "topics"
  >;
}

const STATUSES: ReadonlySet<string> = new Set<PageStatus>(["saved", "unchanged", "stopped", "resumed"]);

/** Every zone this Node knows, and UTC (some ICU builds list it only under Etc/). */
function offeredZones(): string[] {
  return [...new Set([...Intl.supportedValuesOf("timeZone"), "UTC"])].sort();
}

/** The form's fields as strings; uploaded files are no part of any form of ours and are dropped. */
function formFields(body: Record<string, unknown>): FormFields {
  const out: FormFields = {};
  for (const [key, value] of Object.entries(body)) {
    const list = (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === "string");
    if (list.length > 0) out[key.replace(/\[\]$/, "")] = list.length === 1 ? list[0] : list;
  }
  return out;
}

export function mountPreferences(app: Hono, deps: HttpDeps, consent: PreferencesRouteDeps): void {
  const { brand } = consent;
  const zones = offeredZones();
  const zoneSet = new Set(zones);
  const topicList = Object.entries(brand.topics).map(([name, t]) => ({ name, ...t }));

  const page = (c: Context, status: 200 | 400 | 413 | 500, title: string, body: SafeHtml) =>
    c.body(htmlPage({ brandName: brand.name, title, body, colors: brand.colors }), status, pageHeaders);
  const badLink = (c: Context) => page(c, 400, BAD_LINK_TITLE, badLinkBody(brand));
  const nobody = (c: Context) =>
    page(
      c,
      200,
      "Nothing to manage",
      html`<h1>Nothing to manage</h1>
<p>${brand.name} has no emails on record for this link, and sends it none.</p>`,
    );
  const failed = (c: Context, err: unknown, what: string) => {
    deps.logger.error({ err, path: "/p/…" }, what);
    return page(
      c,
      500,
      "Something went wrong",
      html`<h1>Something went wrong on our side</h1>
<p>Nothing has changed yet. Please try again in a few minutes.</p>`,
    );
  };

  const formSubject = (s: PreferencePageSubject) => ({
    preferences: s.customer.preferences,
    birthday: s.customer.birthday,
    timezone: s.customer.timezone,
  });

  const view = (s: PreferencePageSubject, extra: Partial<PreferencePageView> = {}): PreferencePageView => ({
    brand,
    customer: { name: s.customer.name, email: s.customer.email },
    owned: s.owned.map((o) => ({
      name: o.product.name ?? o.product.sku,
      status: o.status,
      startedAt: o.startedAt,
      endedAt: o.endedAt,
    })),
    topics: topicList,
    frequencyOptions: frequencyOptions(brand.sendPolicy.cap, s.customer.preferences.frequency),
    timezones: zones,
    choices: currentChoices(formSubject(s), brand.topics),
    stopped: s.customer.preferences.all === false || s.suppression?.reason === "unsubscribe",
    blocked: s.suppression && s.suppression.reason !== "unsubscribe" ? s.suppression.reason : null,
    ...extra,
  });

  /** Applies a change, queues its event, and sends the customer back to the page. */
  const apply = async (
    c: Context,
    customerId: string,
    change: PreferenceChange,
    profile: ProfileChange,
    done: (changed: boolean) => PageStatus,
  ) => {
    const result = await deps.store.changePreferences(
      customerId,
      change,
      "preference_page",
      deps.clock.now(),
      profile,
    );
    if (!result) return nobody(c);
    if (result.eventId) {
      try {
        await deps.queues.addEvent(result.eventId);
      } catch (err) {
        // Stored already: the sweeper queues events that were never processed.
        deps.logger.warn({ err, eventId: result.eventId }, "preference_changed stored but not queued yet");
      }
    }
    // Relative: the page under whatever prefix a proxy serves us at.
    return c.redirect(`${c.req.param("token")}?done=${done(result.changed.length > 0)}`, 303);
  };

  app.get("/p/:token", async (c) => {
    const token = consent.tokens.read(c.req.param("token"));
    if (!token.ok) return badLink(c);
    try {
      const subject = await deps.store.preferencePage(token.customerId);
      if (!subject) return nobody(c);
      const done = c.req.query("done");
      const status = done && STATUSES.has(done) ? (done as PageStatus) : undefined;
      return c.body(renderPreferencePage(view(subject, { status })), 200, pageHeaders);
    } catch (err) {
      return failed(c, err, "could not show the preference page");
    }
  });

  app.post(
    "/p/:token",
    bodyLimit({
      maxSize: PREFERENCES_MAX_BODY_BYTES,
      onError: (c) =>
        page(
          c,
          413,
          "Too much sent",
          html`<h1>That was more than the page sends</h1>
<p>Nothing has changed. Please go back and use the page's buttons again.</p>`,
        ),
    }),
    async (c) => {
      const token = consent.tokens.read(c.req.param("token"));
      if (!token.ok) return badLink(c);
      try {
        const fields = formFields(await c.req.parseBody({ all: true }));
        const subject = await deps.store.preferencePage(token.customerId);
        if (!subject) return nobody(c);
        const result = readForm(fields, formSubject(subject), {
          topics: brand.topics,
          brandCap: brand.sendPolicy.cap,
          timezones: zoneSet,
          now: deps.clock.now(),
        });
        if (!result.ok) {
          const shown = view(subject, { problems: result.problems });
          if (result.choices) shown.choices = result.choices;
          return c.body(renderPreferencePage(shown), 400, pageHeaders);
        }
        if (result.action !== "save") {
          const stop = result.action === "stop";
          // A stop already in place, or a start again for someone not stopped, answers the same.
          return await apply(c, subject.customer.id, { all: !stop }, {}, () =>
            stop ? "stopped" : "resumed",
          );
        }
        if (!asksAnything(result.change, result.profile))
          return c.redirect(`${c.req.param("token")}?done=unchanged`, 303);
        return await apply(c, subject.customer.id, result.change, result.profile, (changed) =>
          changed ? "saved" : "unchanged",
        );
      } catch (err) {
        return failed(c, err, "could not save preferences");
      }
    },
  );
}
