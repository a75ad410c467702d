/**
 * The chaos checker: what rapport promised (the events it answered 202 for), what the
 * SMTP sink received, and what the store says, compared message by message.
 *
 * Contract: tally() is pure. Each accepted registration must have its thank-you
 *   - delivered: a row `sent` and at least one copy the sink answered 250 for, or
 *   - for an address the sink refuses (5xx): a row `failed` or `suppressed`, the address
 *     suppressed, and no copy delivered.
 * An event short of that is `lost` (at the end of the settle time; until then, pending).
 * A duplicate is a second delivered copy of one Message-ID; copies the sink took without
 * answering 250 (the connection cut before it) are not deliveries and not duplicates.
 */
import type { SinkMessage } from "./sink.js";

export interface AcceptedEvent {
  eventId: string;
  email: string;
  /** The sink refuses this address at RCPT TO with a 5xx. */
  refused: boolean;
}

export interface StoreMessage {
  id: string;
  eventId: string | null;
  toAddress: string;
  status: string;
  messageIdHeader: string;
}

export interface Observation {
  accepted: readonly AcceptedEvent[];
  store: readonly StoreMessage[];
  /** Suppressed addresses (lower case). */
  suppressed: ReadonlySet<string>;
  sink: readonly SinkMessage[];
}

export interface Tally {
  accepted: number;
  /** Copies of accepted events' messages the sink answered 250 for. */
  delivered: number;
  /** Distinct Message-IDs among them. */
  unique: number;
  /** delivered - unique. */
  duplicates: number;
  /** Accepted events whose thank-you is not (yet) where it must be. */
  lost: number;
  /** The messages delivered more than once. */
  duplicated: Array<{ id: string; toAddress: string }>;
  /** The first few reasons events are not settled, for the report. */
  pending: string[];
}

export function tally(obs: Observation): Tally {
  const copies = new Map<string, number>();
  for (const m of obs.sink) if (m.acked) copies.set(m.messageId, (copies.get(m.messageId) ?? 0) + 1);
  const byEvent = new Map<string, StoreMessage[]>();
  for (const m of obs.store) {
    if (!m.eventId) continue;
    const list = byEvent.get(m.eventId) ?? [];
    list.push(m);
    byEvent.set(m.eventId, list);
  }

  let delivered = 0;
  let unique = 0;
  let lost = 0;
  const duplicated: Tally["duplicated"] = [];
  const pending: string[] = [];
  const miss = (reason: string) => {
    lost++;
    if (pending.length < 5) pending.push(reason);
  };
  for (const ev of obs.accepted) {
    const rows = byEvent.get(ev.eventId) ?? [];
    if (rows.length === 0) {
      miss(`${ev.eventId}: no message in the store`);
      continue;
    }
    for (const row of rows) {
      const n = copies.get(row.messageIdHeader) ?? 0;
      delivered += n;
      if (n > 0) unique++;
      if (n > 1) duplicated.push({ id: row.id, toAddress: row.toAddress });
      if (ev.refused) {
        const ok =
          (row.status === "failed" || row.status === "suppressed") &&
          obs.suppressed.has(row.toAddress.toLowerCase()) &&
          n === 0;
        if (!ok)
          miss(
            `${ev.eventId}: refused address, message ${row.status}, ${obs.suppressed.has(row.toAddress.toLowerCase()) ? "" : "not "}suppressed, ${n} delivered`,
          );
      } else if (row.status !== "sent" || n === 0) {
        miss(`${ev.eventId}: message ${row.status}, ${n} delivered`);
      }
    }
  }
  return {
    accepted: obs.accepted.length,
    delivered,
    unique,
    duplicates: delivered - unique,
    lost,
    duplicated,
    pending,
  };
}
