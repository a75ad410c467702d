/**
 * The dashboard's pages: src/http/page.ts's look (brand colours, one centred column) made
 * wider for tables, with a navigation bar and a logout button. Server-rendered HTML with
 * no scripts; every value goes through page.ts's `html` (escaped unless SafeHtml).
 *
 * uiHeaders: not cached, not indexed, never framed, and no scripts; frames only from this
 * server (the message preview on a customer's timeline).
 */
import { html, htmlPage, type SafeHtml } from "../page.js";

export const uiHeaders: Record<string, string> = {
  "Content-Type": "text/html; charset=utf-8",
  "Cache-Control": "no-store",
  "X-Robots-Tag": "noindex, nofollow",
  "Referrer-Policy": "no-referrer",
  "X-Content-Type-Options": "nosniff",
  "X-Frame-Options": "DENY",
  "Content-Security-Policy":
    "default-src 'none'; style-src 'unsafe-inline'; frame-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
};

const UI_STYLE = `
main{max-width:72rem}
@media (min-width:38rem){main{margin:0 auto 48px;padding:28px 36px}}
nav{max-width:72rem;margin:0 auto 12px;padding:0 12px;display:flex;flex-wrap:wrap;gap:4px 18px;align-items:center}
nav a{padding:10px 2px;min-height:44px;display:inline-block}
nav a[aria-current=page]{font-weight:700}
nav form{margin-left:auto}
nav button{padding:8px 16px;min-height:44px}
table{border-collapse:collapse;width:100%;margin:0 0 20px;font-size:15px}
th,td{text-align:left;padding:8px 10px;border-bottom:1px solid var(--border);vertical-align:top}
th{font-weight:600}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
ol.flow,ol.flow ol{list-style:none;margin:0;padding:0 0 0 18px;border-left:3px solid var(--border)}
ol.flow{padding-left:12px}
ol.flow li{margin:8px 0}
.step{display:inline-flex;gap:10px;align-items:baseline;flex-wrap:wrap}
.count{font-weight:700;font-variant-numeric:tabular-nums;border:1px solid var(--border);border-radius:999px;padding:0 10px}
.branch-label{font-style:italic;color:var(--quiet)}
dl.totals{display:flex;flex-wrap:wrap;gap:6px 24px;margin:0 0 16px}
dl.totals div{display:flex;gap:6px}
dl.totals dt{color:var(--quiet)}
dl.totals dd{margin:0;font-weight:700}
section{margin:0 0 32px}
.item{border:1px solid var(--border);border-radius:10px;padding:14px 16px;margin:0 0 14px}
.item p{margin:0 0 8px}
blockquote{margin:0 0 10px;padding:8px 12px;border-left:3px solid var(--primary);white-space:pre-wrap}
form.inline{display:inline}
input[type=search],input[type=password],input[type=text]{font:inherit;padding:10px 12px;min-height:48px;border:2px solid var(--border);border-radius:8px;width:100%;max-width:28rem}
label{display:block;font-weight:600;margin:0 0 6px}
iframe{width:100%;min-height:640px;border:1px solid var(--border);border-radius:8px;background:#fff}
.error{color:var(--text);border-left:4px solid #b3261e;padding:4px 12px}
`;

export type Section = "flows" | "inbox" | "customers" | "failures" | "queues";

const SECTIONS: Array<[Section, string, string]> = [
  ["flows", "/ui", "Flows"],
  ["inbox", "/ui/inbox", "Inbox"],
  ["customers", "/ui/customers", "Customers"],
  ["failures", "/ui/failures", "Failures"],
  ["queues", "/ui/queues", "Queues"],
];

export interface UiPageOptions {
  brandName: string;
  title: string;
  body: SafeHtml;
  /** The section the page belongs to (marked in the navigation); none on the login page. */
  section?: Section;
  /** The session's CSRF token, for the logout form; absent: no navigation (logged out). */
  csrf?: string;
}

export function uiPage(opts: UiPageOptions): string {
  const nav =
    opts.csrf === undefined
      ? html``
      : html`<nav aria-label="Dashboard">${SECTIONS.map(
          ([id, href, label]) =>
            html`<a href="${href}"${id === opts.section ? html` aria-current="page"` : ""}>${label}</a>`,
        )}<form method="post" action="/ui/logout"><input type="hidden" name="csrf" value="${opts.csrf}"><button type="submit" class="secondary">Log out</button></form></nav>`;
  return htmlPage({
    brandName: `${opts.brandName} · rapport`,
    title: opts.title,
    body: html`${nav}${opts.body}`,
    style: UI_STYLE,
  });
}
