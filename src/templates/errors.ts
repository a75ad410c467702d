/**
 * Template problems, as `rapport validate` prints them: `file:line:col: message`, the
 * position pointing into the file marketing edits (body.mjml, never MJML's output).
 * Load-time problems are plain `TemplateError` records (a template can have several);
 * compileTemplate throws them together as a `TemplateCompileError`. A failure while
 * rendering one message is a `TemplateRenderError`.
 */

export interface TemplateError {
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  col: number;
  message: string;
}

export function formatTemplateError(error: TemplateError): string {
  return `${error.file}:${error.line}:${error.col}: ${error.message}`;
}

/** Orders problems by file, then position, so output is stable and reads top-down. */
export function byPosition(a: TemplateError, b: TemplateError): number {
  return a.file.localeCompare(b.file) || a.line - b.line || a.col - b.col;
}

export class TemplateCompileError extends Error {
  constructor(
    readonly template: string,
    readonly errors: TemplateError[],
  ) {
    super(`template "${template}" does not compile:\n${errors.map(formatTemplateError).join("\n")}`);
    this.name = "TemplateCompileError";
  }
}

export type TemplatePart = "subject" | "html" | "text";

export class TemplateRenderError extends Error {
  constructor(
    readonly template: string,
    readonly part: TemplatePart,
    /** The variable the data lacks, when that is the cause (the usual case). */
    readonly variable: string | null,
    detail: string,
  ) {
    super(`template "${template}" (${part}): ${detail}`);
    this.name = "TemplateRenderError";
  }
}
