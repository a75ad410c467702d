/**
 * Reads one flow file: YAML text in, a validated Flow or a list of every problem out.
 *
 * Contract: parseFlow(source, file) never throws for bad input. On success the Flow has
 * id = file name without extension, steps with ids unique in the whole flow (explicit, or
 * automatic: "<type>-<n>" with n the 1-based step number at the top level,
 * "<parent id>.<list>.<type>-<n>" in nested lists, see steps.ts; `untag` steps are "tag"
 * steps), waits, timeouts, offsets and entry windows in ms, wait_until weekdays as
 * numbers (Monday = 0), a date trigger's `every` and `at` filled in ("year", "09:00"),
 * branch conditions, exit_when and goal as Condition trees (`tagged: x` becomes
 * customer.tags contains x), the flow's and send steps' topics as written (whether they
 * exist is check.ts's question), a version hash of its meaning, and the
 * positions of all its steps (nested ones included, in reading order). On failure every FlowError carries the 1-based line and column of the node
 * concerned: YAML syntax errors where the parser stopped, unknown keys at the key, bad
 * values at the value, missing keys at the parent map, a bad file name at 1:1.
 * Pure apart from hashing: reads no files (load.ts does).
 */
import { basename, extname } from "node:path";
import { LineCounter, parseDocument, type YAMLError } from "yaml";
import { parseOffset } from "./dates.js";
import { parseDuration } from "./duration.js";
import { type FlowError, pathText, sortFlowErrors } from "./errors.js";
import { ID_RULE, isId, slugify } from "./ids.js";
import { type AllowedKeys, createErrorMap, issuesToErrors } from "./issues.js";
import {
  type FlowFile,
  type FlowFileCondition,
  FlowFileSchema,
  type FlowFileStep,
  STEP_KINDS,
} from "./schema.js";
import { armListName, defaultStepId, listIdPrefix } from "./steps.js";
import { WEEKDAYS } from "./time.js";
import type {
  BranchArm,
  Condition,
  EntryRule,
  FieldCondition,
  Flow,
  Step,
  StepPosition,
  StepType,
  Trigger,
  WaitUntil,
} from "./types.js";
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
  errors.push(...structureProblems(data, file, locator));

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

/** The step type a step key makes: `untag` steps are tag steps (removing tags). */
function typeOfKind(kind: (typeof STEP_KINDS)[number]): StepType {
  return kind === "untag" ? "tag" : kind;
}

/** The kind of a step in the raw (not yet validated) data, or null when it is not clear. */
function rawStepType(step: unknown): StepType | null {
  if (step === "exit") return "exit";
  if (step === null || typeof step !== "object" || Array.isArray(step)) return null;
  const kind = STEP_KINDS.find((k) => Object.hasOwn(step, k));
  return kind === undefined ? null : typeOfKind(kind);
}

/** The nested lists of a raw step, with their names (for ids) and setting paths. */
function rawSubLists(
  step: unknown,
  type: StepType,
): Array<{ name: string; path: PropertyKey[]; steps: unknown }> {
  const s = step as Record<string, unknown>;
  if (type === "wait_for_reply") {
    return [
      { name: "on_reply", path: ["on_reply"], steps: s.on_reply },
      { name: "on_timeout", path: ["on_timeout"], steps: s.on_timeout },
    ];
  }
  if (type === "wait_for") {
    return [
      { name: "on_event", path: ["on_event"], steps: s.on_event },
      { name: "on_timeout", path: ["on_timeout"], steps: s.on_timeout },
    ];
  }
  if (type === "branch" && Array.isArray(s.branch)) {
    return s.branch.flatMap((arm: unknown, k) => {
      if (arm === null || typeof arm !== "object") return [];
      const a = arm as Record<string, unknown>;
      const isElse = Object.hasOwn(a, "else") && !Object.hasOwn(a, "if");
      return [
        {
          name: armListName(k, isElse),
          path: ["branch", k, isElse ? "else" : "then"],
          steps: isElse ? a.else : a.then,
        },
      ];
    });
  }
  return [];
}

/**
 * Checks the schema cannot make, on the raw data so they are reported alongside any other
 * problem, not only after those are fixed:
 *   - step ids must be unique in the whole flow, nested steps included (the store keys a
 *     run's history by them);
 *   - in a branch, `else` must be the last choice and there must be at least one `if`.
 */
function structureProblems(data: unknown, file: string, locator: YamlLocator): FlowError[] {
  const errors: FlowError[] = [];
  const firstPath = new Map<string, PropertyKey[]>();
  const error = (path: PropertyKey[], message: string, atKey = false) => {
    const pos = atKey ? locator.keyAt(path) : locator.valueAt(path);
    errors.push({ file, line: pos.line, col: pos.col, path: pathText(path), message });
  };

  const walk = (steps: unknown, base: PropertyKey[], prefix: string | null, derived: boolean): void => {
    if (!Array.isArray(steps)) return;
    steps.forEach((step: unknown, index) => {
      const type = rawStepType(step);
      if (type === null) return;
      const path = [...base, index];
      const explicit = typeof step === "object" && step !== null ? (step as { id?: unknown }).id : undefined;
      const id = typeof explicit === "string" ? explicit : defaultStepId(type, index, prefix);
      const earlier = firstPath.get(id);
      let duplicate = false;
      if (earlier === undefined) {
        firstPath.set(id, path);
      } else if (typeof explicit === "string" || !derived) {
        duplicate = true;
        const earlierLine = locator.valueAt(earlier).line;
        if (typeof explicit === "string") {
          error(
            [...path, "id"],
            `the step id "${id}" is already used by the step on line ${earlierLine}; give each step its own id`,
          );
        } else {
          error(
            path,
            `this step's automatic id "${id}" is already used by the step on line ${earlierLine}; give one of them another id`,
          );
        }
      }
      if (type === "branch")
        branchProblems((step as { branch?: unknown }).branch, [...path, "branch"], error);
      for (const list of rawSubLists(step, type)) {
        walk(list.steps, [...path, ...list.path], listIdPrefix(id, list.name), derived || duplicate);
      }
    });
  };
  walk((data as { steps?: unknown } | null)?.steps, ["steps"], null, false);
  return errors;
}

function branchProblems(
  arms: unknown,
  path: PropertyKey[],
  error: (path: PropertyKey[], message: string, atKey?: boolean) => void,
): void {
  if (!Array.isArray(arms) || arms.length === 0) return;
  const isElse = (arm: unknown) =>
    arm !== null && typeof arm === "object" && Object.hasOwn(arm, "else") && !Object.hasOwn(arm, "if");
  const elses = arms.flatMap((arm: unknown, k) => (isElse(arm) ? [k] : []));
  for (const k of elses) {
    if (k === arms.length - 1) continue;
    error(
      [...path, k, "else"],
      '"else" must be the last choice of a branch: choices are tried from the top, so the ones after it would never be taken',
      true,
    );
  }
  if (elses.length === arms.length) {
    error(
      path,
      'a branch needs at least one "if" choice; to always take these steps, write them without a branch',
    );
  }
}

/** A condition map as written, turned into the interpreter's Condition (keys sorted, so the version ignores their order). */
function toCondition(raw: FlowFileCondition): Condition {
  const parts: Condition[] = Object.keys(raw)
    .sort()
    .map((key): Condition => {
      const value = raw[key];
      switch (key) {
        case "all":
          return { type: "all", conditions: (value as FlowFileCondition[]).map(toCondition) };
        case "any":
          return { type: "any", conditions: (value as FlowFileCondition[]).map(toCondition) };
        case "not":
          return { type: "not", condition: toCondition(value as FlowFileCondition) };
        case "replied":
          return { type: "replied", value: value as boolean };
        case "tagged":
          return { type: "field", field: "customer.tags", is: { contains: value as string } };
        case "owns": {
          const o = value as { sku?: string | number | boolean; category?: string | number | boolean };
          return {
            type: "owns",
            ...(o.sku !== undefined ? { sku: o.sku } : {}),
            ...(o.category !== undefined ? { category: o.category } : {}),
          };
        }
        default:
          return { type: "field", field: key, is: value as FieldCondition };
      }
    });
  const only = parts[0];
  return parts.length === 1 && only ? only : { type: "all", conditions: parts };
}

interface Built {
  steps: Step[];
  positions: StepPosition[];
}

/** The steps of one list (top level or nested), with their positions in reading order. */
function toSteps(
  raw: readonly FlowFileStep[] | null | undefined,
  base: PropertyKey[],
  prefix: string | null,
  locator: YamlLocator,
): Built {
  const steps: Step[] = [];
  const positions: StepPosition[] = [];
  (raw ?? []).forEach((s, index) => {
    const path = [...base, index];
    const kind = s === "exit" ? "exit" : (STEP_KINDS.find((k) => k in s) ?? "exit");
    const type: StepType = typeOfKind(kind);
    const id = (typeof s === "object" ? s.id : undefined) ?? defaultStepId(type, index, prefix);
    const position: StepPosition = {
      id,
      path: pathText(path),
      step: locator.valueAt(path),
      value: locator.valueAt(s === "exit" ? path : [...path, kind]),
      ...(typeof s === "object" && "send" in s && s.topic !== undefined
        ? { topic: locator.valueAt([...path, "topic"]) }
        : {}),
      ...(typeof s === "object" && "branch" in s
        ? {
            arms: s.branch.map((arm, k) =>
              locator.valueAt([...path, "branch", k, "if" in arm ? "if" : "else"]),
            ),
          }
        : {}),
    };
    const nested: StepPosition[] = [];
    const sub = (list: readonly FlowFileStep[] | null | undefined, name: string, listPath: PropertyKey[]) => {
      const built = toSteps(list, [...path, ...listPath], listIdPrefix(id, name), locator);
      nested.push(...built.positions);
      return built.steps;
    };
    let step: Step;
    if (s === "exit") step = { id, type: "exit", reason: null };
    else if ("send" in s)
      step = {
        id,
        type: "send",
        template: typeof s.send === "string" ? s.send : s.send.template,
        ...(typeof s.send === "object" && s.send.channel !== undefined && s.send.channel !== "email"
          ? { channel: s.send.channel }
          : {}),
        ...(s.transactional !== undefined ? { transactional: s.transactional } : {}),
        ...(s.topic !== undefined ? { topic: s.topic } : {}),
      };
    else if ("notify" in s) step = { id, type: "notify", template: s.notify };
    else if ("exit" in s) step = { id, type: "exit", reason: s.exit };
    else if ("wait" in s)
      step = { id, type: "wait", durationMs: mustParseDuration(s.wait), duration: s.wait.trim() };
    else if ("wait_for_reply" in s) {
      step = {
        id,
        type: "wait_for_reply",
        timeoutMs: mustParseDuration(s.wait_for_reply),
        timeout: s.wait_for_reply.trim(),
        onReply: sub(s.on_reply, "on_reply", ["on_reply"]),
        onTimeout: sub(s.on_timeout, "on_timeout", ["on_timeout"]),
      };
    } else if ("wait_until" in s) {
      step = { id, type: "wait_until", until: toWaitUntil(s.wait_until) };
    } else if ("wait_for" in s) {
      step = {
        id,
        type: "wait_for",
        event: s.wait_for.event,
        timeoutMs: mustParseDuration(s.wait_for.timeout),
        timeout: s.wait_for.timeout.trim(),
        onEvent: sub(s.on_event, "on_event", ["on_event"]),
        onTimeout: sub(s.on_timeout, "on_timeout", ["on_timeout"]),
      };
    } else if ("tag" in s) {
      step = { id, type: "tag", add: tagList(s.tag), remove: [] };
    } else if ("untag" in s) {
      step = { id, type: "tag", add: [], remove: tagList(s.untag) };
    } else if ("set" in s) {
      step = {
        id,
        type: "set",
        values: Object.keys(s.set)
          .sort()
          .map((field) => ({ field, value: s.set[field] as string | number | boolean })),
      };
    } else if ("branch" in s) {
      step = {
        id,
        type: "branch",
        arms: s.branch.map((arm, k): BranchArm => {
          if ("then" in arm) {
            return {
              when: toCondition(arm.if),
              steps: sub(arm.then, armListName(k, false), ["branch", k, "then"]),
            };
          }
          return { when: null, steps: sub(arm.else, armListName(k, true), ["branch", k, "else"]) };
        }),
      };
    } else {
      const never: never = s;
      throw new Error(`unknown step ${JSON.stringify(never)}`);
    }
    steps.push(step);
    positions.push(position, ...nested);
  });
  return { steps, positions };
}

function tagList(tags: string | string[]): string[] {
  return [...new Set(typeof tags === "string" ? [tags] : tags)];
}

const DEFAULT_AT = "09:00";

function toWaitUntil(raw: Extract<FlowFileStep, { wait_until: unknown }>["wait_until"]): WaitUntil {
  const until: WaitUntil = { at: raw.at ?? DEFAULT_AT };
  if (raw.date !== undefined) until.date = raw.date;
  if (raw.offset !== undefined) {
    const ms = parseOffset(raw.offset);
    if (ms === null) throw new Error(`schema accepted an offset it cannot parse: ${raw.offset}`);
    until.offsetMs = ms;
    until.offset = raw.offset.trim();
  }
  if (raw.days !== undefined) {
    until.days = [...new Set(raw.days.map((d) => WEEKDAYS.indexOf(d)))].sort((a, b) => a - b);
  }
  return until;
}

function mustParseDuration(text: string): number {
  const ms = parseDuration(text);
  if (ms === null) throw new Error(`schema accepted a duration it cannot parse: ${text}`);
  return ms;
}

function toFlow(data: FlowFile, id: string, file: string, locator: YamlLocator): Flow {
  const { steps, positions } = toSteps(data.steps, ["steps"], null, locator);
  const where = data.trigger.where;
  // An empty `where:` means the same as none; normalising keeps the version stable.
  const narrowed = where && Object.keys(where).length > 0 ? { where } : {};
  const trigger: Trigger =
    data.trigger.date !== undefined
      ? { date: data.trigger.date, every: "year", at: data.trigger.at ?? DEFAULT_AT, ...narrowed }
      : { event: data.trigger.event ?? "", ...narrowed };
  const entry: EntryRule =
    typeof data.entry === "string"
      ? data.entry
      : {
          rule: "at_most_once_in",
          windowMs: mustParseDuration(data.entry.at_most_once_in),
          window: data.entry.at_most_once_in.trim(),
        };
  const flow: Omit<Flow, "version"> = {
    id,
    name: data.name,
    ...(data.description !== undefined ? { description: data.description } : {}),
    file,
    trigger,
    entry,
    ...(data.relationship !== undefined ? { relationship: data.relationship } : {}),
    ...(data.transactional ? { transactional: true } : {}),
    ...(data.topic !== undefined ? { topic: data.topic } : {}),
    ...(data.runs_in_flight ? { runsInFlight: data.runs_in_flight } : {}),
    ...(data.exit_when !== undefined ? { exitWhen: toCondition(data.exit_when) } : {}),
    ...(data.goal !== undefined ? { goal: toCondition(data.goal) } : {}),
    steps,
    positions: {
      steps: positions,
      ...(data.topic !== undefined ? { topic: locator.valueAt(["topic"]) } : {}),
      trigger: locator.valueAt(["trigger", data.trigger.date !== undefined ? "date" : "event"]),
      ...(narrowed.where ? { where: locator.valueAt(["trigger", "where"]) } : {}),
      ...(data.exit_when !== undefined ? { exitWhen: locator.valueAt(["exit_when"]) } : {}),
      ...(data.goal !== undefined ? { goal: locator.valueAt(["goal"]) } : {}),
    },
  };
  return { ...flow, version: flowVersion(flow) };
}
