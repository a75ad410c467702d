/**
 * Statements with a large value on SQLite run on a thread with a connection of its own
 * (src/store/sql/sqlite-large-values.ts): an 8 MiB blob goes in and comes back byte for
 * byte as a Buffer, a failed statement fails only its call, and when the thread cannot
 * work (here: it cannot open the file) the main connection takes its statements.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { query } from "../../src/store/sql/query.js";
import { type SqliteDatabase, sqliteDatabase } from "../../src/store/sql/sqlite-database.js";
import { startLargeValueThread } from "../../src/store/sql/sqlite-large-values.js";
import { SqliteDriver, sqliteDriverPath } from "../../src/store/sqlite-driver.js";

const p = sql.placeholder;
const insert = query<{ id: string; size: number }>(
  sql`insert into blobs (id, body, size) values (${p("id")}, ${p("body")}, ${p("size")}) returning id, size`,
);
const select = query<{ body: Buffer }>(sql`select body from blobs where id = ${p("id")}`);

function open(threadLocation: (file: string) => string): { db: SqliteDatabase; file: string } {
  const file = join(mkdtempSync(join(tmpdir(), "rapport-large-")), "t.db");
  const sqlite = new SqliteDriver(file);
  sqlite.pragma("journal_mode = WAL");
  sqlite.exec("create table blobs (id text primary key, body blob not null, size integer not null)");
  const db = sqliteDatabase(
    sqlite,
    file,
    async () => {
      sqlite.close();
    },
    () => startLargeValueThread(threadLocation(file), sqliteDriverPath),
  );
  return { db, file };
}

describe("SQLite statements with a large value", () => {
  let db: SqliteDatabase | null = null;
  afterEach(async () => {
    await db?.close();
    db = null;
  });

  it.each([
    ["on the thread", (file: string) => file],
    ["on the main connection when the thread cannot open the file", () => "/nonexistent/dir/t.db"],
  ])("stores and reads 8 MiB byte for byte %s", async (_where, threadLocation) => {
    db = open(threadLocation).db;
    const body = Buffer.alloc(8 * 1024 * 1024);
    for (let i = 0; i < body.length; i += 4096) body[i] = i % 251;
    expect(await db.getLarge(insert, { id: "a", body, size: body.length })).toEqual({
      id: "a",
      size: body.length,
    });
    const row = await db.getLarge(select, { id: "a" });
    expect(Buffer.isBuffer(row?.body)).toBe(true);
    expect(row?.body.equals(body)).toBe(true);
    expect(await db.getLarge(select, { id: "missing" })).toBeUndefined();
  });

  it("fails a statement that fails, and the next one works", async () => {
    db = open((file) => file).db;
    const body = Buffer.from("x");
    await db.getLarge(insert, { id: "a", body, size: 1 });
    await expect(db.getLarge(insert, { id: "a", body, size: 1 })).rejects.toThrow(/UNIQUE/);
    expect((await db.getLarge(select, { id: "a" }))?.body.toString()).toBe("x");
  });
});
