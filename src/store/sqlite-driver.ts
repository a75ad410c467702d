/**
 * Which better-sqlite3 build this Node loads.
 *
 * Contract: sqliteDriverPath is the module path to require for better-sqlite3 on the
 * running Node, and SqliteDriver its constructor (the same API either way).
 *
 * Why two: better-sqlite3 12 is compiled against Node's own ABI at install and aborts
 * the process on Node 24 when the garbage collector finalizes a statement ("Assertion
 * failed: (env) != nullptr" in RemoveEnvironmentCleanupHook). better-sqlite3 13 is built
 * on Node-API 10 and ships prebuilt binaries (nothing compiles at install), which fixes
 * that, but Node 20 (Node-API 9) cannot load it: it segfaults. So a Node with Node-API 10
 * or newer (22.14 and later, 24) loads 13, installed under the alias better-sqlite3-napi;
 * Node 20 (end of life, still this project's build machine) loads 12.
 */
import { createRequire } from "node:module";
import type BetterSqlite3 from "better-sqlite3";

const require = createRequire(import.meta.url);

/** The better-sqlite3 package for a Node-API version (process.versions.napi). */
export function sqliteDriverFor(napiVersion: number): "better-sqlite3" | "better-sqlite3-napi" {
  return napiVersion >= 10 ? "better-sqlite3-napi" : "better-sqlite3";
}

export const sqliteDriverName = sqliteDriverFor(Number(process.versions.napi ?? 0));
export const sqliteDriverPath: string = require.resolve(sqliteDriverName);
export const SqliteDriver: typeof BetterSqlite3 = require(sqliteDriverName);
