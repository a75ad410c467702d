/**
 * One message from a compiled template: `renderMessage(compiled, data) → { subject, html, text }`.
 *
 * Per message this is only Handlebars (MJML ran at load). Anything that would make a
 * wrong message throws a TemplateRenderError naming template, part and, when that is
 * the cause, the variable: a path the data lacks (strict mode), a helper refusing its
 * input, an empty subject. The delivery job fails the message; nothing goes out blank.
 *
 * The subject is a header: control characters and line breaks collapse to one space
 * (no header injection from a customer's name), and it is trimmed. The HTML part is
 * escaped by Handlebars, so `<script>` in a name arrives as text.
 */
import type { CompiledTemplate } from "./compile.js";
import type { TemplateData } from "./data.js";
import { type TemplatePart, TemplateRenderError } from "./errors.js";
import { parseTemplateSource } from "./parse.js";

export interface RenderedMessage {
  subject: string;
  html: string;
  text: string;
}

// C0/C1 controls (CR, LF, TAB, NUL, …), Unicode line/paragraph separators, and ordinary runs of whitespace.
const SUBJECT_BREAKS = /[\p{Cc}\p{Zl}\p{Zp}\s]+/gu;

export function cleanSubject(subject: string): string {
  return subject.replace(SUBJECT_BREAKS, " ").trim();
}

export function renderMessage(compiled: CompiledTemplate, data: TemplateData): RenderedMessage {
  const subject = cleanSubject(renderPart(compiled, "subject", data));
  if (!subject) throw new TemplateRenderError(compiled.name, "subject", null, "the subject rendered empty");
  return { subject, html: renderPart(compiled, "html", data), text: renderPart(compiled, "text", data) };
}

function renderPart(compiled: CompiledTemplate, part: TemplatePart, data: TemplateData): string {
  try {
    return compiled[part](data);
  } catch (err) {
    throw explain(compiled, part, err);
  }
}

/** Strict mode says `"shoeSize" not defined in [object Object]` at a line/column; we name the whole path. */
function explain(compiled: CompiledTemplate, part: TemplatePart, err: unknown): TemplateRenderError {
  const message = err instanceof Error ? err.message : String(err);
  const missing = /^"([^"]+)" not defined in (.*?)(?: - \d+:\d+)?$/s.exec(message);
  if (!missing) return new TemplateRenderError(compiled.name, part, null, message);
  const [, segment = "", holder = ""] = missing;
  const { lineNumber, column } = err as { lineNumber?: unknown; column?: unknown };
  const path =
    typeof lineNumber === "number" && typeof column === "number"
      ? pathAt(compiled.sources[part], lineNumber, column)
      : null;
  const variable = path?.original ?? segment;
  let detail = `"${variable}" is missing from the data`;
  const parts = path?.parts ?? [];
  const at = parts.lastIndexOf(segment);
  if ((holder === "null" || holder === "undefined") && at > 0) {
    const parent = parts.slice(0, at).join(".");
    detail += ` (${parent} is ${holder === "null" ? "null" : "absent"}; guard it with {{#if ${parent}}})`;
  }
  return new TemplateRenderError(compiled.name, part, variable, detail);
}

/** The path expression starting at line/column (0-based column, as Handlebars reports). Error path only. */
function pathAt(source: string, line: number, column: number): hbs.AST.PathExpression | null {
  const parsed = parseTemplateSource(source, "");
  if (!parsed.ok) return null;
  const stack: unknown[] = [parsed.ast];
  while (stack.length > 0) {
    const node = stack.pop();
    if (typeof node !== "object" || node === null) continue;
    const n = node as Partial<hbs.AST.PathExpression>;
    if (n.type === "PathExpression" && n.loc?.start.line === line && n.loc.start.column === column) {
      return n as hbs.AST.PathExpression;
    }
    for (const [key, value] of Object.entries(node)) if (key !== "loc") stack.push(value);
  }
  return null;
}
