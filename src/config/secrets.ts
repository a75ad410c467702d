/**
 * Secrets embedded mode generates once and keeps under the data directory (mode 0600):
 * the API key callers use and the token-signing secret. Set RAPPORT_API_KEYS and
 * RAPPORT_SECRET to manage them yourself.
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

export function keptSecret(file: string, bytes = 32): { value: string; created: boolean } {
  if (existsSync(file)) return { value: readFileSync(file, "utf8").trim(), created: false };
  mkdirSync(dirname(file), { recursive: true });
  const value = randomBytes(bytes).toString("base64url");
  writeFileSync(file, `${value}\n`, { mode: 0o600, flag: "wx" });
  return { value, created: true };
}
