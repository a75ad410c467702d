/**
 * `rapport validate`'s check of `runs_in_flight: move`: every step a run can be waiting at
 * in a version on record must still exist, with the same kind, in the file as it is now.
 * Needs the store (where the versions are on record); without one there is nothing to
 * check yet. The store is read, never created.
 */
import { existsSync } from "node:fs";
import { storeLocation } from "../config/database.js";
import type { Settings } from "../config/settings.js";
import { moveProblems } from "../flows/migrate.js";
import type { Flow } from "../flows/types.js";
import { openStore } from "../store/open-store.js";

export async function moveProblemsOnRecord(
  flows: ReadonlyMap<string, Flow>,
  settings: Settings,
): Promise<string[]> {
  const moving = [...flows.values()].filter((f) => f.runsInFlight === "move");
  const location = storeLocation(settings);
  if (moving.length === 0 || (location.kind === "sqlite" && !existsSync(location.path))) return [];
  const store = await openStore(location);
  try {
    const problems: string[] = [];
    for (const flow of moving) {
      let versions: Flow[];
      try {
        versions = await store.listFlowVersions(flow.id);
      } catch (err) {
        // A record this rapport cannot read (a newer rapport's): say so, and check the others.
        problems.push(
          `${flow.file}: runs_in_flight: move: ${err instanceof Error ? err.message : String(err)}`,
        );
        continue;
      }
      for (const old of versions) {
        if (old.version === flow.version) continue;
        for (const p of moveProblems(old, flow)) problems.push(`${flow.file}: runs_in_flight: move: ${p}`);
      }
    }
    return problems;
  } finally {
    await store.close();
  }
}
