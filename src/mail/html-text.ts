/**
 * HTML body -> plain text for reply extraction, for messages that carry no text/plain part.
 *
 * Contract: htmlToText(html) is pure and never throws. It uses html-to-text (the library
 * mailparser itself uses) with wrapping off, so a sentence stays on one line; <blockquote>
 * becomes "> " lines so reply-text.ts can drop quoted history; <hr> is a paragraph break,
 * not a row of dashes; links keep their text only ("Alexander L", not "Alexander L
 * [mailto:…]"), so quoted header blocks read as they do in a text part.
 *
 * Bounded: nested blockquotes are marked "> " once, however deep (a nested quote is quoted
 * history all the same), and tags nested deeper than MAX_NESTING are removed before parsing,
 * because the HTML parser's work grows with the square of the nesting depth (10,000 nested
 * blockquotes would otherwise take seconds and produce depth × lines of output).
 */
import { compile } from "html-to-text";

/** Input above this is cut (as mailparser's maxHtmlLengthToParse does). */
export const MAX_HTML_CHARS = 2 * 1024 * 1024;
/** Deeper element nesting than this is flattened before parsing; real mail stays far below. */
const MAX_NESTING = 64;

/** Elements that never have a closing tag, so they do not nest. */
const VOID = new Set([
  "area",
  "base",
  "br",
  "col",
  "embed",
  "hr",
  "img",
  "input",
  "link",
  "meta",
  "param",
  "source",
  "track",
  "wbr",
  "p",
  "li",
  "dt",
  "dd",
  "tr",
  "td",
  "th",
  "option",
]);

/**
 * Drop opening tags nested deeper than MAX_NESTING and their closing tags (text stays).
 * One linear scan; `[^<>]*` keeps each tag match from running past the next "<".
 * (p, li, td and friends are counted as non-nesting: their closing tags are often omitted.)
 */
export function capNesting(html: string, maxDepth = MAX_NESTING): string {
  const tag = /<(\/?)([a-zA-Z][\w:-]{0,40})[^<>]*>/g;
  const depthByName = new Map<string, number>();
  const excess = new Map<string, number>();
  let depth = 0;
  let out = "";
  let last = 0;
  let dropped = false;
  for (let m = tag.exec(html); m !== null; m = tag.exec(html)) {
    const closing = m[1] === "/";
    const name = (m[2] ?? "").toLowerCase();
    if (VOID.has(name) || m[0].endsWith("/>")) continue;
    let drop = false;
    if (!closing) {
      if (depth >= maxDepth) {
        excess.set(name, (excess.get(name) ?? 0) + 1);
        drop = true;
      } else {
        depth++;
        depthByName.set(name, (depthByName.get(name) ?? 0) + 1);
      }
    } else if ((excess.get(name) ?? 0) > 0) {
      excess.set(name, (excess.get(name) ?? 0) - 1);
      drop = true;
    } else if ((depthByName.get(name) ?? 0) > 0) {
      depthByName.set(name, (depthByName.get(name) ?? 0) - 1);
      depth--;
    }
    if (drop) {
      out += html.slice(last, m.index);
      last = m.index + m[0].length;
      dropped = true;
    }
  }
  return dropped ? out + html.slice(last) : html;
}

interface DomNode {
  name?: string;
  parent?: DomNode | null;
  children?: DomNode[];
}
interface Builder {
  openBlock(opts: { leadingLineBreaks?: number; reservedLineLength?: number }): void;
  closeBlock(opts: { trailingLineBreaks?: number; blockTransform?: (s: string) => string }): void;
  addLineBreak(): void;
}
type Walk = (nodes: DomNode[] | undefined, builder: Builder) => void;

/** Is the element inside another blockquote? The walk stops at MAX_NESTING, so this is bounded. */
function insideQuote(elem: DomNode): boolean {
  let p = elem.parent;
  for (let n = 0; p && n <= MAX_NESTING + 8; n++, p = p.parent) if (p.name === "blockquote") return true;
  return false;
}

/** Newlines off both ends, by index (an unanchored /\n+$/ is quadratic on long newline runs). */
function trimNewlines(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && s[a] === "\n") a++;
  while (b > a && s[b - 1] === "\n") b--;
  return s.slice(a, b);
}

const convert = compile({
  wordwrap: false,
  preserveNewlines: false,
  limits: { maxInputLength: MAX_HTML_CHARS, maxDepth: MAX_NESTING + 8 },
  selectors: [
    { selector: "a", options: { ignoreHref: true } },
    { selector: "img", format: "skip" },
    { selector: "hr", format: "paragraphBreak" },
    { selector: "blockquote", format: "quoteOnce" },
    ...["h1", "h2", "h3", "h4", "h5", "h6"].map((selector) => ({ selector, options: { uppercase: false } })),
    { selector: "table", format: "block" },
    { selector: "tr", format: "block" },
    { selector: "td", format: "block" },
    { selector: "th", format: "block" },
  ],
  formatters: {
    paragraphBreak(_elem: DomNode, _walk: Walk, builder: Builder) {
      // An empty block: the breaks on both sides add up to one blank line.
      builder.openBlock({ leadingLineBreaks: 1 });
      builder.closeBlock({ trailingLineBreaks: 1 });
    },
    quoteOnce(elem: DomNode, walk: Walk, builder: Builder) {
      if (insideQuote(elem)) {
        builder.openBlock({ leadingLineBreaks: 1 });
        walk(elem.children, builder);
        builder.closeBlock({ trailingLineBreaks: 1 });
        return;
      }
      builder.openBlock({ leadingLineBreaks: 2, reservedLineLength: 2 });
      walk(elem.children, builder);
      builder.closeBlock({
        trailingLineBreaks: 2,
        blockTransform: (s) =>
          trimNewlines(s)
            .split("\n")
            .map((line) => `> ${line}`)
            .join("\n"),
      });
    },
  },
});

export function htmlToText(html: string): string {
  try {
    const text = convert(capNesting(html.length > MAX_HTML_CHARS ? html.slice(0, MAX_HTML_CHARS) : html));
    // &nbsp; is layout, not meaning: plain spaces match what a text part would carry.
    return text.replace(/\u00a0/g, " ").trim();
  } catch {
    // html-to-text does not throw on bad markup; this only guards the contract.
    return "";
  }
}
