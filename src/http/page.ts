/**
 * The small HTML pages customers see (unsubscribe, and errors on those links): served
 * whole by the server, no JavaScript, readable on a phone first, in the brand's name.
 *
 * Contract: htmlPage({ brandName, title, body }) → a complete HTML document, where `body`
 * is HTML built with `html` (every interpolated value escaped) and `title`/`brandName` are
 * plain text (escaped here). Pages are sent with pageHeaders: not cached (a token is in
 * the URL), not indexed, no Referer to links followed from them, never framed (a framed
 * button could be clicked for the customer), and no scripts at all.
 */

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

// Contrast on white: text #26211d 15:1, quiet text #5e564f 7:1, links #8c4a2f 6.7:1; the button's white
// on #26211d 15:1: all above WCAG AA's 4.5:1. Focus is always visible (a 3px outline).
const STYLE = `
*{box-sizing:border-box}
body{margin:0;background:#f3efe9;color:#26211d;font:17px/1.55 -apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,Helvetica,Arial,sans-serif}
header{text-align:center;padding:28px 16px 16px;font:22px/1.3 Georgia,"Times New Roman",serif}
main{background:#fff;border-radius:14px;max-width:34rem;margin:0 12px 32px;padding:28px 22px}
@media (min-width:36rem){main{margin:0 auto 48px;padding:40px 44px}}
h1{font:26px/1.25 Georgia,"Times New Roman",serif;margin:0 0 16px}
p{margin:0 0 16px}
a{color:#8c4a2f}
button{font:inherit;font-weight:600;color:#fff;background:#26211d;border:0;border-radius:8px;padding:14px 28px;min-height:48px;cursor:pointer;width:100%}
@media (min-width:36rem){button{width:auto}}
a:focus-visible,button:focus-visible{outline:3px solid #8c4a2f;outline-offset:3px}
.quiet{font-size:15px;color:#5e564f}
`;

export function htmlPage(opts: { brandName: string; title: string; body: SafeHtml }): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>${escapeHtml(opts.title)} · ${escapeHtml(opts.brandName)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>${escapeHtml(opts.brandName)}</header>
<main>
${opts.body.value}
</main>
</body>
</html>
`;
}
