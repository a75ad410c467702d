/**
 * The JSON Schema editors use to check flow files as they are typed (via the
 * `# yaml-language-server: $schema=...` comment at the top of each file).
 *
 * Contract: flowJsonSchema() derives it from FlowFileSchema, so the editor and rapport
 * agree on keys, types, enums and patterns (checks JSON Schema cannot express, such as a
 * wait's upper bound, are rapport's alone). It describes the file as written: `entry`
 * may be left out. Draft-07, the newest draft every YAML editor plugin understands.
 * flowJsonSchemaText() is the exact text of schema/flow.schema.json.
 */
import { z } from "zod";
import { FlowFileSchema } from "./schema.js";

export function flowJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(FlowFileSchema, { io: "input", target: "draft-07" }) as Record<string, unknown>;
}

export function flowJsonSchemaText(): string {
  return `${JSON.stringify(flowJsonSchema(), null, 2)}\n`;
}
