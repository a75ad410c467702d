/**
 * How a flow version is kept on record (the `definition` of a flow_versions row), so a
 * run can go on with the definition it started on after the file changed, and a record
 * written by one rapport is read by the next.
 *
 * Contract (format 1; README "Flow versions on record"):
 *   flowRecordText(flow) = JSON of { "format": 1, "flow": <the flow file as JSON> }, the
 *   flow being flowDocument(flow): the documented flow file language, not the
 *   interpreter's internal shape.
 *   readFlowRecord(text, row) parses a record back into a Flow by the same path a file
 *   takes (the YAML it stands for goes through parseFlow, so the same schema and checks
 *   validate it), with the row's flow id, version and file, and no source positions.
 *   Records older rapports wrote (the internal Flow as JSON, no "format") are upgraded:
 *   written as a document, then parsed the same way. Anything else, or a format newer
 *   than this rapport knows, is refused with a message naming the flow, version and
 *   what was wrong. Never throws. Pure.
 */
import { stringify } from "yaml";
import { flowDocument } from "./document.js";
import { formatFlowError } from "./errors.js";
import { parseFlow } from "./parse.js";
import type { Flow } from "./types.js";

export const FLOW_RECORD_FORMAT = 1;

export interface FlowRecordRow {
  flowId: string;
  version: string;
  /** The file the version was loaded from. */
  file: string;
}

export type ReadFlowRecordResult =
  | {
      ok: true;
      flow: Flow;
      /** The record's format: 0 for the unversioned records of older rapports (upgraded). */
      format: number;
    }
  | { ok: false; error: string };

export function flowRecordText(flow: Flow): string {
  return JSON.stringify({ format: FLOW_RECORD_FORMAT, flow: flowDocument(flow) });
}

export function readFlowRecord(text: string, row: FlowRecordRow): ReadFlowRecordResult {
  const refuse = (why: string): ReadFlowRecordResult => ({
    ok: false,
    error: `the record of flow "${row.flowId}" version ${row.version} (${row.file}) cannot be read: ${why}`,
  });
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    return refuse(`it is not JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  if (data === null || typeof data !== "object" || Array.isArray(data)) {
    return refuse(`expected an object like { "format": ${FLOW_RECORD_FORMAT}, "flow": { ... } }`);
  }
  const record = data as Record<string, unknown>;
  let document: unknown;
  let format: number;
  if (Object.hasOwn(record, "format")) {
    if (record.format !== FLOW_RECORD_FORMAT) {
      return refuse(
        `it is in format ${JSON.stringify(record.format)}, and this rapport reads format ${FLOW_RECORD_FORMAT}` +
          (typeof record.format === "number" && record.format > FLOW_RECORD_FORMAT
            ? " (a newer rapport wrote it: run that one)"
            : ""),
      );
    }
    format = FLOW_RECORD_FORMAT;
    document = record.flow;
  } else if (Array.isArray(record.steps) && typeof record.trigger === "object" && record.trigger !== null) {
    // An older rapport stored the interpreter's Flow itself: say it again as a document.
    format = 0;
    try {
      document = flowDocument(record as unknown as Flow);
    } catch (err) {
      return refuse(
        `it is in the unversioned form of older rapports but not a flow they wrote (${err instanceof Error ? err.message : String(err)})`,
      );
    }
  } else {
    return refuse(
      `expected { "format": ${FLOW_RECORD_FORMAT}, "flow": { ... } } or an older rapport's flow definition`,
    );
  }
  if (document === null || typeof document !== "object" || Array.isArray(document)) {
    return refuse('"flow" must be the flow file as an object (name, trigger, steps, ...)');
  }
  // Through YAML so the record takes exactly the path a file takes (schema and structure checks).
  const parsed = parseFlow(stringify(document), row.file);
  if (!parsed.ok) {
    // Lines would point into text made here, not a file anyone has: the setting path says where.
    return refuse(parsed.errors.map((e) => formatFlowError({ ...e, file: "", line: 0 })).join("; "));
  }
  const { positions: _positions, ...flow } = parsed.flow;
  return { ok: true, flow: { ...flow, id: row.flowId, version: row.version, file: row.file }, format };
}
