/**
 * The record of flow versions: what each version of a flow said, from the first time a
 * rapport process loaded it. Runs name the version they started on (flow_runs.flow_version),
 * and the step job advances them with that definition even after the file changed.
 * `definition` is a versioned record (src/flows/record.ts: { format: 1, flow: <the flow
 * file as JSON> }), validated when read; records older rapports wrote are upgraded on read,
 * and one that cannot be read is an error naming the flow and version, never a guess.
 */
import { sql } from "drizzle-orm";
import { type FlowRecordRow, flowRecordText, readFlowRecord } from "../flows/record.js";
import type { Flow } from "../flows/types.js";
import { flowVersions } from "./schema.js";
import type { Database, Sql } from "./sql/handle.js";
import { query } from "./sql/query.js";
import type { FlowVersionRow, FlowVersionStore } from "./store.js";

const p = sql.placeholder;

const knownVersions = query<{ version: string }>(sql`
  select version from ${flowVersions} where flow_id = ${p("flowId")} order by first_seen_at asc`);
// Two processes starting at once may both find a version new: the primary key lets one
// insert it, and only the one whose insert returned a row reports it.
const insertVersion = query<{ version: string }>(sql`
  insert into ${flowVersions} (flow_id, version, definition, file, first_seen_at)
  values (${p("flowId")}, ${p("version")}, ${p("definition")}, ${p("file")}, ${p("now")})
  on conflict (flow_id, version) do nothing
  returning version`);
const definitionOf = query<{ definition: string; file: string }>(sql`
  select definition, file from ${flowVersions} where flow_id = ${p("flowId")} and version = ${p("version")}`);
const definitionsOf = query<{ version: string; definition: string; file: string }>(sql`
  select version, definition, file from ${flowVersions} where flow_id = ${p("flowId")} order by first_seen_at asc`);

/** Records the versions not seen before; returns them, each with the flow's previous latest version. */
export async function recordFlowVersions(
  t: Sql,
  flows: readonly Flow[],
  now: number,
): Promise<FlowVersionRow[]> {
  const added: FlowVersionRow[] = [];
  for (const flow of flows) {
    const known = await t.all(knownVersions, { flowId: flow.id });
    if (known.some((k) => k.version === flow.version)) continue;
    const inserted = await t.get(insertVersion, {
      flowId: flow.id,
      version: flow.version,
      definition: flowRecordText(flow),
      file: flow.file,
      now,
    });
    if (!inserted) continue;
    added.push({
      flowId: flow.id,
      version: flow.version,
      previousVersion: known.at(-1)?.version ?? null,
      firstSeenAt: now,
    });
  }
  return added;
}

/** The flow a record stands for; throws, naming the flow and version, when it cannot be read. */
function flowOfRecord(definition: string, row: FlowRecordRow): Flow {
  const read = readFlowRecord(definition, row);
  if (!read.ok) throw new Error(read.error);
  return read.flow;
}

export async function getFlowVersion(t: Sql, flowId: string, version: string): Promise<Flow | null> {
  const row = await t.get(definitionOf, { flowId, version });
  return row ? flowOfRecord(row.definition, { flowId, version, file: row.file }) : null;
}

/** Every recorded version of a flow, oldest first. */
export async function listFlowVersions(t: Sql, flowId: string): Promise<Flow[]> {
  return (await t.all(definitionsOf, { flowId })).map((r) =>
    flowOfRecord(r.definition, { flowId, version: r.version, file: r.file }),
  );
}

export function flowVersionStore(db: Database): FlowVersionStore {
  return {
    recordFlowVersions: (flows, now) => db.tx((t) => recordFlowVersions(t, flows, now)),
    getFlowVersion: (flowId, version) => db.read((t) => getFlowVersion(t, flowId, version)),
    listFlowVersions: (flowId) => db.read((t) => listFlowVersions(t, flowId)),
  };
}
