/** Small formatting and parsing helpers of the dashboard's pages. */
import type { PageCursor } from "../../store/store.js";

/** Epoch ms as an ISO-like UTC text people read ("2026-11-27 17:05 UTC"). */
export function when(ms: number | null): string {
  if (ms === null) return "—";
  return `${new Date(ms).toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/** A page cursor in a URL: `AT~ID` (the id is URL-encoded by the caller's link). */
export function cursorParam(c: PageCursor): string {
  return `${c.at}~${c.id}`;
}

/** `?before=AT~ID` read back; throws naming the parameter and the shape expected. */
export function parseCursor(text: string | undefined): PageCursor | null {
  if (text === undefined || text === "") return null;
  const m = /^(\d{1,16})~(.{1,200})$/s.exec(text);
  if (!m)
    throw new Error(
      `before: expected TIME~ID as the "Older" link gives it, found ${JSON.stringify(text.slice(0, 60))}`,
    );
  return { at: Number(m[1]), id: m[2] as string };
}
