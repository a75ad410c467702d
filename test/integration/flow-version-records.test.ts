/**
 * Flow versions on record, on both backends: records are written in format 1 (the flow
 * file as JSON, src/flows/record.ts), and the records an older rapport wrote (the
 * interpreter's Flow as JSON, no format) are still read, upgraded through the same schema;
 * a record this rapport cannot read is an error that names the flow and version.
 */
import { sql } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseFlow } from "../../src/flows/parse.js";
import type { Flow } from "../../src/flows/types.js";
import { flowVersionStore } from "../../src/store/flow-versions.js";
import { flowVersions } from "../../src/store/schema.js";
import type { Database } from "../../src/store/sql/handle.js";
import { adhoc } from "../../src/store/sql/query.js";
import { type OpenedTestDatabase, storeBackends } from "../support/store-backends.js";

const SOURCE = `name: Ask
trigger: { event: registration, where: { product.category: turntable } }
entry: { at_most_once_in: 30 days }
topic: check_ins
steps:
  - send: get-to-know-you
  - wait_for_reply: 10 days
    id: answer
    on_reply:
      - branch:
          - if: { reply.text: { matches: "^yes" } }
            then: [ { tag: fan } ]
          - else: [ exit ]
`;

function askFlow(): Flow {
  const parsed = parseFlow(SOURCE, "config/flows/ask.yaml");
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.flow;
}

async function insertRecord(db: Database, version: string, definition: string): Promise<void> {
  await db.tx((t) =>
    t.run(
      adhoc(sql`insert into ${flowVersions} (flow_id, version, definition, file, first_seen_at)
        values ('ask', ${version}, ${definition}, 'config/flows/ask.yaml', 1)`),
    ),
  );
}

describe.each(storeBackends)("flow versions on record ($name)", ({ skip, openDatabase }) => {
  let opened: OpenedTestDatabase;
  let db: Database;
  beforeEach(async () => {
    if (skip) return;
    opened = await openDatabase();
    db = opened.database;
  });
  afterEach(async () => {
    if (!skip) await opened.dispose();
  });

  it.skipIf(skip)("writes format 1 and reads it back as the flow that was recorded", async () => {
    const store = flowVersionStore(db);
    const flow = askFlow();
    await store.recordFlowVersions([flow], 1000);
    const row = await db.read((t) =>
      t.get(adhoc<{ definition: string }>(sql`select definition from ${flowVersions}`)),
    );
    expect(JSON.parse(row?.definition ?? "")).toMatchObject({
      format: 1,
      flow: {
        name: "Ask",
        steps: [{ send: "get-to-know-you" }, { wait_for_reply: "10 days", id: "answer" }],
      },
    });
    const { positions: _positions, ...expected } = flow;
    expect(await store.getFlowVersion("ask", flow.version)).toEqual(expected);
  });

  it.skipIf(skip)("reads a record an older rapport wrote (the Flow itself as JSON)", async () => {
    const flow = askFlow();
    // The definition exactly as recordFlowVersions wrote it before records had a format.
    const { positions: _positions, ...old } = flow;
    await insertRecord(db, flow.version, JSON.stringify(old));
    const store = flowVersionStore(db);
    expect(await store.getFlowVersion("ask", flow.version)).toEqual(old);
    expect((await store.listFlowVersions("ask")).map((f) => f.version)).toEqual([flow.version]);
  });

  it.skipIf(skip)("refuses a record it cannot read, naming the flow and version", async () => {
    await insertRecord(db, "v-new", JSON.stringify({ format: 2, flow: {} }));
    await insertRecord(db, "v-bad", JSON.stringify({ format: 1, flow: { name: "Ask", steps: [] } }));
    const store = flowVersionStore(db);
    await expect(store.getFlowVersion("ask", "v-new")).rejects.toThrow(
      'the record of flow "ask" version v-new (config/flows/ask.yaml) cannot be read: it is in format 2, and this rapport reads format 1',
    );
    await expect(store.getFlowVersion("ask", "v-bad")).rejects.toThrow(/version v-bad .*trigger/);
  });
});
