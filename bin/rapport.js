#!/usr/bin/env -S node --max-semi-space-size=8 --heap-growing-percent=75
// Node's flags above: src/infra/node-flags.ts says why (kept in step by a unit test).
// Runs the built CLI (npm ci builds it through the `prepare` script).
import { existsSync } from "node:fs";

const built = new URL("../dist/cli.js", import.meta.url);
if (!existsSync(built)) {
  process.stderr.write(
    "rapport is not built yet: run `npm ci` (or `npm run build`) in the project folder.\n",
  );
  process.exit(1);
}
await import(built.href);
