/**
 * SMS templates: `config/templates/NAME/sms.hbs`, Handlebars producing plain text (no
 * escaping, strict: a missing variable fails the message as in email templates). A
 * folder may hold an email template, an SMS template or both under one name; a flow step
 * says which channel it sends on.
 *
 *   loadSmsTemplates(dir) → { templates, errors }
 *   smsReport(template, data, { shortLinkBase }) → what `rapport validate` says of it:
 *     encoding (GSM-7 or UCS-2), parts (its links counted as the short links they go out
 *     as), and a warning above SMS_SEGMENT_WARNING parts.
 *
 * Texts are trimmed when rendered: a template file ends in a newline, which would cost a
 * character (and in UCS-2 two bytes) on every message.
 */
import { createHash } from "node:crypto";
import type { Dirent } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { SMS_SEGMENT_WARNING, type SmsSegments, smsSegments } from "../channels/sms-encoding.js";
import { findLinks, SHORT_CODE_LENGTH, shortUrl, withPlaceholderLinks } from "../channels/sms-short-links.js";
import { delegate, type RenderDelegate } from "./compile.js";
import type { TemplateData } from "./data.js";
import { byPosition, type TemplateError } from "./errors.js";
import { SMS_TEMPLATE_FILE, TEMPLATE_NAME } from "./load.js";
import { parseTemplateSource } from "./parse.js";

export { SMS_TEMPLATE_FILE };

export interface CompiledSmsTemplate {
  readonly name: string;
  /** sha256 of the source, 16 hex characters. */
  readonly version: string;
  readonly file: string;
  readonly source: string;
  /** The text of one message, trimmed. */
  readonly text: RenderDelegate;
}

export function compileSmsTemplate(
  name: string,
  source: string,
  file: string,
): { template: CompiledSmsTemplate } | { error: TemplateError } {
  const parsed = parseTemplateSource(source, file);
  if (!parsed.ok) return { error: parsed.error };
  if (source.trim() === "")
    return { error: { file, line: 1, col: 1, message: "empty: an SMS template needs a text" } };
  const render = delegate(source, true);
  return {
    template: {
      name,
      version: createHash("sha256").update(source).digest("hex").slice(0, 16),
      file,
      source,
      text: (data) => render(data).trim(),
    },
  };
}

export interface LoadedSmsTemplates {
  templates: Map<string, CompiledSmsTemplate>;
  errors: TemplateError[];
  /** Names whose sms.hbs exists but did not compile (their error is in errors). */
  broken: Set<string>;
}

/** Every NAME/sms.hbs under dir; folders without one are email-only and not looked at here. */
export async function loadSmsTemplates(dir: string): Promise<LoadedSmsTemplates> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT")
      return { templates: new Map(), errors: [], broken: new Set() };
    throw err;
  }
  const templates = new Map<string, CompiledSmsTemplate>();
  const errors: TemplateError[] = [];
  const broken = new Set<string>();
  for (const entry of entries) {
    // Bad folder names are reported by the email loader (load.ts), once.
    if (!entry.isDirectory() || entry.name.startsWith(".") || !TEMPLATE_NAME.test(entry.name)) continue;
    const file = join(dir, entry.name, SMS_TEMPLATE_FILE);
    let source: string;
    try {
      source = await readFile(file, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") continue;
      throw err;
    }
    const compiled = compileSmsTemplate(entry.name, source, file);
    if ("error" in compiled) {
      errors.push(compiled.error);
      broken.add(entry.name);
    } else templates.set(entry.name, compiled.template);
  }
  return { templates, errors: errors.sort(byPosition), broken };
}

export interface SmsTemplateReport extends SmsSegments {
  file: string;
  /** One line for `rapport validate`. */
  summary: string;
  /** Set above SMS_SEGMENT_WARNING parts. */
  warning: string | null;
}

export interface SmsReportOptions {
  /**
   * Links go out as SHORT_LINK_BASE/s/CODE (SMS_SHORT_LINKS, on by default): counted at
   * that length, as the phone gets them. Null or absent: counted as written.
   */
  shortLinkBase?: string | null;
}

/** How the template's text for `data` goes over the air; throws the render error when it does not render. */
export function smsReport(
  template: CompiledSmsTemplate,
  data: TemplateData,
  opts: SmsReportOptions = {},
): SmsTemplateReport {
  const rendered = template.text(data);
  const text = opts.shortLinkBase ? withPlaceholderLinks(rendered, opts.shortLinkBase) : rendered;
  const links = opts.shortLinkBase ? findLinks(rendered).length : 0;
  const segments = smsSegments(text);
  const unit = segments.encoding === "GSM-7" ? "septets" : "UCS-2 units";
  const why =
    segments.nonGsm.length > 0
      ? ` (not GSM-7: ${segments.nonGsm.map((c) => JSON.stringify(c)).join(", ")})`
      : "";
  const short =
    links > 0
      ? `, its ${links === 1 ? "link" : `${links} links`} counted short (${shortUrl(opts.shortLinkBase ?? "", "x".repeat(SHORT_CODE_LENGTH))})`
      : "";
  const summary = `${template.file}: ${segments.encoding}${why}, ${segments.segments} part(s), ${segments.units} ${unit} with the sample data${short}`;
  const warning =
    segments.segments > SMS_SEGMENT_WARNING
      ? `${template.file}: warning: ${segments.segments} SMS parts with the sample data (more than ${SMS_SEGMENT_WARNING}: each part is billed, and long texts read badly on a phone)`
      : null;
  return { ...segments, file: template.file, summary, warning };
}
