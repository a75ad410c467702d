/**
 * The two dialects' schemas describe one store: the same tables, the same columns (name,
 * nullability, default, key), the same indexes. A column added to one only would work on
 * one backend and fail on the other at run time; this fails at once instead.
 */
import { readdirSync, readFileSync } from "node:fs";
import { type PgTable, getTableConfig as pgConfig } from "drizzle-orm/pg-core";
import { type SQLiteTable, getTableConfig as sqliteConfig } from "drizzle-orm/sqlite-core";
import { describe, expect, it } from "vitest";
import * as sqliteSchema from "../../../src/store/schema.js";
import * as pgSchema from "../../../src/store/schema.pg.js";

type Shape = {
  columns: Record<string, { notNull: boolean; primary: boolean; unique: boolean; hasDefault: boolean }>;
  indexes: string[];
  primaryKeys: string[][];
};

function shapeOf(config: {
  columns: Array<{
    name: string;
    notNull: boolean;
    primary: boolean;
    isUnique: boolean;
    hasDefault: boolean;
  }>;
  indexes: Array<{ config: { name: string; unique: boolean; columns: unknown[] } }>;
  primaryKeys: Array<{ columns: Array<{ name: string }> }>;
}): Shape {
  return {
    columns: Object.fromEntries(
      config.columns.map((c) => [
        c.name,
        { notNull: c.notNull, primary: c.primary, unique: c.isUnique, hasDefault: c.hasDefault },
      ]),
    ),
    indexes: config.indexes
      .map((i) => `${i.config.name}${i.config.unique ? " unique" : ""} (${i.config.columns.length})`)
      .sort(),
    primaryKeys: config.primaryKeys.map((k) => k.columns.map((c) => c.name)),
  };
}

const tables = Object.keys(sqliteSchema).sort();

/** Indexes one dialect needs and the other does not (each with its reason in the schema). */
const POSTGRES_ONLY_INDEXES = new Set(["ownerships_id_prefix"]);

describe("schema parity (SQLite and Postgres)", () => {
  it("has the same tables", () => {
    expect(Object.keys(pgSchema).sort()).toEqual(tables);
  });

  it.each(tables)("%s has the same columns and indexes", (name) => {
    const s = sqliteConfig((sqliteSchema as unknown as Record<string, SQLiteTable>)[name] as SQLiteTable);
    const p = pgConfig((pgSchema as unknown as Record<string, PgTable>)[name] as PgTable);
    expect(p.name).toBe(s.name);
    const pg = shapeOf(p as never);
    pg.indexes = pg.indexes.filter((i) => !POSTGRES_ONLY_INDEXES.has(i.split(" ")[0] as string));
    expect(pg).toEqual(shapeOf(s as never));
  });

  it("keeps Postgres migrations free of a fixed schema (rapport may live in any schema)", () => {
    const dir = "src/store/migrations-pg";
    for (const file of readdirSync(dir).filter((f) => f.endsWith(".sql")))
      expect(readFileSync(`${dir}/${file}`, "utf8"), file).not.toContain('"public".');
  });
});
