/**
 * Group commit on a real SQLite file (src/store/sql/sqlite-group-commit.ts): transactions
 * asked for together share one commit (seen in the WAL: one set of pages, not one per
 * transaction), each keeps its own outcome (one that throws loses only its own writes),
 * each resolves only once its writes are durable, and a failed shared COMMIT fails every
 * transaction of the group with nothing landed.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { query } from "../../src/store/sql/query.js";
import { type SqliteDatabase, sqliteDatabase } from "../../src/store/sql/sqlite-database.js";
import { SqliteDriver } from "../../src/store/sqlite-driver.js";

const p = sql.placeholder;
const insert = query(sql`insert into notes (id, body) values (${p("id")}, ${p("body")})`);
const ids = query<{ id: string }>(sql`select id from notes order by id`);
const count = query<{ n: number }>(sql`select count(*) as n from notes`);

type Driver = InstanceType<typeof SqliteDriver>;

function open(): { db: SqliteDatabase; sqlite: Driver; other: Driver } {
  const file = join(mkdtempSync(join(tmpdir(), "rapport-group-")), "t.db");
  const sqlite = new SqliteDriver(file);
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("foreign_keys = ON");
  // Autocheckpoints would rewind the WAL mid-test; the frame counts below read it whole.
  sqlite.pragma("wal_autocheckpoint = 0");
  sqlite.exec(`
    create table notes (id text primary key, body text not null);
    create table links (id text primary key,
      note_id text not null references notes(id) deferrable initially deferred);`);
  const db = sqliteDatabase(sqlite, file, async () => {
    sqlite.close();
  });
  return { db, sqlite, other: new SqliteDriver(file, { readonly: true }) };
}

/** Frames in the WAL since it was last rewound: pages written, once per page per commit. */
function walFrames(sqlite: Driver): number {
  const [row] = sqlite.pragma("wal_checkpoint(PASSIVE)") as Array<{ log: number }>;
  return row?.log ?? -1;
}

describe("SQLite group commit", () => {
  let opened: ReturnType<typeof open> | null = null;
  afterEach(async () => {
    opened?.other.close();
    await opened?.db.close();
    opened = null;
  });

  it("transactions asked for together share a commit; one after another each has its own", async () => {
    opened = open();
    const { db, sqlite } = opened;
    const write = (id: string) => db.tx((t) => t.run(insert, { id, body: "x" }));
    sqlite.pragma("wal_checkpoint(TRUNCATE)");
    for (let i = 0; i < 20; i++) await write(`one-by-one-${i}`);
    const alone = walFrames(sqlite);
    await db.exclusive((s) => s.pragma("wal_checkpoint(TRUNCATE)"));
    await Promise.all(Array.from({ length: 20 }, (_, i) => write(`together-${i}`)));
    const together = walFrames(sqlite);
    expect(alone).toBeGreaterThanOrEqual(20);
    // Asked for in the same turn of the event loop, the 20 share one commit.
    expect(together).toBeLessThanOrEqual(alone / 5);
    expect((await db.read((t) => t.get(count)))?.n).toBe(40);
  });

  it("each keeps its own outcome: one that throws loses only its writes, a later one sees the earlier ones'", async () => {
    opened = open();
    const { db, other } = opened;
    const seenByOther = (id: string) => other.prepare("select count(*) as n from notes where id = ?").get(id);
    const results = await Promise.allSettled([
      db.tx(async (t) => t.run(insert, { id: "a", body: "x" })),
      db.tx(async (t) => {
        await t.run(insert, { id: "b", body: "x" });
        throw new Error("b changed its mind");
      }),
      db.tx(async (t) => {
        await t.run(insert, { id: "c", body: "x" });
        // Sees a (before it in the group), not b (rolled back to its savepoint).
        return (await t.all(ids)).map((r) => r.id);
      }),
      // A constraint error inside: its own failure, the group goes on.
      db.tx(async (t) => t.run(insert, { id: "a", body: "again" })),
    ]);
    expect(results.map((r) => (r.status === "fulfilled" ? r.value : (r.reason as Error).message))).toEqual([
      1,
      "b changed its mind",
      ["a", "c"],
      expect.stringMatching(/UNIQUE constraint failed/),
    ]);
    expect((await db.read((t) => t.all(ids))).map((r) => r.id)).toEqual(["a", "c"]);
    // Resolved means committed: another connection sees it.
    expect(seenByOther("c")).toEqual({ n: 1 });
  });

  it("a failed shared COMMIT fails every transaction of the group, and nothing of it lands", async () => {
    opened = open();
    const { db } = opened;
    expect(await db.tx((t) => t.run(insert, { id: "first", body: "x" }))).toBe(1);
    // Asked for together, these three share a commit.
    const group = Promise.allSettled([
      db.tx((t) => t.run(insert, { id: "innocent-1", body: "x" })),
      // A deferred foreign key is checked at COMMIT: this one makes the shared COMMIT fail.
      db.tx((t) => t.run(query(sql`insert into links (id, note_id) values ('l1', 'nowhere')`))),
      db.tx((t) => t.run(insert, { id: "innocent-2", body: "x" })),
    ]);
    const outcomes = await group;
    expect(outcomes.map((o) => o.status)).toEqual(["rejected", "rejected", "rejected"]);
    for (const o of outcomes)
      expect(((o as PromiseRejectedResult).reason as Error).message).toMatch(/FOREIGN KEY constraint failed/);
    expect((await db.read((t) => t.all(ids))).map((r) => r.id)).toEqual(["first"]);
    // The connection is usable after: the next transaction commits.
    expect(await db.tx((t) => t.run(insert, { id: "after", body: "x" }))).toBe(1);
  });
});
