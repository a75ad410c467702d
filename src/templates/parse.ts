/**
 * Handlebars parsing with positions: `parseTemplateSource(source, file)` gives the AST
 * or one TemplateError at the offending line and column.
 *
 * Handlebars reports two kinds of syntax error. Structural ones (`{{#if}}…{{/each}}`)
 * are Exceptions carrying lineNumber/column. Grammar ones come from its generated
 * parser as a bare Error whose message holds only the line and an excerpt with a caret:
 *
 *   Parse error on line 3:
 *   ... {{/if}} {{ foo bar=}}
 *   -----------------------^
 *
 * The excerpt is the last ≤ 20 characters before the offending token with newlines
 * removed ("..." in front when cut; lexical errors look the same), so we find the source offset whose preceding text
 * reads the same, preferring one on the reported line.
 */

import { templateHandlebars } from "./environment.js";
import type { TemplateError } from "./errors.js";

export type ParseResult = { ok: true; ast: hbs.AST.Program } | { ok: false; error: TemplateError };

export function parseTemplateSource(source: string, file: string): ParseResult {
  try {
    return { ok: true, ast: templateHandlebars.parse(source) };
  } catch (err) {
    return { ok: false, error: handlebarsErrorAt(err, source, file) };
  }
}

/** A TemplateError for anything Handlebars threw while parsing or compiling `source`. */
export function handlebarsErrorAt(err: unknown, source: string, file: string): TemplateError {
  const message = err instanceof Error ? err.message : String(err);
  const located = err as { lineNumber?: unknown; column?: unknown };
  if (typeof located.lineNumber === "number" && typeof located.column === "number") {
    // Exception messages end with " - line:col" (0-based column); the position goes in front instead.
    const text = message
      .replace(/ - \d+:\d+$/, "")
      .replace(/^(\S+) doesn't match (\S+)$/, "{{#$1}} is closed by {{/$2}}; they must match");
    return { file, line: located.lineNumber, col: located.column + 1, message: text };
  }
  const parse = /^(Parse|Lexical) error on line (\d+)[:.][^\n]*\n([^\n]*)\n(-*)\^(?:\n(.*))?$/s.exec(message);
  if (parse) {
    const [, kind, lineText = "1", excerpt = "", dashes = "", expecting = ""] = parse;
    const pos = caretPosition(source, Number(lineText), excerpt.slice(0, dashes.length));
    const what = kind === "Lexical" ? "unreadable character" : describeExpected(expecting);
    return { file, line: pos.line, col: pos.col, message: `Handlebars syntax error: ${what}` };
  }
  return { file, line: 1, col: 1, message };
}

/** "Expecting 'ID', 'STRING', …, got 'CLOSE'" in words a template author can act on. */
function describeExpected(expecting: string): string {
  const got = /got '([A-Z_]+)'/.exec(expecting)?.[1] ?? "";
  const phrases: Record<string, string> = {
    EOF: 'unexpected end of file (is a {{/…}} or "}}" missing?)',
    CLOSE: 'unexpected "}}"',
    CLOSE_UNESCAPED: 'unexpected "}}}"',
    INVALID: 'unexpected character (is a "}}" missing?)',
    INVERSE: "unexpected {{else}}",
    OPEN_ENDBLOCK: "a closing {{/…}} without its opening {{#…}}",
  };
  return phrases[got] ?? `unexpected ${got ? got.toLowerCase().replace(/_/g, " ") : "input"}`;
}

function lineCol(source: string, offset: number): { line: number; col: number } {
  const before = source.slice(0, offset);
  const lastBreak = before.lastIndexOf("\n");
  return { line: before.split("\n").length, col: offset - lastBreak };
}

function caretPosition(source: string, reportedLine: number, before: string): { line: number; col: number } {
  const cut = before.startsWith("...");
  const tail = cut ? before.slice(3) : before;
  const candidates: number[] = [];
  for (let offset = cut ? 21 : 0; offset <= (cut ? source.length : Math.min(20, source.length)); offset++) {
    if (source.slice(Math.max(0, offset - 20), offset).replace(/\n/g, "") === tail) candidates.push(offset);
  }
  const positions = candidates.map((offset) => lineCol(source, offset));
  return positions.find((p) => p.line === reportedLine) ?? positions[0] ?? { line: reportedLine, col: 1 };
}
