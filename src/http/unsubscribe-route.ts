/**
 * `/u/TOKEN`: unsubscribing from a link, no login or cookie (the signed token is the
 * authority; src/consent/tokens.ts).
 *
 *   POST /u/TOKEN  RFC 8058 one-click, as mailbox providers send it (`List-Unsubscribe=One-Click`,
 *                  form-urlencoded or multipart; any body, or none, is taken: providers vary),
 *                  and the button on the GET page. Applied before the answer (200, a short
 *                  page, never a redirect); asking again answers the same.
 *   GET  /u/TOKEN  never unsubscribes (link scanners and previews open links): a page with
 *                  the button, and a link to the preference page (`/p/TOKEN`).
 *
 * A token that is not one of ours (altered, cut short) gets 400 and a plain page that says
 * what to do, never why the token failed. Bodies are capped at UNSUBSCRIBE_MAX_BODY_BYTES.
 * Links on the pages are relative, so they work under whatever prefix a proxy serves us at.
 */
import type { Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { Brand } from "../config/brand.js";
import type { ConsentTokens } from "../consent/tokens.js";
import { unsubscribe } from "../consent/unsubscribe.js";
import { BAD_LINK_TITLE, badLinkBody } from "./bad-link.js";
import type { HttpDeps } from "./deps.js";
import { html, htmlPage, pageHeaders, type SafeHtml } from "./page.js";

/** The one-click body is 26 bytes; a provider's multipart wrapping of it is well under this. */
export const UNSUBSCRIBE_MAX_BODY_BYTES = 16 * 1024;

export interface UnsubscribeRouteDeps {
  tokens: ConsentTokens;
  brand: Pick<Brand, "name" | "supportAddress" | "colors" | "topics">;
}

type Status = 200 | 400 | 413 | 500;

export function mountUnsubscribe(app: Hono, deps: HttpDeps, consent: UnsubscribeRouteDeps): void {
  const brandName = consent.brand.name;
  const page = (c: Context, status: Status, title: string, body: SafeHtml) =>
    c.body(htmlPage({ brandName, title, body, colors: consent.brand.colors }), status, pageHeaders);

  const manageLink = (customerId: string) =>
    html`<a href="../p/${consent.tokens.make(customerId)}">Manage your emails</a>`;
  const stillSent = html`<p class="quiet">You'll still get emails that answer something you do, such as
    the confirmation when you register a product.</p>`;

  const badLink = (c: Context) => page(c, 400, BAD_LINK_TITLE, badLinkBody(consent.brand));

  const failed = (c: Context, err: unknown, what: string) => {
    deps.logger.error({ err, path: "/u/…" }, what);
    return page(
      c,
      500,
      "Something went wrong",
      html`<h1>Something went wrong on our side</h1>
<p>Nothing has changed yet. Please try again in a few minutes.</p>`,
    );
  };

  const unsubscribed = (customerId: string, email: string) =>
    html`<h1>You're unsubscribed</h1>
<p>${brandName} won't send check-ins, news or other such emails to <strong>${email}</strong> any more.</p>
${stillSent}
<p>Changed your mind, or want to hear about some things after all? ${manageLink(customerId)}.</p>`;

  // A link narrowed to one topic (the token names it) stops that topic only, and says so by
  // the title the customer knows it by (a topic since removed from the config: its name).
  const topicTitle = (topic: string) => consent.brand.topics[topic]?.title ?? topic;
  const topicOff = (customerId: string, topic: string, email: string) =>
    html`<h1>You're unsubscribed from ${topicTitle(topic)}</h1>
<p>${brandName} won't send emails about ${topicTitle(topic)} to <strong>${email}</strong> any more.
The other emails you chose still come.</p>
<p>Want fewer, or none at all? ${manageLink(customerId)}.</p>`;

  const nobody = html`<h1>Nothing to unsubscribe</h1>
<p>${brandName} has no emails on record for this link, and sends it none.</p>`;

  app.get("/u/:token", async (c) => {
    const token = consent.tokens.read(c.req.param("token"));
    if (!token.ok) return badLink(c);
    try {
      const customer = await deps.store.getCustomer(token.customerId);
      if (!customer) return page(c, 200, "Nothing to unsubscribe", nobody);
      if (await deps.store.getSuppression(customer.email))
        return page(c, 200, "You're unsubscribed", unsubscribed(customer.id, customer.email));
      const what = token.topic
        ? html`emails about “${topicTitle(token.topic)}”`
        : html`check-ins, news and other emails`;
      return page(
        c,
        200,
        "Unsubscribe",
        html`<h1>Unsubscribe?</h1>
<p>Stop ${brandName}'s ${what} to <strong>${customer.email}</strong>.</p>
<form method="post">
<input type="hidden" name="List-Unsubscribe" value="One-Click">
<p><button type="submit">Unsubscribe</button></p>
</form>
${stillSent}
<p>Rather choose which emails you get, or how often? ${manageLink(customer.id)}.</p>`,
      );
    } catch (err) {
      return failed(c, err, "could not show the unsubscribe page");
    }
  });

  app.post(
    "/u/:token",
    bodyLimit({
      maxSize: UNSUBSCRIBE_MAX_BODY_BYTES,
      onError: (c) =>
        page(
          c,
          413,
          "Too much sent",
          html`<h1>That was more than an unsubscribe needs</h1>
<p>Please use the button on the page again.</p>`,
        ),
    }),
    async (c) => {
      const token = consent.tokens.read(c.req.param("token"));
      if (!token.ok) return badLink(c);
      // Read (and so size-checked) but not interpreted: every provider's body means the same.
      await c.req.arrayBuffer();
      try {
        const result = await unsubscribe(deps, token.customerId, token.topic, "one_click");
        if (result.outcome === "no-customer") return page(c, 200, "Nothing to unsubscribe", nobody);
        if (token.topic)
          return page(c, 200, "You're unsubscribed", topicOff(token.customerId, token.topic, result.email));
        return page(c, 200, "You're unsubscribed", unsubscribed(token.customerId, result.email));
      } catch (err) {
        return failed(c, err, "one-click unsubscribe failed");
      }
    },
  );
}
