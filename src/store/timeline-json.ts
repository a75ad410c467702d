/**
 * The timeline as JSON (`GET /v1/customers/:email/timeline`, `rapport timeline --json`):
 * the store's rows with every moment as ISO 8601 text instead of epoch milliseconds, so a
 * person reading the JSON (or a program in another language) needs no conversion.
 *
 * Moments are recognised by name, the store's convention: `at`, `…At`, `…Until`,
 * `notBefore`, `waitingSince` (nested ones too: run state, step rows, replies). Other
 * numbers (counts, codes) stay numbers; a null stays null. What customers and shops sent
 * (an event's body, attributes, properties) is shown as it came.
 */
import type { Timeline } from "./store.js";

const MOMENT = /^(at|notBefore|waitingSince|\w+At|\w+Until)$/;
const AS_SENT = new Set(["body", "attributes", "properties"]);

function isoDeep(value: unknown, key: string | null): unknown {
  if (typeof value === "number" && key !== null && MOMENT.test(key) && Number.isFinite(value))
    return new Date(value).toISOString();
  if (Array.isArray(value)) return value.map((v) => isoDeep(v, null));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, AS_SENT.has(k) ? v : isoDeep(v, k)]));
  }
  return value;
}

export function timelineJson(t: Timeline): unknown {
  return isoDeep(t, null);
}
