/**
 * Plain-word descriptions of YAML values for error messages ("found a list",
 * "found "14 dayz""), so messages say what was found without JavaScript jargon.
 *
 * Contract: describeFound(value) names a value as marketing would recognise it in the
 * file; describeExpected(type) names a zod type the same way; listWords(words) joins
 * allowed values for "allowed: a, b, c".
 */

export function describeFound(value: unknown): string {
  if (value === undefined || value === null) return "nothing (an empty value)";
  if (typeof value === "string") return value === "" ? 'an empty text ("")' : JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a group of settings";
  return String(value);
}

const EXPECTED_WORDS: Readonly<Record<string, string>> = {
  string: "a text",
  number: "a number",
  int: "a whole number",
  boolean: "true or false",
  array: "a list",
  object: "a group of settings",
  record: "a group of settings",
};

export function describeExpected(type: string): string {
  return EXPECTED_WORDS[type] ?? type;
}

export function listWords(words: Iterable<unknown>): string {
  return [...words].map((w) => (typeof w === "string" ? w : JSON.stringify(w))).join(", ");
}
