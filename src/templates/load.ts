/**
 * Reads config/templates: `loadTemplates(dir) → { templates, errors }`.
 *
 * Each folder `<name>/` (name: lower-case letters, digits, `-`, `_`) is one template
 * of three required files: subject.hbs, body.mjml, text.hbs (a folder with only an
 * sms.hbs is an SMS template, read by sms.ts, and none of these is asked for). Every template is
 * compiled (MJML once, here) and its variables checked; all problems come back as
 * TemplateErrors rather than the first one thrown, so `rapport validate` can list them.
 * A template whose only problems are variable ones is still in `templates`; callers
 * that must not run with problems (start-up) refuse on `errors`.
 * Hidden entries and loose files in the directory are ignored.
 */
import type { Dirent } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import {
  type CompiledTemplate,
  compileTemplate,
  type TemplateCompileOptions,
  type TemplateFiles,
  type TemplateSources,
} from "./compile.js";
import { byPosition, TemplateCompileError, type TemplateError } from "./errors.js";
import { checkTemplateVariables } from "./variables.js";

export { formatTemplateError, type TemplateError } from "./errors.js";

export const TEMPLATE_NAME = /^[a-z0-9][a-z0-9_-]*$/;
export const TEMPLATE_PARTS = { subject: "subject.hbs", body: "body.mjml", text: "text.hbs" } as const;
/** An SMS template's one file (sms.ts); a folder with only this is not an email template. */
export const SMS_TEMPLATE_FILE = "sms.hbs";

export interface LoadedTemplates {
  templates: Map<string, CompiledTemplate>;
  errors: TemplateError[];
  /**
   * Folders that are templates but did not load (their problems are in `errors`): a flow
   * naming one names a template that exists, so it must not hear "no template" as well.
   */
  broken: Set<string>;
}

export function templateFiles(dir: string, name: string): TemplateFiles {
  return {
    subject: join(dir, name, TEMPLATE_PARTS.subject),
    body: join(dir, name, TEMPLATE_PARTS.body),
    text: join(dir, name, TEMPLATE_PARTS.text),
  };
}

async function readOrNull(file: string): Promise<string | null> {
  try {
    return await readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw err;
  }
}

/** Reads, compiles and checks one template folder. */
export async function loadTemplate(
  dir: string,
  name: string,
  opts: TemplateCompileOptions = {},
): Promise<{ template: CompiledTemplate | null; errors: TemplateError[] }> {
  const files = templateFiles(dir, name);
  const errors: TemplateError[] = [];
  const present = await Promise.all(Object.values(files).map(async (f) => (await readOrNull(f)) !== null));
  if (!present.includes(true) && (await readOrNull(join(dir, name, SMS_TEMPLATE_FILE))) !== null)
    return { template: null, errors: [] };
  const read = async (part: keyof TemplateFiles) => {
    const source = await readOrNull(files[part]);
    if (source === null) {
      const message = `missing: a template needs ${Object.values(TEMPLATE_PARTS).join(", ")}`;
      errors.push({ file: files[part], line: 1, col: 1, message });
    }
    return source ?? "";
  };
  const sources: TemplateSources = {
    subject: await read("subject"),
    body: await read("body"),
    text: await read("text"),
  };
  if (errors.length > 0) return { template: null, errors };

  try {
    const template = await compileTemplate(name, sources, files, opts);
    return { template, errors: checkTemplateVariables(sources, files) };
  } catch (err) {
    if (err instanceof TemplateCompileError) return { template: null, errors: err.errors };
    throw err;
  }
}

export async function loadTemplates(
  dir: string,
  opts: TemplateCompileOptions = {},
): Promise<LoadedTemplates> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    return {
      templates: new Map(),
      errors: [{ file: dir, line: 1, col: 1, message: "missing: the templates folder" }],
      broken: new Set(),
    };
  }

  const templates = new Map<string, CompiledTemplate>();
  const errors: TemplateError[] = [];
  const broken = new Set<string>();
  const folders = entries.filter((e) => e.isDirectory() && !e.name.startsWith(".")).map((e) => e.name);
  const results = await Promise.all(
    folders.sort().map(async (name) => {
      if (!TEMPLATE_NAME.test(name)) {
        const message = `template name "${name}": use lower-case letters, digits, "-" and "_", starting with a letter or digit`;
        return { name, template: null, errors: [{ file: join(dir, name), line: 1, col: 1, message }] };
      }
      return { name, ...(await loadTemplate(dir, name, opts)) };
    }),
  );
  for (const result of results) {
    if (result.template) templates.set(result.name, result.template);
    else if (TEMPLATE_NAME.test(result.name)) broken.add(result.name);
    errors.push(...result.errors);
  }
  return { templates, errors: errors.sort(byPosition), broken };
}
