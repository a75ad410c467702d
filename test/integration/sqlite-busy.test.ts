/**
 * A write that finds SQLite's write lock held by another connection (another rapport
 * process on the same file) waits without stopping the event loop (src/store/sql/
 * sqlite-busy.ts): timers keep firing meanwhile, and the write lands once the lock is
 * free. Here the other connection is in this very thread and lets go from a timer, so
 * a wait that blocked the loop (SQLite's own busy handler) could never end: it would fail
 * with SQLITE_BUSY after the busy timeout instead.
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
const insert = query(sql`insert into notes (id) values (${p("id")})`);
const ids = query<{ id: string }>(sql`select id from notes order by id`);

type Driver = InstanceType<typeof SqliteDriver>;

function open(busyMs: number): { db: SqliteDatabase; other: Driver; file: string } {
  const file = join(mkdtempSync(join(tmpdir(), "rapport-busy-")), "t.db");
  const sqlite = new SqliteDriver(file);
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma(`busy_timeout = ${busyMs}`);
  sqlite.exec("create table notes (id text primary key)");
  const db = sqliteDatabase(sqlite, file, async () => {
    sqlite.close();
  });
  const other = new SqliteDriver(file);
  return { db, other, file };
}

/**
 * A database file another connection holds exclusively (locking_mode EXCLUSIVE in WAL mode,
 * as a process might during recovery): until it closes, even reads meet SQLITE_BUSY. The
 * store's connection is opened after the other has taken the file, as a new process would.
 */
function openHeldExclusively(busyMs: number): { db: SqliteDatabase; other: Driver } {
  const file = join(mkdtempSync(join(tmpdir(), "rapport-busy-")), "t.db");
  const setup = new SqliteDriver(file);
  setup.pragma("journal_mode = WAL");
  setup.exec("create table notes (id text primary key); insert into notes (id) values ('before')");
  setup.close();
  const other = new SqliteDriver(file);
  other.pragma("locking_mode = EXCLUSIVE");
  other.exec("insert into notes (id) values ('theirs')");
  const sqlite = new SqliteDriver(file);
  sqlite.pragma(`busy_timeout = ${busyMs}`);
  const db = sqliteDatabase(sqlite, file, async () => {
    sqlite.close();
  });
  return { db, other };
}

/** Counts timer ticks until stopped: the event loop's heartbeat. */
function heartbeat(): { beats(): number; stop(): void } {
  let beats = 0;
  const timer = setInterval(() => {
    beats++;
  }, 5);
  return { beats: () => beats, stop: () => clearInterval(timer) };
}

describe("SQLite writes waiting for another connection's write lock", () => {
  let opened: ReturnType<typeof open> | null = null;
  afterEach(async () => {
    if (opened?.other.inTransaction) opened.other.exec("ROLLBACK");
    opened?.other.close();
    await opened?.db.close();
    opened = null;
  });

  it.each([
    ["a transaction", (db: SqliteDatabase) => db.tx((t) => t.run(insert, { id: "mine" }))],
    ["an autocommit write", (db: SqliteDatabase) => db.write(insert, { id: "mine" })],
  ])("%s waits with the event loop running and lands once the lock is free", async (_what, write) => {
    opened = open(5000);
    const { db, other } = opened;
    other.exec("BEGIN IMMEDIATE");
    other.prepare("insert into notes (id) values ('theirs')").run();
    const beat = heartbeat();
    let freedAfterBeats = -1;
    // The other connection commits from a timer: only a loop that keeps turning gets there.
    setTimeout(() => {
      freedAfterBeats = beat.beats();
      other.exec("COMMIT");
    }, 150);
    const changed = await write(db);
    beat.stop();
    expect(changed).toBe(1);
    expect(freedAfterBeats).toBeGreaterThan(0);
    expect((await db.read((t) => t.all(ids))).map((r) => r.id)).toEqual(["mine", "theirs"]);
  });

  it("gives up with SQLITE_BUSY after the connection's busy timeout, changing nothing, and keeps that timeout", async () => {
    opened = open(200);
    const { db, other } = opened;
    other.exec("BEGIN IMMEDIATE");
    const beat = heartbeat();
    await expect(db.tx((t) => t.run(insert, { id: "mine" }))).rejects.toMatchObject({ code: "SQLITE_BUSY" });
    await expect(db.write(insert, { id: "mine" })).rejects.toMatchObject({ code: "SQLITE_BUSY" });
    beat.stop();
    expect(beat.beats()).toBeGreaterThan(0);
    other.exec("ROLLBACK");
    expect(await db.read((t) => t.all(ids))).toEqual([]);
    expect(await db.exclusive((s) => s.pragma("busy_timeout", { simple: true }))).toBe(200);
    // Free again: writes go through at once.
    expect(await db.write(insert, { id: "mine" })).toBe(1);
  });

  it.each([
    ["a read", (db: SqliteDatabase) => db.read((t) => t.all(ids)), ["before", "theirs"]],
    // Without its thread (none started here), getLarge runs on the connection itself.
    [
      "a large-value statement on the connection",
      async (db: SqliteDatabase) => [await db.getLarge(ids)],
      ["before"],
    ],
  ])(
    "%s waits for a connection holding the file, with the event loop running",
    async (_what, read, expected) => {
      const held = openHeldExclusively(5000);
      const beat = heartbeat();
      let freedAfterBeats = -1;
      setTimeout(() => {
        freedAfterBeats = beat.beats();
        held.other.close();
      }, 150);
      try {
        const rows = await read(held.db);
        expect(freedAfterBeats).toBeGreaterThan(0);
        expect(rows.map((r) => r?.id)).toEqual(expected);
      } finally {
        beat.stop();
        if (held.other.open) held.other.close();
        await held.db.close();
      }
    },
  );

  it("a read gives up with SQLITE_BUSY after the connection's busy timeout", async () => {
    const held = openHeldExclusively(100);
    try {
      await expect(held.db.read((t) => t.all(ids))).rejects.toMatchObject({ code: "SQLITE_BUSY" });
    } finally {
      held.other.close();
      await held.db.close();
    }
  });
});
