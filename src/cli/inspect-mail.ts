/**
 * `rapport inspect-mail FILE.eml…`: what rapport makes of a message, one JSON line per
 * file, storing nothing. The operator's tool when a reply went astray: the kind and why,
 * bounce/complaint details, which signed addresses it carries, what it would be
 * attributed to (when the store exists here: it is read, never created), whether it
 * would suppress an address and why (or why not), and the new text without quotes and signature.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { storeLocation } from "../config/database.js";
import type { Settings } from "../config/settings.js";
import { cluesFor, suppressionFor } from "../jobs/process-inbound.js";
import { type AttributionLookups, attribute } from "../mail/attribute.js";
import { understandMail } from "../mail/understand.js";
import { openStore } from "../store/open-store.js";
import type { Store } from "../store/store.js";
import { existingReplyAddresses } from "./addresses.js";

const nothingStored: AttributionLookups = {
  getMessage: async () => null,
  findMessagesByHeader: async () => [],
  getOwnership: async () => null,
  findCustomerByEmail: async () => null,
};

export async function inspectMail(files: string[], settings: Settings, write: (line: string) => void) {
  const addresses = await existingReplyAddresses(settings);
  // The store is only read to attribute; a SQLite file that does not exist yet is not created.
  const location = storeLocation(settings);
  const store: Store | null =
    location.kind === "postgres" || existsSync(location.path) ? await openStore(location) : null;
  let failures = 0;
  /** For the person at the terminal (stderr), beside the JSON lines: which file, and why. */
  const problems: string[] = [];
  try {
    for (const file of files) {
      try {
        const raw = await readFile(file);
        const mail = await understandMail(raw, { maxBytes: settings.INBOUND_MAX_BYTES });
        const { parsed, classification: c } = mail;
        const clues = cluesFor({ envelopeTo: [] }, mail);
        const tokens = addresses
          ? [...new Set(clues.recipients)].flatMap(
              (address): Array<{ address: string; kind: string; id: string | null }> => {
                const p = addresses.parse(address);
                if (p.ok) return [{ address, kind: p.target.kind, id: p.target.id }];
                if (p.problem === "bad-signature") return [{ address, kind: "forged", id: null }];
                return [];
              },
            )
          : null;
        const who = addresses ? await attribute(clues, addresses, store ?? nothingStored) : null;
        const customer = who?.customerId && store ? await store.getCustomer(who.customerId) : null;
        const message = who?.messageId && store ? await store.getMessage(who.messageId) : null;
        // What it would stop mail to, and why (or why not), as the inbound job would decide.
        const suppression = who ? suppressionFor(mail, who, message, customer?.email ?? null) : null;
        write(
          JSON.stringify({
            file,
            kind: c.kind,
            reason: c.reason,
            ...(c.bounce ? { bounce: c.bounce } : {}),
            ...(c.complaint ? { complaint: c.complaint } : {}),
            ...(c.originalMessageId ? { originalMessageId: c.originalMessageId } : {}),
            messageId: parsed.messageId,
            from: parsed.from?.address ?? null,
            subject: parsed.subject,
            tokens: tokens ?? "unknown: no RAPPORT_SECRET and no secret kept under the data dir",
            attribution: who
              ? { ...who, customerEmail: customer?.email ?? null, store: store ? location : null }
              : null,
            ...(suppression ? { suppression } : {}),
            newText: mail.newText,
          }),
        );
      } catch (err) {
        failures++;
        const code = (err as { code?: unknown }).code;
        const message = err instanceof Error ? err.message : String(err);
        problems.push(
          code === "ENOENT"
            ? `${file}: no such file`
            : code === "EISDIR"
              ? `${file}: is a folder; pass the .eml files in it`
              : `${file}: ${message}`,
        );
        write(JSON.stringify({ file, error: message }));
      }
    }
  } finally {
    await store?.close();
  }
  return { failures, problems };
}
