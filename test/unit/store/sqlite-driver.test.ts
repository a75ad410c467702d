/**
 * The better-sqlite3 build chosen for each Node: Node-API 10 and later (Node 22.14+, 24)
 * take the Node-API build (13), older ones the build compiled at install (12); and the
 * one chosen here opens a database.
 */
import { describe, expect, it } from "vitest";
import { SqliteDriver, sqliteDriverFor, sqliteDriverName } from "../../../src/store/sqlite-driver.js";

describe("sqlite driver", () => {
  it.each([
    [8, "better-sqlite3"],
    [9, "better-sqlite3"],
    [10, "better-sqlite3-napi"],
    [11, "better-sqlite3-napi"],
  ] as const)("Node-API %i loads %s", (napi, name) => {
    expect(sqliteDriverFor(napi)).toBe(name);
  });

  it("opens a database with the build for this Node", () => {
    expect(sqliteDriverName).toBe(sqliteDriverFor(Number(process.versions.napi)));
    const db = new SqliteDriver(":memory:");
    expect(db.prepare("select 1 + 1 as n").get()).toEqual({ n: 2 });
    db.close();
  });
});
