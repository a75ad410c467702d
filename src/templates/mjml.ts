/**
 * MJML → HTML, once per template at load (never per message): `mjmlToHtml(source, file)`.
 *
 * What mjml v5 does, and why the options below:
 * - `mjml2html` is async in v5 (it returns a Promise; v4 was sync).
 * - validationLevel "strict" throws a ValidationError whose `errors` carry the line and
 *   tag of each problem (an unknown element, an illegal attribute); "soft" would render
 *   a broken email and only list them. MJML gives no column, so we point at the tag.
 * - Handlebars passes through untouched wherever MJML copies raw content: inside ending
 *   tags (mj-text, mj-button, mj-table, mj-raw, mj-title, mj-preview) and attribute
 *   values (`href="{{brand.publicUrl}}"`). Expressions written directly between
 *   structural tags (mj-body, mj-section, mj-column) are silently dropped, which
 *   expressions.ts detects. minify/beautify stay off: both reparse the HTML and are
 *   where template tokens get mangled.
 * - keepComments off: notes for editors stay out of customers' inboxes (use
 *   {{!-- … --}} for notes that must survive into the HTML; Handlebars drops them).
 * - mj-include is ignored (v5's default): a template is its three files. (No filePath
 *   either: v5 rejects one that does not exist on disk, and tests compile from memory.)
 * - fonts: {} — MJML would otherwise link Google Fonts for some family names; the
 *   templates use system fonts, and <mj-font> still links one deliberately.
 */
import type { TemplateError } from "./errors.js";
import { closest } from "./suggest.js";

/**
 * MJML 5's elements, for "did you mean" on an unknown one (`<mj-txt>`). Only a suggestion
 * reads it: an element added by a later MJML and missing here just gets no suggestion.
 */
const MJML_ELEMENTS = [
  "mjml",
  "mj-head",
  "mj-body",
  "mj-attributes",
  "mj-all",
  "mj-class",
  "mj-breakpoint",
  "mj-html-attributes",
  "mj-font",
  "mj-preview",
  "mj-style",
  "mj-title",
  "mj-hero",
  "mj-button",
  "mj-column",
  "mj-divider",
  "mj-group",
  "mj-image",
  "mj-raw",
  "mj-section",
  "mj-spacer",
  "mj-text",
  "mj-table",
  "mj-wrapper",
  "mj-social",
  "mj-social-element",
  "mj-navbar",
  "mj-navbar-link",
  "mj-accordion",
  "mj-accordion-element",
  "mj-accordion-text",
  "mj-accordion-title",
  "mj-carousel",
  "mj-carousel-image",
];

/** MJML's "Element mj-txt doesn't exist or is not registered", said for people, with a suggestion. */
function issueText(tag: string, message: string): string {
  if (!tag) return message;
  if (!/doesn't exist or is not registered/.test(message)) return `<${tag}>: ${message}`;
  const guess = closest(tag, MJML_ELEMENTS);
  return `<${tag}> is not an MJML element${guess ? `; did you mean <${guess}>?` : " (see https://documentation.mjml.io)"}`;
}

export type MjmlResult = { ok: true; html: string } | { ok: false; errors: TemplateError[] };

/** How templates get their MJML compiled: here (the default) or on a thread (mjml-thread.ts). */
export type MjmlCompile = (source: string, file: string) => Promise<MjmlResult>;

export interface MjmlValidationIssue {
  line?: number;
  message?: string;
  tagName?: string;
}

/** mjml2html's options (see the top); the MJML thread passes the same ones. */
export const MJML_OPTIONS = {
  validationLevel: "strict",
  minify: false,
  beautify: false,
  keepComments: false,
  // Only fonts a template names are linked; an empty map links none (we use system fonts).
  fonts: {},
} as const;

/** What mjml2html ended with, as plain data (a thread can post it). */
export type MjmlOutcome = { html: string } | { failure: { message: string; issues: MjmlValidationIssue[] } };

/** mjml2html's throw as plain data: its validation issues (line, tag, message), else its message. */
export function mjmlFailure(err: unknown): { message: string; issues: MjmlValidationIssue[] } {
  const issues = (err as { errors?: unknown } | null)?.errors;
  return {
    message: err instanceof Error ? err.message : String(err),
    issues: Array.isArray(issues)
      ? (issues as MjmlValidationIssue[]).map(({ line, message, tagName }) => ({ line, message, tagName }))
      : [],
  };
}

export function mjmlResult(outcome: MjmlOutcome, source: string, file: string): MjmlResult {
  if ("html" in outcome) return { ok: true, html: outcome.html };
  const { issues, message } = outcome.failure;
  if (issues.length > 0)
    return { ok: false, errors: issues.map((issue) => toTemplateError(issue, source, file)) };
  return { ok: false, errors: [{ file, line: 1, col: 1, message: `MJML: ${message}` }] };
}

export async function mjmlToHtml(source: string, file: string): Promise<MjmlResult> {
  // Loaded on first use: mjml costs a process ~55 MB, which the service avoids by
  // compiling on a thread that ends after loading (see mjml-thread.ts).
  const { default: mjml2html } = await import("mjml");
  let outcome: MjmlOutcome;
  try {
    outcome = { html: (await mjml2html(source, MJML_OPTIONS)).html };
  } catch (err) {
    outcome = { failure: mjmlFailure(err) };
  }
  return mjmlResult(outcome, source, file);
}

function toTemplateError(issue: MjmlValidationIssue, source: string, file: string): TemplateError {
  const line = typeof issue.line === "number" && issue.line > 0 ? issue.line : 1;
  const tag = issue.tagName ?? "";
  const lineText = source.split("\n")[line - 1] ?? "";
  const at = tag ? lineText.indexOf(`<${tag}`) : -1;
  return {
    file,
    line,
    col: at >= 0 ? at + 1 : 1,
    message: `MJML: ${issueText(tag, issue.message ?? "invalid")}`,
  };
}
