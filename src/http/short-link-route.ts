/**
 * `GET /s/CODE`: a short link from a text (src/channels/sms-short-links.ts). The click is
 * recorded on the customer's timeline (which message, which link), then a 302 sends the
 * phone to the link's URL. Only codes rapport stored redirect, each to its own URL: there
 * is no URL in the request to send anyone elsewhere (no open redirect).
 *
 * A code rapport never made (a typo, cut short, guessed) gets a 404 page and no Location.
 * Neither answer may be cached: each follow is a click, and a code is as good as a secret.
 */
import type { Hono } from "hono";
import { isShortCode } from "../channels/sms-short-links.js";
import type { Brand } from "../config/brand.js";
import type { HttpDeps } from "./deps.js";
import { html, htmlPage, pageHeaders } from "./page.js";

export interface ShortLinkRouteDeps {
  brand: Pick<Brand, "name" | "colors">;
}

export function mountShortLinks(app: Hono, deps: HttpDeps, links: ShortLinkRouteDeps): void {
  app.get("/s/:code", async (c) => {
    const code = c.req.param("code");
    const followed = isShortCode(code)
      ? await deps.store.followShortLink(code, deps.clock.now(), c.req.header("user-agent") ?? null, {
          // A HEAD (a link checker) is told where the link goes but is no click.
          record: c.req.method !== "HEAD",
        })
      : null;
    if (!followed)
      return c.body(
        htmlPage({
          brandName: links.brand.name,
          title: "This link doesn't work",
          body: html`<h1>This link doesn't work</h1>
<p>It may have been cut short on its way here. Open the link in the text message again, or copy all of it
into your browser's address bar.</p>`,
          colors: links.brand.colors,
        }),
        404,
        pageHeaders,
      );
    return c.body(null, 302, {
      Location: followed.url,
      "Cache-Control": "no-store",
      "Referrer-Policy": "no-referrer",
    });
  });
}
