/**
 * One way to write a moment for people: the wall-clock time where the customer lives, with
 * the zone named, `2026-11-30 09:35 Europe/Copenhagen` (issue 11: the timeline mixed
 * `2026-11-30 09:35` in UTC with ISO text). JSON output keeps ISO 8601 (timeline-json.ts).
 *
 * humanTime(ms, tz) writes one; humanizeInstants(text, tz) rewrites the ISO instants that
 * recorded details and reasons carry ("postponed to 2026-11-30T08:35:00.000Z (…)").
 */
import { wallClock } from "../flows/time.js";

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

export function humanTime(ms: number, tz: string): string {
  const c = wallClock(ms, tz);
  return `${pad(c.year, 4)}-${pad(c.month)}-${pad(c.day)} ${pad(c.hour)}:${pad(c.minute)} ${tz}`;
}

const ISO_INSTANT = /\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?Z\b/g;

export function humanizeInstants(text: string, tz: string): string {
  return text.replace(ISO_INSTANT, (iso) => {
    const ms = Date.parse(iso);
    return Number.isNaN(ms) ? iso : humanTime(ms, tz);
  });
}
