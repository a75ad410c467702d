/**
 * A problem found in a flow file, pointing at the exact place to fix it.
 *
 * Contract: every FlowError names the file, the 1-based line and column of the offending
 * YAML node (line and col are 0 only when the problem is not inside any file, e.g. the
 * flows folder is missing), the setting's path (`steps[2].wait`, "" for the file as a
 * whole) and a message for marketing people saying what was found and what is allowed.
 * formatFlowError renders the compiler-style one-liner editors and terminals link to:
 *   config/flows/x.yaml:12:5: steps[2].wait: expected a duration like "14 days" or "2h", found "14 dayz"
 */

export interface FlowError {
  file: string;
  line: number;
  col: number;
  path: string;
  message: string;
}

export function formatFlowError(e: FlowError): string {
  const where = e.line > 0 ? `${e.file}:${e.line}:${e.col}` : e.file;
  return e.path ? `${where}: ${e.path}: ${e.message}` : `${where}: ${e.message}`;
}

/** `steps[2].wait` from ["steps", 2, "wait"]; where-keys keep their dots (`trigger.where.product.sku`). */
export function pathText(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}

/** Errors in reading order, so the first one printed is the first one in the file. */
export function sortFlowErrors(errors: FlowError[]): FlowError[] {
  return [...errors].sort(
    (a, b) =>
      a.file.localeCompare(b.file) || a.line - b.line || a.col - b.col || a.path.localeCompare(b.path),
  );
}
