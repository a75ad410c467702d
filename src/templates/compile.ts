/**
 * Turns a template's three sources into something each message only has to fill in:
 *
 *   compileTemplate(name, sources, files) → Promise<CompiledTemplate>
 *
 * MJML runs here, once per template (it is async in mjml v5, and costs milliseconds);
 * rendering a message is then only Handlebars (render.ts). Every problem found is
 * thrown together in a TemplateCompileError, positioned in the file marketing edits:
 * Handlebars syntax in subject.hbs/text.hbs/body.mjml, MJML validation in body.mjml,
 * and expressions MJML dropped.
 *
 * Handlebars runs with `strict: true` so a variable missing from the data throws
 * instead of rendering blank; subject and text with `noEscape` (plain text), the HTML
 * escaped. The delegates come from the isolated environment in environment.ts.
 */
import { createHash } from "node:crypto";
import type { TemplateData } from "./data.js";
import { templateHandlebars, templateHelperNames } from "./environment.js";
import { byPosition, TemplateCompileError, type TemplateError, type TemplatePart } from "./errors.js";
import { droppedExpressions } from "./expressions.js";
import { type MjmlCompile, mjmlToHtml } from "./mjml.js";
import { parseTemplateSource } from "./parse.js";
import { type ProductUse, templateProductUses } from "./product-uses.js";

export interface TemplateSources {
  subject: string;
  /** MJML with Handlebars expressions. */
  body: string;
  text: string;
}

/** Where each source was read from; errors point there. */
export interface TemplateFiles {
  subject: string;
  body: string;
  text: string;
}

export type RenderDelegate = (data: TemplateData) => string;

export interface CompiledTemplate {
  readonly name: string;
  /** sha256 of the three sources, 16 hex characters: which wording a message was sent with. */
  readonly version: string;
  readonly files: TemplateFiles;
  /** The Handlebars source of each part; for html, MJML's output. Used to name a missing variable. */
  readonly sources: Readonly<Record<TemplatePart, string>>;
  readonly subject: RenderDelegate;
  readonly html: RenderDelegate;
  readonly text: RenderDelegate;
  /**
   * Reads of a product field outside `{{#if product}}` (product-uses.ts): such a template
   * fails for a message without a product, so flows that can run without one must not use it.
   */
  readonly productUses: readonly ProductUse[];
}

export function templateVersion(sources: TemplateSources): string {
  // NUL separators: moving text from one part to another is a different version.
  return createHash("sha256")
    .update(`${sources.subject}\0${sources.body}\0${sources.text}`)
    .digest("hex")
    .slice(0, 16);
}

/**
 * Our helpers are registered at import and never removed: calls to them are compiled as
 * direct calls (no "is it a helper or a variable?" test per message). Anything else is
 * compiled as before, so an unknown name still fails as a missing variable.
 */
const knownHelpers = Object.fromEntries([...templateHelperNames].map((name) => [name, true]));

/**
 * A part compiled with Handlebars' public API and nothing of its internals: precompile()
 * (eager, as Handlebars.compile is not: a problem only the compiler sees, such as a
 * partial with two arguments, fails the load, not the first message) and template().
 * Earlier versions generated their own property reads and cached the per-call setup,
 * which saved about 11 µs per message next to milliseconds of SMTP, at the price of
 * depending on Handlebars' private compiler and runtime.
 */
export function delegate(source: string, noEscape: boolean): RenderDelegate {
  const spec = templateHandlebars.precompile(source, { strict: true, noEscape, data: true, knownHelpers });
  // The documented way to load a precompiled template: its spec is a JavaScript object literal.
  const template = templateHandlebars.template<TemplateData>(new Function(`return ${spec};`)());
  return (data) => template(data);
}

/**
 * MJML → HTML, checked to still carry every Handlebars expression of the source. When
 * the source's own Handlebars is broken only MJML's verdict is added (the rest would be noise).
 */
async function htmlOf(
  body: string,
  file: string,
  bodyParses: boolean,
  compileMjml: MjmlCompile,
): Promise<{ html: string | null; errors: TemplateError[] }> {
  const mjml = await compileMjml(body, file);
  if (!mjml.ok) return { html: null, errors: mjml.errors };
  if (!bodyParses) return { html: null, errors: [] };
  const dropped = droppedExpressions(body, mjml.html, file);
  if (dropped.length > 0) return { html: null, errors: dropped };
  const parsed = parseTemplateSource(mjml.html, file);
  if (!parsed.ok) {
    const message = `MJML's HTML is not valid Handlebars: ${parsed.error.message}`;
    return { html: null, errors: [{ file, line: 1, col: 1, message }] };
  }
  return { html: mjml.html, errors: [] };
}

export interface TemplateCompileOptions {
  /** Where MJML is compiled (default: in this thread). */
  mjml?: MjmlCompile;
}

export async function compileTemplate(
  name: string,
  sources: TemplateSources,
  files: TemplateFiles,
  opts: TemplateCompileOptions = {},
): Promise<CompiledTemplate> {
  const errors: TemplateError[] = [];
  for (const part of ["subject", "body", "text"] as const) {
    const parsed = parseTemplateSource(sources[part], files[part]);
    if (!parsed.ok) errors.push(parsed.error);
  }
  const bodyParses = !errors.some((e) => e.file === files.body);
  const body = await htmlOf(sources.body, files.body, bodyParses, opts.mjml ?? mjmlToHtml);
  errors.push(...body.errors);
  if (errors.length > 0 || body.html === null) throw new TemplateCompileError(name, errors.sort(byPosition));

  return {
    name,
    version: templateVersion(sources),
    files,
    sources: { subject: sources.subject, html: body.html, text: sources.text },
    subject: delegate(sources.subject, true),
    html: delegate(body.html, false),
    text: delegate(sources.text, true),
    productUses: templateProductUses(sources, files),
  };
}
