/**
 * Writes schema/flow.schema.json from the zod schema in src/flows/schema.ts.
 * Run after changing the flow format:  npx tsx scripts/generate-flow-schema.ts
 * (test/unit/flows/json-schema.test.ts fails while the file is out of date).
 */
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { flowJsonSchemaText } from "../src/flows/json-schema.js";

const target = join(dirname(fileURLToPath(import.meta.url)), "..", "schema", "flow.schema.json");
await mkdir(dirname(target), { recursive: true });
await writeFile(target, flowJsonSchemaText());
console.log(`wrote ${target}`);
