/**
 * Identifiers marketing chooses: flow ids (the file name) and step ids. Both end up in
 * database rows, URLs and log lines, so they are kept to a safe, readable alphabet.
 *
 * Contract: ID_PATTERN (JSON-Schema-compatible regex source) is the allowed form;
 * isId(text) tests it; slugify(text) proposes an allowed id for a refused one
 * ("Thank You" → "thank-you"), or "" when nothing usable is left.
 */

export const ID_PATTERN = "^[a-z0-9][a-z0-9_-]*$";
const ID_RE = new RegExp(ID_PATTERN);

export const ID_RULE = 'lowercase letters, digits, "-" and "_", starting with a letter or digit';

export function isId(text: string): boolean {
  return ID_RE.test(text);
}

export function slugify(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, "-")
    .replace(/^[-_]+|-+$/g, "");
}
