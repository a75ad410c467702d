/** Where the SQLite store lives, from the settings (no heavy imports: commands that only read use it). */
import { resolve } from "node:path";
import type { Settings } from "./settings.js";

/** DATABASE_URL may be `file:path`, a plain path, or unset (SQLite under the data dir). */
export function sqliteLocation(settings: Settings): string {
  const url = settings.DATABASE_URL;
  if (!url) return resolve(settings.RAPPORT_DATA_DIR, "rapport.db");
  if (url === ":memory:") return url;
  return resolve(url.replace(/^file:(\/\/)?/, "").replace(/^sqlite:(\/\/)?/, ""));
}
