/**
 * Upgrading keeps the data (issue 14): a store the previous release wrote (its rows in
 * test/fixtures/previous-release/store.json, made by running that release; put back on its
 * schema by test/support/previous-schema.ts) is opened by this version's openStore, which
 * migrates it forward on start. The rows are still read, the columns later migrations added
 * hold what they say for old rows, the flow versions that release recorded (its unversioned
 * format) still read, and a run it left waiting goes on with this version's interpreter.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { advance } from "../../src/flows/interpreter.js";
import { openStore } from "../../src/store/open-store.js";
import type { Store } from "../../src/store/store.js";
import { dropSchema, freshSchema, postgresUnavailable, testPostgresUrl } from "../support/postgres.js";
import {
  PREVIOUS_RELEASE,
  postgresOnPreviousRelease,
  releasedMigrationsEdited,
  sqliteOnPreviousRelease,
} from "../support/previous-schema.js";

const { tables } = PREVIOUS_RELEASE;
const byFlow = (flowId: string) => {
  const run = tables.flow_runs?.find((r) => r.flow_id === flowId);
  if (!run) throw new Error(`store.json: no run of ${flowId}`);
  return { id: String(run.id), version: String(run.flow_version) };
};

async function expectMigratedForward(store: Store): Promise<void> {
  const t = await store.timeline("ada@example.com");
  if (!t) throw new Error("the customer the previous release wrote is gone");
  expect(t.customer.name).toBe("Ada Lovelace");
  expect(t.customer.preferences).toEqual({});
  expect(t.ownerships.map((o) => [o.serial, o.product.sku])).toEqual([["RD-000123", "LYRA-RD-2780"]]);
  // sms: messages.channel, email for every message from before; in_reply_to: none.
  expect(t.messages.map((m) => [m.template, m.status, m.category, m.channel, m.inReplyTo]).sort()).toEqual([
    ["owner-message-received", "sent", "transactional", "email", null],
    ["owner-message-to-team", "sent", "transactional", "email", null],
    ["reply-to-team", "sent", "transactional", "email", null],
    ["thank-you", "sent", "transactional", "email", null],
  ]);
  // dashboard: interactions.handled_at, null for mail from before: the reply and the
  // owner-line message wait in the inbox.
  expect(await store.inboxCount()).toBe(2);
  // dashboard: flow_runs.place and outcome, filled from each run's state by the migration.
  const counts = (await store.flowRunCounts()).map((c) => [c.flowId, c.status, c.cursor, c.outcome, c.runs]);
  expect(counts.sort()).toEqual([
    ["get-to-know-you", "waiting", [0], null, 1],
    ["owner-line", "completed", [2], null, 1],
    ["replies-to-team", "completed", [1], null, 1],
    ["thank-you", "waiting", [1], null, 1],
  ]);

  // Flow versions on record: that release wrote the interpreter's Flow as JSON (no format).
  for (const v of tables.flow_versions ?? []) {
    const flow = await store.getFlowVersion(String(v.flow_id), String(v.version));
    expect(flow && [flow.id, flow.version]).toEqual([v.flow_id, v.version]);
  }
  // Run state: the question it left waiting three days is asked when the wait ends.
  const { id, version } = byFlow("get-to-know-you");
  const run = await store.getRun(id);
  const flow = await store.getFlowVersion("get-to-know-you", version);
  if (!run || !flow || run.wakeAt === null) throw new Error("the waiting get-to-know-you run is gone");
  const woken = advance(flow, run.state, { type: "wake" }, run.wakeAt, {
    defaultTimezone: "Europe/Berlin",
    facts: {
      event: { type: "registration", properties: {} },
      customer: { email: "ada@example.com" },
      ownership: { status: "active" },
    },
  });
  expect(woken.effects.filter((e) => e.type === "send").map((e) => e.template)).toEqual(["get-to-know-you"]);
  expect(woken.run).toMatchObject({ status: "waiting", waitingFor: "reply" });
}

const pgSkip = await postgresUnavailable();

describe(`a store written by the previous release (${PREVIOUS_RELEASE.version})`, () => {
  it("keeps that release's migrations as it shipped them", () => {
    expect(releasedMigrationsEdited("sqlite")).toEqual([]);
    expect(releasedMigrationsEdited("postgres")).toEqual([]);
  });

  it("migrates forward on start (SQLite)", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "rapport-upgrade-")), "rapport.db");
    expect(sqliteOnPreviousRelease(path)).toEqual([
      "0011_dashboard",
      "0012_metrics_counts",
      "0013_sms",
      "0014_short_links",
      "0015_message_in_reply_to",
      "0016_date_schedules_by_customer",
    ]);
    const store = await openStore({ kind: "sqlite", path });
    try {
      await expectMigratedForward(store);
    } finally {
      await store.close();
    }
  });

  it.skipIf(pgSkip !== null)(
    `migrates forward on start (Postgres)${pgSkip ? `: skipped, ${pgSkip}` : ""}`,
    async () => {
      const url = testPostgresUrl();
      const schema = freshSchema();
      try {
        expect(await postgresOnPreviousRelease(url, schema)).toEqual([
          "0004_dashboard",
          "0005_metrics_counts",
          "0006_sms",
          "0007_short_links",
          "0008_message_in_reply_to",
          "0009_date_schedules_by_customer",
        ]);
        const store = await openStore({ kind: "postgres", url, schema, poolSize: 2 });
        try {
          await expectMigratedForward(store);
        } finally {
          await store.close();
        }
      } finally {
        await dropSchema(schema, url);
      }
    },
  );
});
