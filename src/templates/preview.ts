/**
 * `rapport preview TEMPLATE --data file.json --out file.html`:
 *
 *   previewTemplate(dir, name, data, outFile) → Promise<{ file, subject }>
 *
 * Compiles one template from `dir` exactly as start-up does, renders it with `data`
 * laid over the sample data (`previewData`: the config's own brand when given, and what
 * follows from the data as it would for a real message, so `{"customer": {"name":
 * "Grace"}}` greets Grace), and writes the HTML. Compile, variable and render problems
 * throw, with file:line:col where there is one.
 */
import { mkdir, stat, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import type { Brand } from "../config/brand.js";
import { TemplateCompileError } from "./errors.js";
import { loadTemplate, TEMPLATE_NAME } from "./load.js";
import { previewData } from "./preview-data.js";
import { renderMessage } from "./render.js";

export { sampleTemplateData } from "./sample-data.js";

export interface PreviewResult {
  /** Absolute path of the HTML written. */
  file: string;
  subject: string;
}

export async function previewTemplate(
  dir: string,
  name: string,
  data: unknown,
  outFile: string,
  /** The config's brand settings (rapport.yaml); without, the sample brand. */
  brand?: Brand,
): Promise<PreviewResult> {
  if (!TEMPLATE_NAME.test(name)) throw new Error(`"${name}" is not a template name (a folder under ${dir})`);
  const folder = await stat(join(dir, name)).catch(() => null);
  if (!folder?.isDirectory()) throw new Error(`no template "${name}": ${join(dir, name)} is not a folder`);
  const { template, errors } = await loadTemplate(dir, name);
  if (!template || errors.length > 0) throw new TemplateCompileError(name, errors);
  const rendered = renderMessage(template, previewData(data, brand));
  const file = resolve(outFile);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, rendered.html, "utf8");
  return { file, subject: rendered.subject };
}
