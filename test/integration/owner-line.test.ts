/**
 * Short owner lines find their ownership in a real SQLite store: the line carries the
 * first 48 bits of the ownership id, the store finds the one ownership with that prefix
 * (an index range scan), and a prefix two ownerships share finds neither, never a guess.
 * Owner lines of the previous, 43-character layout still find theirs.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { EventBody } from "../../src/events/event-body.js";
import { attribute } from "../../src/mail/attribute.js";
import { createReplyAddresses } from "../../src/mail/tokens.js";
import { openSqliteStore } from "../../src/store/sqlite-store.js";
import type { Store } from "../../src/store/store.js";

const addresses = createReplyAddresses({ secret: "o".repeat(40), domain: "reply.example" });

const reg = (email: string, serial: string): EventBody => ({
  type: "registration",
  customer: { email },
  product: { sku: "LYRA-RD-2780", name: "Lyra RD 2780", serial },
});

const clues = (to: string) => ({
  recipients: [to],
  inReplyTo: [],
  references: [],
  from: null,
  originalMessageId: null,
  failedRecipient: null,
  isReport: false,
});

describe("owner lines in the store", () => {
  let store: Store | null = null;
  afterEach(async () => {
    await store?.close();
    store = null;
  });

  async function ownershipFor(s: Store, email: string, serial: string) {
    const { event } = await s.recordEvent(reg(email, serial), 1000);
    const { ownership } = await s.ingestEvent(event, 1000);
    if (!ownership) throw new Error("no ownership");
    return ownership;
  }

  it("finds the ownership of a short owner line, and by a whole id (old 43-character lines)", async () => {
    store = openSqliteStore(join(mkdtempSync(join(tmpdir(), "rapport-line-")), "t.db"));
    const ada = await ownershipFor(store, "ada@example.com", "RD-1");
    await ownershipFor(store, "bob@example.com", "RD-2");
    const line = addresses.forOwnership(ada.id);
    const parsed = addresses.parse(line);
    if (!parsed.ok) throw new Error(parsed.reason);
    expect(parsed.target.id).toBe(ada.id.slice(0, 13));
    expect((await store.getOwnership(parsed.target.id))?.id).toBe(ada.id);
    expect(await attribute(clues(line), addresses, store)).toMatchObject({
      by: "owner-address",
      ownershipId: ada.id,
      customerId: ada.customerId,
    });
    // A whole id (what old owner lines carry) is still looked up exactly.
    expect((await store.getOwnership(ada.id))?.id).toBe(ada.id);
  });

  it("finds neither of two ownerships whose ids share the line's 48 bits", async () => {
    let n = 0;
    // Every id this store makes starts with the same 13 characters.
    const newId = () => `0f8fad5b-d9cb-4${String(++n).padStart(3, "0")}-8000-000000000000`;
    store = openSqliteStore(join(mkdtempSync(join(tmpdir(), "rapport-line-")), "t.db"), { newId });
    const ada = await ownershipFor(store, "ada@example.com", "RD-1");
    const line = addresses.forOwnership(ada.id);
    expect(await attribute(clues(line), addresses, store)).toMatchObject({ ownershipId: ada.id });
    const bob = await ownershipFor(store, "bob@example.com", "RD-2");
    expect(addresses.forOwnership(bob.id)).toBe(line);
    expect(await store.getOwnership("0f8fad5b-d9cb")).toBeNull();
    expect(await attribute(clues(line), addresses, store)).toMatchObject({ by: null, ownershipId: null });
    expect((await store.getOwnership(bob.id))?.id).toBe(bob.id);
  });
});
