/**
 * `rapport init [dir]`: lays out a brand's own configuration from the defaults the package
 * ships, so flows and templates live in the brand's repository and the package holds only
 * code, migrations and defaults. It writes config/ (brand settings, the shipped flows and
 * templates, an example customer for `rapport simulate`) and schema/flow.schema.json beside
 * it: the flows' first line points editors at ../../schema/flow.schema.json, so the layout
 * is the same as in rapport's own repository. Nothing is overwritten without `force`; then
 * nothing at all is written, so a refused init leaves the folder as it was.
 */
import { existsSync } from "node:fs";
import { copyFile, mkdir, readdir } from "node:fs/promises";
import { dirname, join, relative } from "node:path";

/** What init copies from the package, relative to both the package root and the target. */
const LAYOUT = [
  "config/rapport.yaml",
  "config/flows",
  "config/templates",
  "config/examples",
  "schema/flow.schema.json",
];

export interface InitOptions {
  /** The package's folder (holding config/ and schema/). */
  from: string;
  /** The brand's folder. */
  to: string;
  force: boolean;
}

export type InitResult =
  | { ok: true; written: string[]; overwritten: string[] }
  | { ok: false; existing: string[] };

async function filesUnder(root: string, path: string): Promise<string[]> {
  const full = join(root, path);
  const entries = await readdir(full, { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOTDIR") return null;
    if (err.code === "ENOENT") throw new Error(`the package's defaults are incomplete: ${full} is missing`);
    throw err;
  });
  if (entries === null) return [path];
  const nested = await Promise.all(
    entries.map((e) => (e.isDirectory() ? filesUnder(root, join(path, e.name)) : [join(path, e.name)])),
  );
  return nested.flat().sort();
}

export async function initProject(opts: InitOptions): Promise<InitResult> {
  // Every missing part named at once (and in a stable order, not whichever read fails first).
  const missing = LAYOUT.filter((p) => !existsSync(join(opts.from, p)));
  if (missing.length > 0)
    throw new Error(
      `the package's defaults are incomplete: ${missing.map((p) => join(opts.from, p)).join(", ")} ${missing.length === 1 ? "is" : "are"} missing`,
    );
  const files = (await Promise.all(LAYOUT.map((p) => filesUnder(opts.from, p)))).flat().sort();
  const existing = files.filter((f) => existsSync(join(opts.to, f)));
  if (existing.length > 0 && !opts.force) return { ok: false, existing };
  for (const file of files) {
    await mkdir(dirname(join(opts.to, file)), { recursive: true });
    await copyFile(join(opts.from, file), join(opts.to, file));
  }
  return { ok: true, written: files, overwritten: existing };
}

/** What the command prints: every file, then what to do next. */
export function formatInit(result: InitResult, to: string, cwd: string): string {
  const where = relative(cwd, to) || ".";
  if (!result.ok) {
    return [
      `rapport init: ${result.existing.length} file(s) already exist in ${where}, nothing written:`,
      ...result.existing.map((f) => `  ${f}`),
      "Run `rapport init --force` to overwrite them with the shipped defaults.",
    ].join("\n");
  }
  const overwritten = new Set(result.overwritten);
  const cd = where === "." ? "" : `cd ${where} && `;
  return [
    `wrote ${result.written.length} file(s) in ${where}:`,
    ...result.written.map((f) => `  ${f}${overwritten.has(f) ? " (overwritten)" : ""}`),
    "",
    "Next:",
    "  edit config/rapport.yaml (your brand, from address, reply domain, postal address),",
    "  then config/flows and config/templates;",
    `  ${cd}npx rapport validate    # check it (exit 1 on problems; use it in CI)`,
    `  ${cd}npx rapport start       # run it; data is kept in ./var (add var/ to .gitignore)`,
  ].join("\n");
}
