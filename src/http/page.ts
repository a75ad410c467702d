/**
 * The small HTML pages customers see (preferences, unsubscribe, and errors on those
 * links): served whole by the server, no JavaScript, readable on a phone first, in the
 * brand's name and colours.
 *
 * Contract: htmlPage({ brandName, title, body, colors?, style? }) → a complete HTML
 * document, where `body` is HTML built with `html` (every interpolated value escaped) and
 * `title`/`brandName` are plain text (escaped here). Pages are sent with pageHeaders: not
 * cached (a token is in the URL), not indexed, no Referer to links followed from them,
 * never framed (a framed button could be clicked for the customer), and no scripts at all.
 */
import { BRAND_COLOR_DEFAULTS, type BrandColors, type BrandPalette, brandPalette } from "../config/colors.js";

const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ESCAPES[ch] as string);
}

/** HTML already escaped (what `html` returns); anything else interpolated into `html` is escaped. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

/** A tagged template: `html\`<p>${name}</p>\`` escapes `name`; a SafeHtml (or an array of them) goes in as is. */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0] ?? "";
  values.forEach((value, i) => {
    const parts = Array.isArray(value) ? value : [value];
    for (const part of parts) {
      if (part === null || part === undefined || part === false) continue;
      out += part instanceof SafeHtml ? part.value : escapeHtml(String(part));
    }
    out += strings[i + 1] ?? "";
  });
  return new SafeHtml(out);
}

export const pageHeaders: Record<string, string> = {
  "Content-Type": "text/html; charset=utf-8",
  "Cache-Control": "no-store",
  "X-Robots-Tag": "noindex, nofollow",
  "Referrer-Policy": "no-referrer",
  "X-Content-Type-Options": "nosniff",
  "Content-Security-Policy":
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
};

/**
 * The pages' look, in the brand's colours (src/config/colors.ts checks every pair used
 * here for WCAG AA: text, small print, links, button labels). Focus is always visible (a
 * 3px outline in `primary`, offset so it shows on buttons of the same colour); targets
 * are at least 44px high; one column, widening to a centred panel on larger screens.
 */
function styleOf(p: BrandPalette): string {
  return `
:root{--primary:${p.primary};--background:${p.background};--text:${p.text};--quiet:${p.quiet};--border:${p.border}}
*{box-sizing:border-box}
body{margin:0;background:${p.backdrop};color:${p.text};font:17px/1.55 -apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;-webkit-text-size-adjust:100%}
header{text-align:center;padding:28px 16px 16px;font:22px/1.3 Georgia,"Times New Roman",serif}
main{background:${p.background};border-radius:14px;max-width:36rem;margin:0 12px 32px;padding:28px 22px}
@media (min-width:38rem){main{margin:0 auto 48px;padding:40px 44px}}
h1{font:26px/1.25 Georgia,"Times New Roman",serif;margin:0 0 16px}
h2{font:20px/1.3 Georgia,"Times New Roman",serif;margin:0 0 12px}
p{margin:0 0 16px}
a{color:${p.primary}}
button{font:inherit;font-weight:600;color:${p.onPrimary};background:${p.primary};border:2px solid ${p.primary};border-radius:8px;padding:12px 28px;min-height:48px;cursor:pointer;width:100%}
button.secondary{color:${p.primary};background:${p.background}}
@media (min-width:38rem){button{width:auto}}
:focus-visible{outline:3px solid ${p.primary};outline-offset:3px}
.quiet{font-size:15px;color:${p.quiet}}
.visually-hidden{position:absolute;width:1px;height:1px;margin:-1px;padding:0;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;border:0}
footer{max-width:36rem;margin:0 auto 40px;padding:0 22px;text-align:center;font-size:15px;color:${p.text}}
`;
}

const DEFAULT_STYLE = styleOf(brandPalette(BRAND_COLOR_DEFAULTS));

export interface PageOptions {
  brandName: string;
  title: string;
  body: SafeHtml;
  /** The brand's colours (brand.colors); the defaults without. */
  colors?: BrandColors;
  /** More CSS for this page, after the shared rules. */
  style?: string;
  /** Small print under the page (e.g. the postal address). */
  footer?: SafeHtml;
}

export function htmlPage(opts: PageOptions): string {
  const style = (opts.colors ? styleOf(brandPalette(opts.colors)) : DEFAULT_STYLE) + (opts.style ?? "");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>${escapeHtml(opts.title)} · ${escapeHtml(opts.brandName)}</title>
<style>${style}</style>
</head>
<body>
<header>${escapeHtml(opts.brandName)}</header>
<main>
${opts.body.value}
</main>
${opts.footer ? `<footer>${opts.footer.value}</footer>\n` : ""}</body>
</html>
`;
}
