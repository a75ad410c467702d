/**
 * Loads everything marketing edits under the config directory (brand settings, flows,
 * templates) and checks it as a whole: a flow naming a missing template is an error.
 * `rapport validate` prints these problems; start-up refuses to run with any.
 */
import { join } from "node:path";
import { type Brand, BrandConfigError, loadBrand } from "./config/brand.js";
import { KNOWN_EVENT_TYPES } from "./events/known-types.js";
import { checkFlowReferences, checkProductUses, checkTopics } from "./flows/check.js";
import { eventTypeWarnings, tagWarnings } from "./flows/lint.js";
import { loadFlows } from "./flows/load.js";
import { formatFlowError } from "./flows/parse.js";
import { unreachableSteps } from "./flows/reachability.js";
import { allSteps } from "./flows/steps.js";
import type { Flow } from "./flows/types.js";
import type { CompiledTemplate, TemplateCompileOptions } from "./templates/compile.js";
import { formatTemplateError, loadTemplates } from "./templates/load.js";
import { sampleTemplateData } from "./templates/sample-data.js";
import { type CompiledSmsTemplate, loadSmsTemplates, smsReport } from "./templates/sms.js";

export interface Project {
  brand: Brand;
  flows: Map<string, Flow>;
  templates: Map<string, CompiledTemplate>;
  /** config/templates/NAME/sms.hbs, by NAME. */
  smsTemplates: Map<string, CompiledSmsTemplate>;
}

/**
 * problems stop validate (exit 1) and start-up; warnings (src/flows/lint.ts: allowed, but
 * almost always a mistake) are printed by validate and logged at start, and stop nothing.
 */
export type ProjectResult =
  /**
   * notes: what validate reports beside "ok" (each SMS template's encoding and parts, and
   * its warnings).
   */
  | { ok: true; project: Project; summary: string; warnings: string[]; notes: string[] }
  | { ok: false; problems: string[]; warnings: string[] };

export async function loadProject(
  configDir: string,
  opts: TemplateCompileOptions & {
    /** Where links in texts are shortened to (validate counts SMS parts with them); null: not shortened. */
    smsShortLinkBase?: string | null;
  } = {},
): Promise<ProjectResult> {
  const problems: string[] = [];
  let brand: Brand | null = null;
  try {
    brand = await loadBrand(join(configDir, "rapport.yaml"));
  } catch (err) {
    if (err instanceof BrandConfigError) problems.push(...err.message.split("\n"));
    else throw err;
  }
  const templates = await loadTemplates(join(configDir, "templates"), opts);
  problems.push(...templates.errors.map(formatTemplateError));
  const smsTemplates = await loadSmsTemplates(join(configDir, "templates"));
  problems.push(...smsTemplates.errors.map(formatTemplateError));
  const notes: string[] = [];
  for (const template of smsTemplates.templates.values()) {
    try {
      const report = smsReport(template, sampleTemplateData(), {
        shortLinkBase: opts.smsShortLinkBase ?? null,
      });
      notes.push(report.summary);
      if (report.warning) notes.push(report.warning);
    } catch (err) {
      problems.push(`${template.file}: does not render with the sample data: ${(err as Error).message}`);
    }
  }
  const flows = await loadFlows(join(configDir, "flows"));
  problems.push(...flows.errors.map(formatFlowError));
  problems.push(
    // A template that exists but did not compile has its own error above; the flows naming it
    // are right to, so they are checked against every template folder, broken ones included.
    ...checkFlowReferences(
      flows.flows,
      new Set([...templates.templates.keys(), ...templates.broken]),
      new Set([...smsTemplates.templates.keys(), ...smsTemplates.broken]),
    ).map(formatFlowError),
  );
  problems.push(...flows.flows.flatMap(unreachableSteps).map(formatFlowError));
  // A flow that can run without a product must not send a template that needs one.
  problems.push(...checkProductUses(flows.flows, templates.templates).map(formatFlowError));
  // Every message a customer can opt out of names a topic the brand lists.
  if (brand) {
    problems.push(...checkTopics(flows.flows, new Set(Object.keys(brand.topics))).map(formatFlowError));
  }
  if (brand && !brand.teamAddress && !brand.supportAddress) {
    for (const flow of flows.flows) {
      const notify = allSteps(flow.steps).find((step) => step.type === "notify");
      if (notify) {
        problems.push(
          `${flow.file}: step "${notify.id}": notify writes to the team, but config/rapport.yaml has neither brand.teamAddress nor brand.supportAddress`,
        );
      }
    }
  }
  const warnings = [
    ...tagWarnings(flows.flows),
    ...eventTypeWarnings(flows.flows, KNOWN_EVENT_TYPES, join(configDir, "flows")),
  ].map(formatFlowError);
  if (problems.length > 0 || !brand) return { ok: false, problems, warnings };
  const sms = smsTemplates.templates.size > 0 ? `, ${smsTemplates.templates.size} SMS template(s)` : "";
  const summary = `${flows.flows.length} flow(s) (${flows.flows.map((f) => f.id).join(", ")}), ${templates.templates.size} template(s)${sms}`;
  return {
    ok: true,
    project: {
      brand,
      flows: new Map(flows.flows.map((f) => [f.id, f])),
      templates: templates.templates,
      smsTemplates: smsTemplates.templates,
    },
    summary,
    warnings,
    notes,
  };
}
