/**
 * Parses YAML and validates it with a zod schema, reporting every problem at the
 * line and column of the node it concerns (the key for unknown or malformed keys, the value for
 * bad values, the parent map for missing keys).
 */
import { isMap, isNode, isScalar, LineCounter, type Node, parseDocument } from "yaml";
import type { z } from "zod";

export interface YamlProblem {
  file: string;
  line: number;
  col: number;
  path: string;
  message: string;
}

export type YamlResult<T> = { ok: true; value: T } | { ok: false; problems: YamlProblem[] };

function pathText(path: readonly PropertyKey[]): string {
  let out = "";
  for (const p of path) out += typeof p === "number" ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out || "(top)";
}

/** The deepest node along `path`, and whether it is the exact node or an ancestor. */
function nodeAt(root: unknown, path: readonly PropertyKey[]): { node: Node | null; exact: boolean } {
  let node: unknown = root;
  let last: Node | null = isNode(root) ? root : null;
  for (const key of path) {
    if (!isNode(node) || !("get" in node)) return { node: last, exact: false };
    const next = (node as { get(k: unknown, keepScalar: true): unknown }).get(key, true);
    if (!isNode(next)) return { node: last, exact: false };
    node = next;
    last = next;
  }
  return { node: last, exact: true };
}

/** The key node for `key` in map `node`, for pointing at unknown keys. */
function keyNode(map: Node | null, key: string): Node | null {
  if (!map || !isMap(map)) return null;
  for (const pair of map.items) {
    if (isScalar(pair.key) && pair.key.value === key) return pair.key;
  }
  return null;
}

export function parseYamlWithSchema<S extends z.ZodType>(
  source: string,
  file: string,
  schema: S,
): YamlResult<z.infer<S>> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(source, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number | undefined) => {
    const pos = lineCounter.linePos(offset ?? 0);
    return { line: pos.line, col: pos.col };
  };
  if (doc.errors.length > 0) {
    return {
      ok: false,
      problems: doc.errors.map((e) => ({
        file,
        ...at(e.pos[0]),
        path: "(yaml)",
        message: `YAML syntax: ${e.message.split("\n")[0]}`,
      })),
    };
  }
  const parsed = schema.safeParse(doc.toJS());
  if (parsed.success) return { ok: true, value: parsed.data };
  const problems: YamlProblem[] = [];
  for (const issue of parsed.error.issues) {
    const { node, exact } = nodeAt(doc.contents, issue.path);
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) {
        const k = keyNode(node, key);
        problems.push({
          file,
          ...at(k?.range?.[0] ?? node?.range?.[0]),
          path: pathText([...issue.path, key]),
          message: `unknown setting "${key}"`,
        });
      }
      continue;
    }
    if (issue.code === "invalid_key") {
      // A map key of the wrong form (a record's key schema): point at the key itself.
      const parent = nodeAt(doc.contents, issue.path.slice(0, -1)).node;
      const k = keyNode(parent, String(issue.path.at(-1)));
      problems.push({
        file,
        ...at(k?.range?.[0] ?? node?.range?.[0]),
        path: pathText(issue.path),
        message: issue.issues[0]?.message ?? issue.message,
      });
      continue;
    }
    const missing = !exact && issue.code === "invalid_type";
    const found = exact && isScalar(node) ? `, found ${JSON.stringify(node.value)}` : "";
    problems.push({
      file,
      ...at(node?.range?.[0]),
      path: pathText(issue.path),
      message: missing ? `missing: expected a ${issue.expected} here` : `${issue.message}${found}`,
    });
  }
  return { ok: false, problems };
}
