/**
 * The body of `POST /v1/broadcasts` (and of `rapport broadcast`): run a flow for every
 * active owner of a product (sku) or of every product in a category (with its former
 * owners who stay in touch: src/store/broadcast-audience.ts). Strict like the
 * event body, and built from its parts (the id, SKU, category and properties rules are
 * the same).
 */
import { z } from "zod";
import { describeIssues, eventBodySchema } from "./event-body.js";

const productSchema = eventBodySchema.shape.product.unwrap();

export const broadcastBodySchema = z.strictObject({
  /** Idempotency key: a repeated id is one broadcast. */
  id: eventBodySchema.shape.id,
  flow: z
    .string()
    .regex(
      /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/,
      "expected a flow id (a file name in config/flows without .yaml)",
    ),
  audience: z
    .strictObject({
      sku: productSchema.shape.sku.optional(),
      category: productSchema.shape.category,
    })
    .refine((a) => (a.sku === undefined) !== (a.category === undefined), {
      message: "give exactly one of sku (the owners of one product) or category (the owners of its products)",
    }),
  /** Templates see them as event.properties.*; the flow's `where` too. */
  properties: eventBodySchema.shape.properties,
});

export type BroadcastBody = z.infer<typeof broadcastBodySchema>;

export type BroadcastBodyResult =
  | { ok: true; body: BroadcastBody }
  | { ok: false; issues: Array<{ field: string; message: string }> };

/** Validates a broadcast body; `flowIds` are the flows that exist (an unknown one is a "flow" issue). */
export function parseBroadcastBody(raw: unknown, flowIds: Iterable<string>): BroadcastBodyResult {
  const parsed = broadcastBodySchema.safeParse(raw);
  const issues = parsed.success ? [] : describeIssues(parsed.error);
  const known = [...flowIds].sort();
  const flow = typeof raw === "object" && raw !== null ? (raw as { flow?: unknown }).flow : undefined;
  if (typeof flow === "string" && !known.includes(flow) && !issues.some((i) => i.field === "flow")) {
    issues.push({ field: "flow", message: `no flow "${flow}"; flows: ${known.join(", ") || "none"}` });
  }
  if (!parsed.success || issues.length > 0) return { ok: false, issues };
  return { ok: true, body: parsed.data };
}
