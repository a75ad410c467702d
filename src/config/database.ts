/** Where the store lives, from the settings (no heavy imports: commands that only read use it). */
import { resolve } from "node:path";
import type { Settings } from "./settings.js";

export type StoreLocation =
  | { kind: "sqlite"; path: string }
  | { kind: "postgres"; url: string; schema: string | null; poolSize: number };

export const isPostgresUrl = (url: string | undefined): url is string =>
  !!url && /^postgres(ql)?:\/\//.test(url);

/**
 * DATABASE_URL may be unset (SQLite under the data dir), `file:path` or a plain path
 * (SQLite there), or `postgres://…`; a `?schema=NAME` on the Postgres URL keeps rapport's
 * tables in that schema (created if missing), so one database can hold several.
 */
export function storeLocation(settings: Settings): StoreLocation {
  const url = settings.DATABASE_URL;
  if (isPostgresUrl(url)) {
    const parsed = new URL(url);
    const schema = parsed.searchParams.get("schema");
    parsed.searchParams.delete("schema");
    return {
      kind: "postgres",
      url: parsed.toString(),
      schema: schema || null,
      poolSize: settings.DATABASE_POOL_SIZE,
    };
  }
  return { kind: "sqlite", path: sqliteLocation(settings) };
}

/** The SQLite file (or ":memory:") when the store is SQLite. */
export function sqliteLocation(settings: Settings): string {
  const url = settings.DATABASE_URL;
  if (!url) return resolve(settings.RAPPORT_DATA_DIR, "rapport.db");
  if (url === ":memory:") return url;
  return resolve(url.replace(/^file:(\/\/)?/, "").replace(/^sqlite:(\/\/)?/, ""));
}

/** For messages: where the data is, without a password. */
export function describeStoreLocation(location: StoreLocation): string {
  if (location.kind === "sqlite") return location.path;
  const u = new URL(location.url);
  if (u.password) u.password = "***";
  return `${u.toString()}${location.schema ? ` (schema ${location.schema})` : ""}`;
}
