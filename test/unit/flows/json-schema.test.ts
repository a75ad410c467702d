import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { flowJsonSchema, flowJsonSchemaText } from "../../../src/flows/json-schema.js";

describe("schema/flow.schema.json", () => {
  it("is up to date with src/flows/schema.ts (regenerate: npx tsx scripts/generate-flow-schema.ts)", async () => {
    expect(await readFile("schema/flow.schema.json", "utf8")).toBe(flowJsonSchemaText());
  });

  it("describes the file as written: strict, entry optional, patterns for editors", () => {
    const schema = flowJsonSchema() as {
      required: string[];
      additionalProperties: boolean;
      properties: Record<string, { pattern?: string }>;
    };
    expect(schema.required).toEqual(["name", "trigger", "steps"]);
    expect(schema.additionalProperties).toBe(false);
    expect(JSON.stringify(schema)).toContain("once_per_product");
  });

  it("its duration pattern agrees with parseDuration", async () => {
    const { DURATION_PATTERN, parseDuration } = await import("../../../src/flows/duration.js");
    const re = new RegExp(DURATION_PATTERN);
    for (const text of ["14 days", "2h", "1.5 hours", "14 dayz", "1 month", "14", " 3 d "]) {
      expect(re.test(text)).toBe(parseDuration(text) !== null);
    }
    expect(JSON.stringify(flowJsonSchema())).toContain(JSON.stringify(DURATION_PATTERN));
  });
});
