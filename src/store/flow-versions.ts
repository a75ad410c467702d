/**
 * The record of flow versions: what each version of a flow said, from the first time a
 * rapport process loaded it. Runs name the version they started on (flow_runs.flow_version),
 * and the step job advances them with that definition even after the file changed.
 */
import { and, asc, eq } from "drizzle-orm";
import type { Flow } from "../flows/types.js";
import type { Db } from "./db.js";
import { flowVersions } from "./schema.js";
import type { FlowVersionRow } from "./store.js";

/** Records the versions not seen before; returns them, each with the flow's previous latest version. */
export function recordFlowVersions(db: Db, flows: readonly Flow[], now: number): FlowVersionRow[] {
  return db.transaction(
    (tx) => {
      const added: FlowVersionRow[] = [];
      for (const flow of flows) {
        const known = tx
          .select({ version: flowVersions.version, firstSeenAt: flowVersions.firstSeenAt })
          .from(flowVersions)
          .where(eq(flowVersions.flowId, flow.id))
          .orderBy(asc(flowVersions.firstSeenAt))
          .all();
        if (known.some((k) => k.version === flow.version)) continue;
        const { positions: _positions, ...definition } = flow;
        tx.insert(flowVersions)
          .values({
            flowId: flow.id,
            version: flow.version,
            definition: JSON.stringify(definition),
            file: flow.file,
            firstSeenAt: now,
          })
          .onConflictDoNothing()
          .run();
        added.push({
          flowId: flow.id,
          version: flow.version,
          previousVersion: known.at(-1)?.version ?? null,
          firstSeenAt: now,
        });
      }
      return added;
    },
    { behavior: "immediate" },
  );
}

export function getFlowVersion(db: Db, flowId: string, version: string): Flow | null {
  const row = db
    .select({ definition: flowVersions.definition })
    .from(flowVersions)
    .where(and(eq(flowVersions.flowId, flowId), eq(flowVersions.version, version)))
    .get();
  return row ? (JSON.parse(row.definition) as Flow) : null;
}

/** Every recorded version of a flow, oldest first. */
export function listFlowVersions(db: Db, flowId: string): Flow[] {
  return db
    .select({ definition: flowVersions.definition })
    .from(flowVersions)
    .where(eq(flowVersions.flowId, flowId))
    .orderBy(asc(flowVersions.firstSeenAt))
    .all()
    .map((r) => JSON.parse(r.definition) as Flow);
}
