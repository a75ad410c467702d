/**
 * Short links in the store, on both backends: one code per message and URL (a retried send
 * gets the same code back), a code taken by another link is drawn again, a click on a
 * stored code is recorded and shown on the message's customer's timeline, an unknown code
 * finds nothing and records nothing.
 */
import { sql } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { composeStore } from "../../src/store/compose.js";
import { customers, messages } from "../../src/store/schema.js";
import { query } from "../../src/store/sql/query.js";
import type { Store } from "../../src/store/store.js";
import { type OpenedTestDatabase, storeBackends } from "../support/store-backends.js";

const p = sql.placeholder;
const insertCustomer = query(sql`
  insert into ${customers} (id, email, name, created_at, updated_at)
  values (${p("id")}, ${p("email")}, 'Ada', 1000, 1000)`);
const insertMessage = query(sql`
  insert into ${messages} (id, dedupe_key, customer_id, template, to_address, channel, message_id_header, status, subject, created_at, updated_at, sent_at)
  values (${p("id")}, ${p("id")}, ${p("customerId")}, 'care-tip', '+447911123456', 'sms', ${p("id")}, 'sent', 'Hi Ada', 1000, 1000, 1000)`);

const codes = (...list: string[]) => {
  let i = 0;
  return () => list[i++ % list.length] as string;
};

describe.each(storeBackends)("short links ($name)", ({ skip, openDatabase }) => {
  let opened: OpenedTestDatabase;
  let store: Store;
  beforeEach(async () => {
    if (skip) return;
    opened = await openDatabase();
    let n = 0;
    store = composeStore(opened.database, { newId: () => `id-${++n}` });
    await opened.database.tx(async (t) => {
      await t.run(insertCustomer, { id: "c1", email: "ada@example.com" });
      await t.run(insertCustomer, { id: "c2", email: "bob@example.com" });
      await t.run(insertMessage, { id: "m1", customerId: "c1" });
      await t.run(insertMessage, { id: "m2", customerId: "c2" });
    });
  });
  afterEach(async () => {
    if (!skip) await opened.dispose();
  });

  it.skipIf(skip)("keeps one code per message and URL, drawing again when a code is taken", async () => {
    const care = "https://lyra.example/care";
    expect(await store.shortLinkFor("m1", care, codes("AAAAAAAAAA"), 2000)).toBe("AAAAAAAAAA");
    // The send retried: the same link in the same message keeps its code.
    expect(await store.shortLinkFor("m1", care, codes("BBBBBBBBBB"), 3000)).toBe("AAAAAAAAAA");
    // Another message's link, whose first draw is taken: the second draw.
    expect(await store.shortLinkFor("m2", care, codes("AAAAAAAAAA", "CCCCCCCCCC"), 3000)).toBe("CCCCCCCCCC");
    await expect(store.shortLinkFor("m2", "https://x.example", codes("AAAAAAAAAA"), 3000)).rejects.toThrow(
      /every code drawn was taken/,
    );
  });

  it.skipIf(skip)("records a click on its customer's timeline; an unknown code records nothing", async () => {
    await store.shortLinkFor("m1", "https://lyra.example/care", codes("AAAAAAAAAA"), 2000);
    expect(await store.followShortLink("ZZZZZZZZZZ", 4000, "curl")).toBeNull();
    expect(await store.followShortLink("AAAAAAAAAA", 5000, "x".repeat(500))).toEqual({
      url: "https://lyra.example/care",
      messageId: "m1",
      customerId: "c1",
    });
    const tl = await store.timeline("ada@example.com");
    expect(tl?.clicks).toEqual([
      {
        id: expect.any(String),
        code: "AAAAAAAAAA",
        messageId: "m1",
        url: "https://lyra.example/care",
        clickedAt: 5000,
        userAgent: "x".repeat(200),
      },
    ]);
    expect((await store.timeline("bob@example.com"))?.clicks).toEqual([]);
  });
});
