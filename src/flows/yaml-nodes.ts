/**
 * Finds where a value lives in a parsed YAML document, so a problem found in the plain
 * data (by zod, or by our own checks) can be reported at a line and column.
 *
 * Contract: locator.find(path) walks maps and sequences along a zod-style path and
 * returns the node there, or the deepest ancestor that exists (exact: false, the case of
 * a missing key: report at the parent map). valueAt / keyAt turn that into
 * 1-based positions; any node without a range falls back to line 1, column 1.
 */
import {
  type Document,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  type LineCounter,
  type Node,
  type ParsedNode,
} from "yaml";
import type { SourcePosition } from "./types.js";

interface Found {
  /** The node at the path, or the deepest ancestor when the path does not exist. */
  node: Node | null;
  /** The key node of the last map entry walked through, when the path ends at a map entry. */
  key: Node | null;
  exact: boolean;
}

const START: SourcePosition = { line: 1, col: 1 };

/** Text of a map key as the plain data sees it: `1:` and `"1":` are both "1". */
function keyText(key: unknown): string | null {
  if (isScalar(key)) return String(key.value);
  return null;
}

export class YamlLocator {
  constructor(
    private readonly doc: Document.Parsed<ParsedNode>,
    private readonly lines: LineCounter,
  ) {}

  find(path: readonly PropertyKey[]): Found {
    let node: Node | null = this.doc.contents;
    let key: Node | null = null;
    for (const part of path) {
      if (isAlias(node)) node = (node.resolve(this.doc) as Node | undefined) ?? null;
      let next: Node | null = null;
      let nextKey: Node | null = null;
      if (isMap(node)) {
        const pair = node.items.find((p) => keyText(p.key) === String(part));
        if (pair) {
          nextKey = (pair.key as Node | null) ?? null;
          next = (pair.value as Node | null) ?? null;
          // `key:` with nothing after it: the key is the best place to point at.
          if (next === null && nextKey) return { node: nextKey, key: nextKey, exact: true };
        }
      } else if (isSeq(node)) {
        next = (node.items[Number(part)] as Node | undefined) ?? null;
      }
      if (next === null) return { node, key, exact: false };
      node = next;
      key = nextKey;
    }
    return { node, key, exact: true };
  }

  /** Position of a node's first character. */
  position(node: Node | null | undefined): SourcePosition {
    const offset = node?.range?.[0];
    if (offset === undefined) return START;
    const { line, col } = this.lines.linePos(offset);
    return { line, col };
  }

  /** Where the value at `path` is; an empty value (`steps:`) points at its key, a missing one at the parent. */
  valueAt(path: readonly PropertyKey[]): SourcePosition {
    const { node, key, exact } = this.find(path);
    if (exact && key && isScalar(node) && node.value === null && !node.source) return this.position(key);
    return this.position(node);
  }

  /** Where the key of the map entry at `path` is (for unknown keys); falls back to the value. */
  keyAt(path: readonly PropertyKey[]): SourcePosition {
    const { node, key, exact } = this.find(path);
    return this.position(exact && key ? key : node);
  }
}
