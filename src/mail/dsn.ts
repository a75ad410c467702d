/**
 * RFC 3464 delivery-status fields -> per-recipient records.
 *
 * Contract: parseDeliveryStatus(text) never throws. It reads the "Name: value" fields of a
 * message/delivery-status part (or of a text that pastes the same fields inline, as many
 * non-standard bounces do) and returns one record per recipient. Recipient blocks are split
 * on empty lines as the RFC says, and also on a repeated Final-Recipient, because some
 * servers omit the empty line between recipients.
 */
import { firstAddress } from "./raw-text.js";

export interface DsnRecipient {
  finalRecipient: string | null;
  originalRecipient: string | null;
  /** failed | delayed | delivered | relayed | expanded, lower-cased; null when missing. */
  action: string | null;
  /** Enhanced status code "x.y.z" (RFC 3463), null when missing or malformed. */
  status: string | null;
  /** Diagnostic-Code without its type prefix ("smtp; "). */
  diagnosticCode: string | null;
  remoteMta: string | null;
}

export interface DeliveryStatus {
  reportingMta: string | null;
  recipients: DsnRecipient[];
}

const RECIPIENT_FIELDS = new Set([
  "final-recipient",
  "original-recipient",
  "action",
  "status",
  "diagnostic-code",
  "remote-mta",
  "x-actual-recipient",
]);

export const STATUS_CODE = /\b([245])\.(\d{1,3})\.(\d{1,3})\b(?!\.\d)/;

/** "rfc822; User@Example.com" -> "user@example.com". */
function addressField(value: string): string | null {
  const afterType = value.includes(";") ? value.slice(value.indexOf(";") + 1) : value;
  return firstAddress(afterType);
}

function typedValue(value: string): string {
  // "smtp; 550 5.1.1 user unknown" -> "550 5.1.1 user unknown"
  const m = /^\s*[A-Za-z0-9-]+\s*;\s*([\s\S]*)$/.exec(value);
  return (m?.[1] ?? value).trim();
}

function emptyRecipient(): DsnRecipient {
  return {
    finalRecipient: null,
    originalRecipient: null,
    action: null,
    status: null,
    diagnosticCode: null,
    remoteMta: null,
  };
}

export function parseDeliveryStatus(text: string): DeliveryStatus {
  const result: DeliveryStatus = { reportingMta: null, recipients: [] };
  let current: DsnRecipient | null = null;
  let currentHasFields = false;
  let lastField: { name: string; value: string } | null = null;

  const flushField = (): void => {
    if (!lastField) return;
    const { name, value } = lastField;
    lastField = null;
    if (name === "reporting-mta") {
      result.reportingMta ??= typedValue(value);
      return;
    }
    if (!RECIPIENT_FIELDS.has(name)) return;
    // A second Final-Recipient in the same block starts a new recipient.
    if (current && name === "final-recipient" && current.finalRecipient !== null) current = null;
    if (!current) {
      current = emptyRecipient();
      result.recipients.push(current);
    }
    currentHasFields = true;
    switch (name) {
      case "final-recipient":
        current.finalRecipient = addressField(value);
        break;
      case "original-recipient":
        current.originalRecipient = addressField(value);
        break;
      case "x-actual-recipient":
        current.finalRecipient ??= addressField(value);
        break;
      case "action":
        current.action = (value.trim().split(/[\s(;]/)[0] ?? "").toLowerCase() || null;
        break;
      case "status": {
        const m = STATUS_CODE.exec(value);
        current.status = m ? `${m[1]}.${m[2]}.${m[3]}` : null;
        break;
      }
      case "diagnostic-code":
        current.diagnosticCode = typedValue(value) || null;
        break;
      case "remote-mta":
        current.remoteMta = typedValue(value) || null;
        break;
    }
  };

  for (const line of text.split(/\r?\n/)) {
    if (/^[ \t]+\S/.test(line) && lastField) {
      lastField.value = `${lastField.value} ${line.trim()}`;
      continue;
    }
    flushField();
    if (line.trim() === "") {
      // An empty line ends a recipient block.
      if (currentHasFields) {
        current = null;
        currentHasFields = false;
      }
      continue;
    }
    const m = /^\s*([A-Za-z][A-Za-z0-9-]*)\s*:\s*(.*)$/.exec(line);
    if (m?.[1] !== undefined) lastField = { name: m[1].toLowerCase(), value: m[2] ?? "" };
  }
  flushField();
  // Keep only blocks that say something about a recipient.
  result.recipients = result.recipients.filter(
    (r) =>
      r.finalRecipient !== null || r.originalRecipient !== null || r.status !== null || r.action !== null,
  );
  return result;
}

/** The recipient a bounce is about: the first failed one, else the first with a status. */
export function primaryRecipient(ds: DeliveryStatus): DsnRecipient | null {
  return (
    ds.recipients.find((r) => r.action === "failed") ??
    ds.recipients.find((r) => r.action === "delayed") ??
    ds.recipients.find((r) => r.status !== null && !r.status.startsWith("2")) ??
    ds.recipients[0] ??
    null
  );
}

/** True when every recipient was delivered, relayed or expanded: a success DSN, not a bounce. */
export function isSuccessOnly(ds: DeliveryStatus): boolean {
  return (
    ds.recipients.length > 0 &&
    ds.recipients.every(
      (r) =>
        (r.action === "delivered" || r.action === "relayed" || r.action === "expanded") &&
        (r.status === null || r.status.startsWith("2")),
    )
  );
}
