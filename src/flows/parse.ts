/**
 * Reads one flow file: YAML text in, a validated Flow or a list of every problem out.
 *
 * Contract: parseFlow(source, file) never throws for bad input. On success the Flow has
 * id = file name without extension, steps with ids (explicit, or "<type>-<n>" with n the
 * 1-based step number), waits in ms, a version hash of its meaning, and the positions of
 * its steps. On failure every FlowError carries the 1-based line and column of the node
 * concerned: YAML syntax errors where the parser stopped, unknown keys at the key, bad
 * values at the value, missing keys at the parent map, a bad file name at 1:1.
 * Pure apart from hashing: reads no files (load.ts does).
 */
import { basename, extname } from "node:path";
import { LineCounter, parseDocument, type YAMLError } from "yaml";
import { parseDuration } from "./duration.js";
import { type FlowError, pathText, sortFlowErrors } from "./errors.js";
import { ID_RULE, isId, slugify } from "./ids.js";
import { type AllowedKeys, createErrorMap, issuesToErrors } from "./issues.js";
import { type FlowFile, FlowFileSchema } from "./schema.js";
import type { Flow, Step, Trigger } from "./types.js";
import { flowVersion } from "./version.js";
import { YamlLocator } from "./yaml-nodes.js";

export { type FlowError, formatFlowError } from "./errors.js";

export type ParseFlowResult = { ok: true; flow: Flow } | { ok: false; errors: FlowError[] };

export function parseFlow(source: string, file: string): ParseFlowResult {
  const errors: FlowError[] = [];
  const id = flowIdFromFile(file);
  if (!isId(id)) errors.push(fileNameError(file, id));

  const lines = new LineCounter();
  const doc = parseDocument(source, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    // A document that does not parse cannot be checked further: positions would be guesses.
    for (const e of doc.errors) errors.push(yamlSyntaxError(e, file, lines));
    return { ok: false, errors: sortFlowErrors(errors) };
  }

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    errors.push({
      file,
      line: 1,
      col: 1,
      path: "",
      message: `the file could not be read as YAML: ${message}`,
    });
    return { ok: false, errors };
  }

  const locator = new YamlLocator(doc, lines);
  const allowed: AllowedKeys = new WeakMap();
  const parsed = FlowFileSchema.safeParse(data, { reportInput: true, error: createErrorMap(allowed) });
  if (!parsed.success) errors.push(...issuesToErrors(parsed.error.issues, { file, locator, allowed }));
  errors.push(...duplicateStepIds(data, file, locator));

  if (!parsed.success || errors.length > 0) return { ok: false, errors: sortFlowErrors(errors) };
  return { ok: true, flow: toFlow(parsed.data, id, file, locator) };
}

/** The flow id is the file name: "config/flows/thank-you.yaml" → "thank-you". */
export function flowIdFromFile(file: string): string {
  const name = basename(file);
  return name.slice(0, name.length - extname(name).length);
}

function fileNameError(file: string, id: string): FlowError {
  const slug = slugify(id);
  const hint = slug ? `; did you mean ${JSON.stringify(slug + extname(file))}?` : "";
  return {
    file,
    line: 1,
    col: 1,
    path: "",
    message: `the file name ${JSON.stringify(basename(file))} cannot be used as a flow id: use ${ID_RULE}${hint}`,
  };
}

/** The yaml library's wording for its commonest complaints, in plainer words. */
const YAML_WORDS: Readonly<Record<string, string>> = {
  TAB_AS_INDENT: "tabs cannot be used to indent; use spaces",
  DUPLICATE_KEY: "the same setting appears twice here; keep only one",
  BAD_INDENT: "the indentation is off",
  BLOCK_AS_IMPLICIT_KEY: "a setting's value cannot start another setting on the same line",
};

function yamlSyntaxError(e: YAMLError, file: string, lines: LineCounter): FlowError {
  const { line, col } = lines.linePos(e.pos[0]);
  const detail = e.message.split("\n")[0] ?? e.message;
  const plain = YAML_WORDS[e.code];
  const message = plain && plain !== detail ? `${plain} (${detail})` : detail;
  return { file, line, col, path: "", message: `not valid YAML: ${message}` };
}

/** "<type>-<n>" unless the author chose an id. */
function defaultStepId(type: "send" | "wait", index: number): string {
  return `${type}-${index + 1}`;
}

/**
 * Step ids must be unique in a flow: the store keys a run's history by them. Checked on
 * the raw data so this is reported alongside any other problem, not only after they are fixed.
 */
function duplicateStepIds(data: unknown, file: string, locator: YamlLocator): FlowError[] {
  const steps = (data as { steps?: unknown } | null)?.steps;
  if (!Array.isArray(steps)) return [];
  const firstIndex = new Map<string, number>();
  const errors: FlowError[] = [];
  steps.forEach((step: unknown, index) => {
    if (step === null || typeof step !== "object") return;
    const explicit = (step as { id?: unknown }).id;
    const type = "send" in step ? "send" : "wait" in step ? "wait" : null;
    const id = typeof explicit === "string" ? explicit : type ? defaultStepId(type, index) : null;
    if (id === null) return;
    const earlier = firstIndex.get(id);
    if (earlier === undefined) {
      firstIndex.set(id, index);
      return;
    }
    const earlierLine = locator.valueAt(["steps", earlier]).line;
    const path: PropertyKey[] = typeof explicit === "string" ? ["steps", index, "id"] : ["steps", index];
    const pos = locator.valueAt(path);
    const message =
      typeof explicit === "string"
        ? `the step id "${id}" is already used by the step on line ${earlierLine}; give each step its own id`
        : `this step's automatic id "${id}" is already used by the step on line ${earlierLine}; give one of them another id`;
    errors.push({ file, line: pos.line, col: pos.col, path: pathText(path), message });
  });
  return errors;
}

function toFlow(data: FlowFile, id: string, file: string, locator: YamlLocator): Flow {
  const steps: Step[] = data.steps.map((s, index): Step => {
    if ("send" in s) return { id: s.id ?? defaultStepId("send", index), type: "send", template: s.send };
    const durationMs = parseDuration(s.wait);
    if (durationMs === null) throw new Error(`schema accepted a wait it cannot parse: ${s.wait}`);
    return { id: s.id ?? defaultStepId("wait", index), type: "wait", durationMs, duration: s.wait.trim() };
  });
  const where = data.trigger.where;
  const trigger: Trigger = {
    event: data.trigger.event,
    // An empty `where:` means the same as none; normalising keeps the version stable.
    ...(where && Object.keys(where).length > 0 ? { where } : {}),
  };
  const flow: Omit<Flow, "version"> = {
    id,
    name: data.name,
    ...(data.description !== undefined ? { description: data.description } : {}),
    file,
    trigger,
    entry: data.entry,
    steps,
    positions: {
      steps: data.steps.map((s, index) => ({
        step: locator.valueAt(["steps", index]),
        value: locator.valueAt(["steps", index, "send" in s ? "send" : "wait"]),
      })),
    },
  };
  return { ...flow, version: flowVersion(flow) };
}
