/**
 * Pieces every part of the flow file schema shares: how zod's raw issues are recognised
 * (a missing key gets its own wording), and the plain scalar and number values.
 */
import { z } from "zod";
import { describeFound } from "../describe.js";

export type RawIssue = z.core.$ZodRawIssue;

/** True for the issue zod raises when a required key is absent. */
export function isMissing(iss: RawIssue): boolean {
  return iss.code === "invalid_type" && iss.input === undefined;
}

/** An error function that only words the "this key is missing" case. */
export function whenMissing(text: string) {
  return (iss: RawIssue): string | undefined => (isMissing(iss) ? text : undefined);
}

export const Scalar = z.union([z.string(), z.number(), z.boolean()], {
  error: (iss) => `expected a text, a number or true/false, found ${describeFound(iss.input)}`,
});

export const Num = z.number({
  error: (iss) => {
    const found = describeFound(iss.input);
    const asNumber =
      typeof iss.input === "string" && iss.input.trim() !== "" && Number.isFinite(Number(iss.input));
    return `expected a number, found ${found}${asNumber ? `; write it without quotes: ${String(iss.input).trim()}` : ""}`;
  },
});
