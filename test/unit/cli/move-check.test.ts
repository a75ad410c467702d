import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { moveProblemsOnRecord } from "../../../src/cli/move-check.js";
import { loadSettings } from "../../../src/config/settings.js";
import { parseFlow } from "../../../src/flows/parse.js";
import type { Flow } from "../../../src/flows/types.js";
import { SqliteDriver } from "../../../src/store/sqlite-driver.js";
import { openSqliteStore } from "../../../src/store/sqlite-store.js";

const flow = (steps: string): Flow => {
  const parsed = parseFlow(
    `name: F\ntrigger: { event: registration }\nruns_in_flight: move\nsteps:\n${steps}`,
    "config/flows/f.yaml",
  );
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.flow;
};

describe("validate: runs_in_flight: move against the versions on record", () => {
  it("reports steps runs may wait at that the file no longer has, and nothing without a store", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rapport-move-"));
    const settings = loadSettings({ RAPPORT_DATA_DIR: dir, RAPPORT_CONFIG_DIR: resolve("config") });
    const old = flow("  - send: a\n  - wait: 3 days\n    id: pause\n  - send: b\n");
    const now = flow("  - send: a\n  - send: b\n");
    expect(await moveProblemsOnRecord(new Map([["f", now]]), settings)).toEqual([]);

    const store = openSqliteStore(join(dir, "rapport.db"));
    await store.recordFlowVersions([old], 1);
    await store.close();
    expect(await moveProblemsOnRecord(new Map([["f", now]]), settings)).toEqual([
      `config/flows/f.yaml: runs_in_flight: move: runs waiting at step "pause" (wait) in version ${old.version} would find no such step`,
    ]);
  });

  it("reports a version on record it cannot read (a newer rapport's) instead of failing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rapport-move-"));
    const settings = loadSettings({ RAPPORT_DATA_DIR: dir, RAPPORT_CONFIG_DIR: resolve("config") });
    const now = flow("  - send: a\n");
    const store = openSqliteStore(join(dir, "rapport.db"));
    await store.close();
    // The driver rapport itself loads on this Node (sqlite-driver.ts: 12 on Node 20, 13 on 22+).
    const db = new SqliteDriver(join(dir, "rapport.db"));
    db.prepare(
      "insert into flow_versions (flow_id, version, definition, file, first_seen_at) values ('f', 'v9', ?, 'config/flows/f.yaml', 1)",
    ).run(JSON.stringify({ format: 2, flow: {} }));
    db.close();
    expect(await moveProblemsOnRecord(new Map([["f", now]]), settings)).toEqual([
      'config/flows/f.yaml: runs_in_flight: move: the record of flow "f" version v9 (config/flows/f.yaml) cannot be read: it is in format 2, and this rapport reads format 1 (a newer rapport wrote it: run that one)',
    ]);
  });
});
