/**
 * Turns zod issues about a flow file into FlowErrors: plain words, a position in the
 * YAML, and "did you mean" for unknown keys.
 *
 * Contract: createErrorMap() is passed to safeParse as the per-parse error map. It words
 * every issue the schema did not word itself, and remembers, per object that had unknown
 * keys, which keys would have been allowed (zod drops that from the final issue).
 * issuesToErrors() then places each issue: unknown keys and bad `where` fields at the
 * key, bad values at the value, missing keys at the parent map.
 *
 * Unions (a step is a send or a wait; a `where` condition has six forms) get special
 * care: zod reports every alternative's complaints, so we pick the alternative the
 * author evidently meant (the one whose shape fits and has all its required keys) and
 * report only its problems; when no single one fits, unknown keys are the likeliest
 * cause (`wiat:`), and failing that the union's own message says what forms exist.
 */
import type { z } from "zod";
import { describeExpected, describeFound, listWords } from "./describe.js";
import { type FlowError, pathText } from "./errors.js";
import { didYouMean } from "./suggest.js";
import type { YamlLocator } from "./yaml-nodes.js";

type Issue = z.core.$ZodIssue;
type RawIssue = z.core.$ZodRawIssue;

/**
 * Allowed keys per object that had unknown keys: one set per schema that judged it (a
 * union's alternatives each add theirs), so the message can list the keys of the form
 * the author was writing rather than of every form.
 */
export type AllowedKeys = WeakMap<object, Array<Set<string>>>;

function shapeKeys(inst: unknown): string[] {
  const shape = (inst as { _zod?: { def?: { shape?: Record<string, unknown> } } } | undefined)?._zod?.def
    ?.shape;
  return shape ? Object.keys(shape) : [];
}

/** Plain-word messages for issues the schema left unworded; records allowed keys on the way. */
export function createErrorMap(allowed: AllowedKeys) {
  return (iss: RawIssue): string | undefined => {
    switch (iss.code) {
      case "unrecognized_keys": {
        if (iss.input !== null && typeof iss.input === "object") {
          const sets = allowed.get(iss.input) ?? [];
          const keys = new Set(shapeKeys(iss.inst));
          const text = [...keys].sort().join(",");
          if (!sets.some((s) => [...s].sort().join(",") === text)) sets.push(keys);
          allowed.set(iss.input, sets);
        }
        return `unknown setting(s) ${listWords(iss.keys)}`;
      }
      case "invalid_type": {
        if (iss.input === undefined) {
          const key = iss.path?.at(-1);
          return key === undefined ? "a required setting is missing" : `missing "${String(key)}"`;
        }
        const quoteHint =
          iss.expected === "string" && (typeof iss.input === "number" || typeof iss.input === "boolean")
            ? `; to use it as text, put it in quotes: "${String(iss.input)}"`
            : "";
        return `expected ${describeExpected(iss.expected)}, found ${describeFound(iss.input)}${quoteHint}`;
      }
      case "invalid_value": {
        const found = typeof iss.input === "string" ? iss.input : "";
        const options = iss.values.filter((v): v is string => typeof v === "string");
        return `expected one of ${listWords(iss.values)}, found ${describeFound(iss.input)}${didYouMean(found, options)}`;
      }
      case "too_small":
        return iss.origin === "array"
          ? `needs at least ${String(iss.minimum)} item(s)`
          : `is too short, found ${describeFound(iss.input)}`;
      case "too_big":
        return `is too large, found ${describeFound(iss.input)}`;
      case "invalid_format":
        return `${describeFound(iss.input)} is not written in the expected form`;
      case "invalid_union":
        return `found ${describeFound(iss.input)}, which is none of the allowed forms`;
      default:
        return undefined;
    }
  };
}

interface Context {
  file: string;
  locator: YamlLocator;
  allowed: AllowedKeys;
}

/** A FlowError with the setting path it came from, before filtering. */
interface Placed {
  error: FlowError;
  path: readonly PropertyKey[];
  /** The issue says the key at `path` itself is wrong (so its value is not worth judging). */
  badKey: boolean;
}

function startsWith(path: readonly PropertyKey[], prefix: readonly PropertyKey[]): boolean {
  return prefix.length <= path.length && prefix.every((p, i) => String(p) === String(path[i]));
}

/**
 * Places every issue; then drops complaints about the value of a key that is itself
 * refused (a misspelt `alll:` gets "did you mean all", not also a remark on its list)
 * and exact repeats (two schemas judging one value alike).
 */
export function issuesToErrors(issues: readonly Issue[], ctx: Context): FlowError[] {
  const placed: Placed[] = [];
  for (const issue of issues) place(issue, [], ctx, placed);
  const badKeys = placed.filter((p) => p.badKey).map((p) => p.path);
  const seen = new Set<string>();
  const out: FlowError[] = [];
  for (const p of placed) {
    if (!p.badKey && badKeys.some((k) => startsWith(p.path, k))) continue;
    const key = JSON.stringify(p.error);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(p.error);
  }
  return out;
}

function place(issue: Issue, base: readonly PropertyKey[], ctx: Context, out: Placed[]): void {
  const path = [...base, ...issue.path];
  const at = (
    pos: { line: number; col: number },
    p: readonly PropertyKey[],
    message: string,
    badKey = false,
  ) =>
    out.push({
      error: { file: ctx.file, line: pos.line, col: pos.col, path: pathText(p), message },
      path: p,
      badKey,
    });

  switch (issue.code) {
    case "custom":
      // Our own checks mark a refused key with params.at = "key" (branch conditions).
      if ((issue.params as { at?: unknown } | undefined)?.at === "key") {
        at(ctx.locator.keyAt(path), path, issue.message, true);
        return;
      }
      at(ctx.locator.valueAt(path), path, issue.message);
      return;
    case "unrecognized_keys":
      unknownKeys(issue.keys, issue.input, path, ctx, out);
      return;
    case "invalid_key":
      // A refused `where` field: the inner issue carries the schema's explanation.
      at(ctx.locator.keyAt(path), path, issue.issues[0]?.message ?? issue.message, true);
      return;
    case "invalid_union": {
      const branch = pickBranch(issue.errors, issue.input);
      if (branch) {
        for (const inner of branch) place(inner, path, ctx, out);
        return;
      }
      const unknown = commonUnknownKeys(issue.errors);
      if (unknown.length > 0) {
        unknownKeys(unknown, issue.input, path, ctx, out);
        return;
      }
      at(ctx.locator.valueAt(path), path, issue.message);
      return;
    }
    default:
      at(ctx.locator.valueAt(path), path, issue.message);
  }
}

/**
 * The keys allowed in `input`: of the forms that judged it, those that accept every key
 * it has besides the unknown ones (the form the author was writing); all of them when
 * none does.
 */
function allowedKeysFor(input: unknown, unknown: readonly string[], ctx: Context): string[] {
  if (input === null || typeof input !== "object") return [];
  const sets = ctx.allowed.get(input) ?? [];
  const known = Object.keys(input).filter((k) => !unknown.includes(k));
  const fitting = sets.filter((s) => known.every((k) => s.has(k)));
  const chosen = fitting.length > 0 ? fitting : sets;
  return [...new Set(chosen.flatMap((s) => [...s]))].sort();
}

function unknownKeys(
  keys: readonly string[],
  input: unknown,
  path: readonly PropertyKey[],
  ctx: Context,
  out: Placed[],
): void {
  const allowed = allowedKeysFor(input, keys, ctx);
  for (const key of keys) {
    const keyPath = [...path, key];
    const pos = ctx.locator.keyAt(keyPath);
    const allowedText = allowed.length > 0 ? ` (allowed here: ${allowed.join(", ")})` : "";
    out.push({
      error: {
        file: ctx.file,
        line: pos.line,
        col: pos.col,
        path: pathText(keyPath),
        message: `unknown setting "${key}"${allowedText}${didYouMean(key, allowed)}`,
      },
      path: keyPath,
      badKey: true,
    });
  }
}

/**
 * The branch's value has the wrong type altogether (an object where a text was expected,
 * or anything but the one word a literal form such as `- exit` accepts).
 */
function wrongShape(branch: readonly Issue[]): boolean {
  return branch.some((i) => (i.code === "invalid_type" || i.code === "invalid_value") && i.path.length === 0);
}

/**
 * The branch complains about a key the value does not have: one of its own required keys,
 * so the author was not writing this form. Judged from the data, because a missing key
 * whose schema is itself a union is reported as invalid_union, not invalid_type.
 */
function lacksRequiredKey(branch: readonly Issue[], input: unknown): boolean {
  if (input === null || typeof input !== "object") return false;
  return branch.some((i) => i.path.length === 1 && !Object.hasOwn(input, String(i.path[0])));
}

/** The one alternative the author evidently meant, or null if that is not clear. */
function pickBranch(branches: readonly Issue[][], input: unknown): Issue[] | null {
  const shaped = branches.filter((b) => !wrongShape(b));
  const complete = shaped.filter((b) => !lacksRequiredKey(b, input));
  if (complete.length === 1) return complete[0] ?? null;
  if (complete.length === 0 && shaped.length === 1) return shaped[0] ?? null;
  return null;
}

/** Unknown keys every plausible alternative complained about: those are the real culprits. */
function commonUnknownKeys(branches: readonly Issue[][]): string[] {
  const shaped = branches.filter((b) => !wrongShape(b));
  let common: string[] | null = null;
  for (const branch of shaped) {
    const keys = branch.flatMap((i) => (i.code === "unrecognized_keys" && i.path.length === 0 ? i.keys : []));
    common = common === null ? keys : common.filter((k) => keys.includes(k));
  }
  return common ?? [];
}
