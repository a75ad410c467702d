/**
 * Checks that every Handlebars expression of body.mjml came through MJML:
 * `droppedExpressions(mjmlSource, html, file)` lists the ones missing from the HTML.
 *
 * MJML silently discards text written directly between structural tags, e.g.
 * `{{#if product}}<mj-section>…</mj-section>{{/if}}` loses both block tags and the
 * section then always shows; a lone lost `{{/if}}` breaks the HTML template instead.
 * Expressions are compared by text and count, not order (MJML moves attributes
 * around and copies some values, e.g. mj-title also becomes the body's aria-label).
 * Expressions inside HTML comments may legitimately go (keepComments is off).
 */
import type { TemplateError } from "./errors.js";

// Handlebars comments first so a "}}" inside one does not end the match early.
const EXPRESSION = /\{\{!--[\s\S]*?--\}\}|\{\{\{[\s\S]*?\}\}\}|\{\{[\s\S]*?\}\}/g;
const HTML_COMMENT = /<!--[\s\S]*?-->/g;
/** MJML elements whose content is copied as-is (so Handlebars in it survives). */
const RAW_CONTENT = new Set([
  "mj-text",
  "mj-button",
  "mj-table",
  "mj-raw",
  "mj-title",
  "mj-preview",
  "mj-style",
  "mj-navbar-link",
  "mj-social-element",
  "mj-accordion-title",
  "mj-accordion-text",
]);

interface Occurrence {
  text: string;
  offset: number;
}

function expressionsIn(source: string): Occurrence[] {
  const out: Occurrence[] = [];
  for (const m of source.matchAll(EXPRESSION)) {
    if (m[0].startsWith("{{!")) continue; // comments render nothing, dropped or not
    out.push({ text: m[0].replace(/\s+/g, " "), offset: m.index });
  }
  return out;
}

function commentRanges(source: string): Array<[number, number]> {
  return [...source.matchAll(HTML_COMMENT)].map((m) => [m.index, m.index + m[0].length]);
}

/**
 * Whether the last tag before `offset` is an opening mj- tag whose content MJML rebuilds
 * (mj-body, mj-section, mj-column, …) or the closing tag of any mj- element. Inside
 * mj-text and friends the last tag is theirs or plain HTML.
 */
function betweenStructuralTags(source: string, offset: number): boolean {
  const tags = [...source.slice(0, offset).matchAll(/<(\/?)(mj-[a-z-]+|[a-z][a-z0-9]*)\b[^>]*>/g)];
  const last = tags[tags.length - 1];
  if (!last) return false;
  const [, closing, tag = ""] = last;
  if (!tag.startsWith("mj-")) return false;
  return closing === "/" || !RAW_CONTENT.has(tag);
}

function positionOf(source: string, offset: number): { line: number; col: number } {
  const before = source.slice(0, offset);
  return { line: before.split("\n").length, col: offset - before.lastIndexOf("\n") };
}

export function droppedExpressions(mjmlSource: string, html: string, file: string): TemplateError[] {
  const comments = commentRanges(mjmlSource);
  const required = expressionsIn(mjmlSource).filter(
    (e) => !comments.some(([start, end]) => e.offset >= start && e.offset < end),
  );
  const available = new Map<string, number>();
  for (const e of expressionsIn(html)) available.set(e.text, (available.get(e.text) ?? 0) + 1);

  const byText = new Map<string, Occurrence[]>();
  for (const e of required) byText.set(e.text, [...(byText.get(e.text) ?? []), e]);

  const missing: Array<Occurrence & { copies: number; lost: number }> = [];
  for (const [text, occurrences] of byText) {
    const lost = occurrences.length - (available.get(text) ?? 0);
    // Which copy of a repeated expression ({{/if}}) was lost is a guess: the first one sitting
    // between structural tags, else the first.
    const guess = occurrences.find((e) => betweenStructuralTags(mjmlSource, e.offset)) ?? occurrences[0];
    if (lost > 0 && guess) missing.push({ ...guess, copies: occurrences.length, lost });
  }
  return missing
    .sort((a, b) => a.offset - b.offset)
    .map((e) => ({
      file,
      ...positionOf(mjmlSource, e.offset),
      message:
        `MJML drops ${e.text} here: Handlebars must sit inside <mj-text>, <mj-button>, <mj-table>, ` +
        "<mj-raw> or an attribute value, not directly between sections or columns " +
        "(wrap block tags around sections in <mj-raw>…</mj-raw>)" +
        (e.copies > 1 ? `; ${e.lost} of its ${e.copies} occurrences went missing, most likely this one` : ""),
    }));
}
