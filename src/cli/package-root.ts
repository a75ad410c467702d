/**
 * The installed package's own folder (where package.json, config/ and schema/ are), found
 * from this module: src/cli/ under tsx and vitest, dist/cli/ when built and installed.
 * Both sit two levels below the package root.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export function packageRoot(): string {
  return fileURLToPath(new URL("../../", import.meta.url));
}

/** Semantic versioning: MAJOR.MINOR.PATCH with an optional pre-release and build. */
const SEMVER = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;

/** package.json's version, checked: `rapport --version` prints it. */
export function packageVersion(root = packageRoot()): string {
  const file = `${root}package.json`;
  const parsed = JSON.parse(readFileSync(file, "utf8")) as { version?: unknown };
  if (typeof parsed.version !== "string" || !SEMVER.test(parsed.version))
    throw new Error(
      `${file}: version: expected a semantic version (1.2.3), got ${JSON.stringify(parsed.version)}`,
    );
  return parsed.version;
}
