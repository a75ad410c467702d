/**
 * Short links in texts: every http(s) link in a rendered SMS becomes PUBLIC_URL/s/CODE, a
 * redirect of rapport's (src/http/short-link-route.ts) that records the click on the
 * customer's timeline (which message, which link) and sends the phone on with a 302.
 *
 * Automatic, as marketers know it from SMS tools (Klaviyo, Attentive, Braze shorten every
 * link in a text): an author writes the whole link in sms.hbs and the text goes out short,
 * so a long product URL does not cost a second part. SMS_SHORT_LINKS=false turns it off.
 *
 * CODE: 10 characters of base62 from the CSPRNG (59.5 bits). Short, because every
 * character is paid for in segments; unguessable, because a link may carry a secret (a
 * preference link's token): at a million stored links and a thousand guesses a second,
 * finding any one takes about 27 years on average. Codes are stored with their message and
 * URL (store/short-links.ts), so only links rapport itself shortened redirect.
 *
 *   findLinks(text)                  → the links, where they are (trailing punctuation left out)
 *   shortenLinks(text, base, codeFor) → the text with each link replaced (codeFor is asked once per URL)
 *   isShortCode(s), newShortCode()
 */
import { randomBytes } from "node:crypto";

export const SHORT_CODE_LENGTH = 10;
const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const SHORT_CODE = new RegExp(`^[0-9A-Za-z]{${SHORT_CODE_LENGTH}}$`);

export function isShortCode(s: string): boolean {
  return SHORT_CODE.test(s);
}

/** Uniform over the alphabet: bytes of 248 and up are dropped (248 = 4 × 62), so none is likelier. */
export function newShortCode(random: (n: number) => Buffer = randomBytes): string {
  let code = "";
  while (code.length < SHORT_CODE_LENGTH) {
    for (const byte of random(SHORT_CODE_LENGTH * 2)) {
      if (byte >= 248) continue;
      code += ALPHABET[byte % 62];
      if (code.length === SHORT_CODE_LENGTH) break;
    }
  }
  return code;
}

export interface FoundLink {
  start: number;
  end: number;
  url: string;
}

const LINK = /\bhttps?:\/\/[^\s<>"]+/gi;
/** Ends a sentence, not a URL: "see https://x.example/a." keeps its full stop. */
const TRAILING = /[.,;:!?'’”*_]+$/;

/** A closing bracket is the URL's only when it has an opening one in it (Wikipedia's "(band)"). */
function trimUrl(raw: string): string {
  let url = raw;
  for (;;) {
    const before = url;
    url = url.replace(TRAILING, "");
    for (const [open, close] of [
      ["(", ")"],
      ["[", "]"],
    ] as const) {
      if (url.endsWith(close) && url.split(close).length > url.split(open).length) url = url.slice(0, -1);
    }
    if (url === before) return url;
  }
}

export function findLinks(text: string): FoundLink[] {
  const out: FoundLink[] = [];
  for (const m of text.matchAll(LINK)) {
    const url = trimUrl(m[0]);
    // "https://" alone is not a link.
    if (!/^https?:\/\/[^/?#]+/i.test(url)) continue;
    out.push({ start: m.index, end: m.index + url.length, url });
  }
  return out;
}

/** PUBLIC_URL/s/CODE */
export function shortUrl(base: string, code: string): string {
  return `${base.replace(/\/+$/, "")}/s/${code}`;
}

/**
 * The text with every link replaced by base/s/CODE, codeFor(url) asked once per distinct
 * URL (in order of first appearance); links already pointing at base/s/ stay as they are.
 */
export async function shortenLinks(
  text: string,
  base: string,
  codeFor: (url: string) => Promise<string> | string,
): Promise<{ text: string; links: Array<{ url: string; code: string }> }> {
  const own = `${base.replace(/\/+$/, "")}/s/`;
  const found = findLinks(text).filter((l) => !l.url.startsWith(own));
  const codes = new Map<string, string>();
  for (const { url } of found) if (!codes.has(url)) codes.set(url, await codeFor(url));
  let out = "";
  let at = 0;
  for (const link of found) {
    out += text.slice(at, link.start) + shortUrl(base, codes.get(link.url) as string);
    at = link.end;
  }
  out += text.slice(at);
  return { text: out, links: [...codes].map(([url, code]) => ({ url, code })) };
}

/** What a text will look like once shortened, for counting its parts (validate): every code a placeholder. */
export function withPlaceholderLinks(text: string, base: string): string {
  const own = `${base.replace(/\/+$/, "")}/s/`;
  let out = "";
  let at = 0;
  for (const link of findLinks(text)) {
    if (link.url.startsWith(own)) continue;
    out += text.slice(at, link.start) + shortUrl(base, "x".repeat(SHORT_CODE_LENGTH));
    at = link.end;
  }
  return out + text.slice(at);
}
