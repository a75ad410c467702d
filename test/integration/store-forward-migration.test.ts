/**
 * Upgrading keeps the data (issue 14): a store written on the previous schema (every
 * migration through the previous release's last, test/support/previous-schema.ts) is opened by this version's
 * openStore, which migrates it forward on start. Its rows are still read, and the columns
 * the later migrations added hold what they say for old rows.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openStore } from "../../src/store/open-store.js";
import type { Store } from "../../src/store/store.js";
import { dropSchema, freshSchema, postgresUnavailable, testPostgresUrl } from "../support/postgres.js";
import { postgresOnPreviousSchema, sqliteOnPreviousSchema } from "../support/previous-schema.js";

const T = 1_790_000_000_000;
/** Plain SQL both dialects take (booleans as true/false: SQLite reads them as 1/0). */
const SEED = [
  `INSERT INTO customers (id, email, name, created_at, updated_at) VALUES ('c1', 'ada@example.com', 'Ada Lovelace', ${T}, ${T})`,
  `INSERT INTO products (id, sku, name, category, created_at, updated_at) VALUES ('p1', 'LYRA-RD-2780', 'Lyra RD 2780', 'turntable', ${T}, ${T})`,
  `INSERT INTO ownerships (id, customer_id, product_id, serial, kind, started_at, created_at, updated_at) VALUES ('o1', 'c1', 'p1', 'RD-000123', 'registration', ${T}, ${T}, ${T})`,
  ...[
    ["m1", "thank-you", "customer", true],
    ["m2", "check-in", "customer", false],
    ["m3", "reply-to-team", "team", false],
  ].map(
    ([id, template, audience, transactional], i) =>
      `INSERT INTO messages (id, dedupe_key, customer_id, ownership_id, template, to_address, message_id_header, audience, transactional, status, created_at, updated_at)
       VALUES ('${id}', 'k-${id}', 'c1', 'o1', '${template}', 'ada@example.com', '<${id}@rapport.test>', '${audience}', ${transactional}, 'sent', ${T + i}, ${T + i})`,
  ),
  `INSERT INTO interactions (id, inbound_id, kind, customer_id, ownership_id, message_id, attributed_by, to_owner_address, from_address, subject, text, occurred_at, created_at)
   VALUES ('i1', NULL, 'human_reply', 'c1', 'o1', 'm2', 'message-id', false, 'ada@example.com', 'Re: check-in', 'It sounds lovely.', ${T + 9}, ${T + 9})`,
];

async function expectMigratedForward(store: Store): Promise<void> {
  const t = await store.timeline("ada@example.com");
  if (!t) throw new Error("the customer written on the previous schema is gone");
  expect(t.customer.name).toBe("Ada Lovelace");
  // consent: customers.preferences, '{}' (nothing chosen yet) for customers from before.
  expect(t.customer.preferences).toEqual({});
  expect(t.ownerships.map((o) => [o.id, o.serial, o.product.sku])).toEqual([
    ["o1", "RD-000123", "LYRA-RD-2780"],
  ]);
  // consent: messages.category, transactional for transactional mail and notes to the team.
  expect(t.messages.map((m) => [m.id, m.status, m.category, m.topic])).toEqual([
    ["m1", "sent", "transactional", null],
    ["m2", "sent", "relationship", null],
    ["m3", "sent", "transactional", null],
  ]);
  // dashboard: interactions.handled_at, null for replies from before: they wait in the inbox.
  expect(await store.inboxCount()).toBe(1);
}

const pgSkip = await postgresUnavailable();

describe("a store written by the previous release's schema", () => {
  it("migrates forward on start (SQLite)", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "rapport-upgrade-")), "rapport.db");
    const leftOut = sqliteOnPreviousSchema(path, SEED);
    expect(leftOut).toEqual([
      "0010_consent",
      "0011_dashboard",
      "0012_metrics_counts",
      "0013_sms",
      "0014_short_links",
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
        const leftOut = await postgresOnPreviousSchema(url, schema, SEED);
        expect(leftOut).toEqual([
          "0003_consent",
          "0004_dashboard",
          "0005_metrics_counts",
          "0006_sms",
          "0007_short_links",
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
