/**
 * The IMAP poller against a real IMAP server: dovecot, started by the suite itself on a
 * free port (test/support/dovecot.ts). Each test logs in as a user of its own, so each
 * has an empty mailbox and no two tests share state. Mail is put in the mailbox with
 * IMAP APPEND, as the company's mail server would deliver it.
 */
import { randomBytes } from "node:crypto";
import { ImapFlow } from "imapflow";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { silentLogger } from "../../src/infra/logger.js";
import { startImapPoller } from "../../src/mail/imap-poller.js";
import { type Rapport, startRapport } from "../../src/main.js";
import type { NewInbound } from "../../src/store/store.js";
import { dovecotProblem, startDovecot, type TestImapServer } from "../support/dovecot.js";
import { replyMime } from "../support/mail-in.js";
import { eventually, testEnv } from "../support/test-env.js";
import { openTestStore } from "../support/test-store.js";

// A newcomer's machine may have no dovecot: the suite then skips, and says why.
const problem = dovecotProblem();
if (problem) console.warn(`test/integration/imap-poller.test.ts skipped: ${problem}`);

function message(n: number, extraHeaders: string[] = [], body = `Reply number ${n}.`): Buffer {
  const mime = replyMime({
    from: "Ada Lovelace <ada@example.com>",
    to: "support@lyra-audio.example",
    subject: `Re: your turntable (${n})`,
    messageId: `<imap-${n}-${randomBytes(4).toString("hex")}@mail.example.com>`,
    text: body,
  });
  return Buffer.from([...extraHeaders, mime].join("\r\n"));
}

describe.skipIf(problem !== null)("IMAP poller on a real IMAP server (dovecot)", () => {
  let server: TestImapServer;
  const opened: Array<{ close(): Promise<void> }> = [];

  beforeAll(async () => {
    server = await startDovecot();
  });
  afterAll(async () => {
    await server?.close();
  });
  afterEach(async () => {
    for (const o of opened.splice(0).reverse()) await o.close();
  });

  /** A user nobody else uses: its own, empty mailbox. */
  const newUser = () => `u${randomBytes(5).toString("hex")}`;

  /** The test's own IMAP connection, to put mail in and look at the folders. */
  async function mailbox(user: string) {
    const client = new ImapFlow(server.client(user));
    client.on("error", () => undefined);
    await client.connect();
    opened.push({ close: () => client.logout().catch(() => client.close()) });
    return {
      append: async (raw: Buffer, folder = "INBOX") => {
        await client.append(folder, raw);
      },
      removeFolder: async (folder: string) => {
        await client.mailboxDelete(folder);
      },
      /** The raw messages in a folder, or null when the folder does not exist. */
      contents: async (folder: string): Promise<Buffer[] | null> => {
        const folders = await client.list();
        if (!folders.some((f) => f.path === folder)) return null;
        const lock = await client.getMailboxLock(folder);
        try {
          await client.noop(); // a folder selected before may have changed since
          if (!client.mailbox || client.mailbox.exists === 0) return [];
          const raws: Buffer[] = [];
          for await (const m of client.fetch("1:*", { source: true })) if (m.source) raws.push(m.source);
          return raws;
        } finally {
          lock.release();
        }
      },
    };
  }

  function poller(
    user: string,
    accept: (m: NewInbound) => Promise<string>,
    over: { maxBytes?: number; processedFolder?: string } = {},
  ) {
    const p = startImapPoller({
      url: server.url(user),
      processedFolder: over.processedFolder ?? "rapport-processed",
      intervalMs: 60_000,
      accept,
      logger: silentLogger,
      maxBytes: over.maxBytes ?? 64 * 1024,
      manual: true,
    });
    opened.push(p);
    return p;
  }

  function recorder() {
    const taken: NewInbound[] = [];
    const accept = async (m: NewInbound) => {
      taken.push(m);
      return `in-${taken.length}`;
    };
    return { taken, accept };
  }

  it("accepts each message, then moves it to the processed folder; a second poll takes nothing", async () => {
    const user = newUser();
    const box = await mailbox(user);
    const sent = [
      message(1, ["Return-Path: <Ada@Example.com>", "Delivered-To: support@lyra-audio.example"]),
      message(2, ["X-Original-To: reply+abc@reply.lyra-audio.example"]),
      message(3),
    ];
    for (const raw of sent) await box.append(raw);
    const { taken, accept } = recorder();
    const p = poller(user, accept);

    expect(await p.pollOnce()).toBe(3);
    expect(taken.map((m) => m.raw.toString())).toEqual(sent.map((r) => r.toString()));
    expect(taken.every((m) => m.source === "imap")).toBe(true);
    expect(taken[0]).toMatchObject({
      envelopeFrom: "ada@example.com",
      envelopeTo: ["support@lyra-audio.example"],
    });
    expect(taken[1]).toMatchObject({
      envelopeFrom: null,
      envelopeTo: ["reply+abc@reply.lyra-audio.example"],
    });
    expect(taken[2]).toMatchObject({ envelopeFrom: null, envelopeTo: [] });

    expect(await box.contents("INBOX")).toEqual([]);
    const processed = await box.contents("rapport-processed");
    expect(processed?.map((r) => r.toString()).sort()).toEqual(sent.map((r) => r.toString()).sort());

    expect(await p.pollOnce()).toBe(0);
    expect(taken).toHaveLength(3);
  });

  it("leaves a message it could not store in the mailbox, and takes it at the next poll", async () => {
    const user = newUser();
    const box = await mailbox(user);
    const raw = message(1);
    await box.append(raw);
    let storeIsAway = true;
    const { taken, accept } = recorder();
    const p = poller(user, async (m) => {
      if (storeIsAway) throw new Error("SQLITE_BUSY: database is locked");
      return accept(m);
    });

    expect(await p.pollOnce()).toBe(0);
    expect(await box.contents("INBOX")).toHaveLength(1);
    expect(await box.contents("rapport-processed")).toEqual([]);

    storeIsAway = false;
    expect(await p.pollOnce()).toBe(1);
    expect(taken.map((m) => m.raw.toString())).toEqual([raw.toString()]);
    expect(await box.contents("INBOX")).toEqual([]);
    expect(await box.contents("rapport-processed")).toHaveLength(1);
  });

  it("moves a message above maxBytes aside unread, and does not come back to it", async () => {
    const user = newUser();
    const box = await mailbox(user);
    const small = message(1);
    const big = message(2, [], `${"x".repeat(76)}\r\n`.repeat(200));
    await box.append(big);
    await box.append(small);
    const { taken, accept } = recorder();
    const p = poller(user, accept, { maxBytes: 4096 });

    expect(await p.pollOnce()).toBe(1);
    expect(taken.map((m) => m.raw.toString())).toEqual([small.toString()]);
    expect(await box.contents("INBOX")).toEqual([]);
    expect((await box.contents("rapport-processed-too-large"))?.map(String)).toEqual([big.toString()]);
    expect(await p.pollOnce()).toBe(0);
    expect(taken).toHaveLength(1);
  });

  it("runs on its own: takes what is there at start, and wakes on IDLE for what arrives later", async () => {
    const user = newUser();
    const box = await mailbox(user);
    await box.append(message(1));
    const { taken, accept } = recorder();
    const p = startImapPoller({
      url: server.url(user),
      processedFolder: "done",
      // Far beyond the test's time: only IDLE can bring the second message in.
      intervalMs: 10 * 60_000,
      accept,
      logger: silentLogger,
      maxBytes: 64 * 1024,
    });
    opened.push(p);
    await eventually(async () => taken.length === 1, "the message there at start");
    await box.append(message(2));
    await eventually(async () => taken.length === 2, "the message that arrived later");
    await eventually(async () => (await box.contents("done"))?.length === 2, "both in the processed folder");
    await p.close();
    expect(await box.contents("INBOX")).toEqual([]);
  });

  it("makes the processed folder again when someone removed it, taking the message at most twice", async () => {
    const user = newUser();
    const box = await mailbox(user);
    const { taken, accept } = recorder();
    const p = poller(user, accept);
    await box.append(message(1));
    expect(await p.pollOnce()).toBe(1);
    await box.removeFolder("rapport-processed");
    const raw = message(2);
    await box.append(raw);
    // This poll stores the message but cannot move it; the next one reconnects, makes the
    // folder again and takes it once more (the store folds the copy by its Message-ID).
    await p.pollOnce().catch(() => 0);
    await p.pollOnce();
    expect(await box.contents("INBOX")).toEqual([]);
    expect((await box.contents("rapport-processed"))?.map(String)).toEqual([raw.toString()]);
    const second = taken.slice(1).map((m) => m.raw.toString());
    expect(second.length).toBeGreaterThanOrEqual(1);
    expect(second.length).toBeLessThanOrEqual(2);
    expect(new Set(second)).toEqual(new Set([raw.toString()]));
  });

  it("close() waits for a running poll, which finishes what it took", async () => {
    const user = newUser();
    const box = await mailbox(user);
    await box.append(message(1));
    const { taken, accept } = recorder();
    let storing: () => void = () => undefined;
    const started = new Promise<void>((resolve) => {
      storing = resolve;
    });
    const p = poller(user, async (m) => {
      storing();
      await new Promise((r) => setTimeout(r, 300));
      return accept(m);
    });
    const polled = p.pollOnce();
    await started;
    await p.close();
    expect(await polled).toBe(1);
    expect(taken).toHaveLength(1);
    expect(await box.contents("rapport-processed")).toHaveLength(1);
    expect(await box.contents("INBOX")).toEqual([]);
  });

  it("refuses a processed folder that is the mailbox itself", () => {
    expect(() => poller(newUser(), async () => "x", { processedFolder: "inbox" })).toThrow(/must not be/);
  });

  it("survives a server it cannot log in to: pollOnce rejects, the background poller only logs", async () => {
    const badUrl = server.url(newUser()).replace(/:[^:@/]+@/, ":wrong-password@");
    const manual = startImapPoller({
      url: badUrl,
      processedFolder: "rapport-processed",
      intervalMs: 60_000,
      accept: async () => "never",
      logger: silentLogger,
      maxBytes: 1024,
      manual: true,
    });
    opened.push(manual);
    await expect(manual.pollOnce()).rejects.toThrow();

    const background = startImapPoller({
      url: badUrl,
      processedFolder: "rapport-processed",
      intervalMs: 50,
      accept: async () => "never",
      logger: silentLogger,
      maxBytes: 1024,
    });
    await new Promise((r) => setTimeout(r, 300));
    await background.close();
  });

  it("is started by rapport when IMAP_URL is set, and stores what it takes", async () => {
    const user = newUser();
    const box = await mailbox(user);
    const t = testEnv(inject("redisUrl"), {
      IMAP_URL: server.url(user),
      IMAP_POLL_INTERVAL_MS: "500",
    });
    const rapport: Rapport = await startRapport({ settings: t.settings, role: "http", logger: silentLogger });
    opened.push(rapport);
    const raw = message(1);
    await box.append(raw);
    await eventually(
      async () => (await box.contents("rapport-processed"))?.length === 1,
      "the processed reply",
    );
    expect(await box.contents("INBOX")).toEqual([]);
    // The http role runs no worker, so the stored message waits, unprocessed, in the store.
    const store = await openTestStore(t.settings);
    opened.push(store);
    const ids = await store.listStrandedInbound(Date.now() + 60_000, 10);
    expect(ids).toHaveLength(1);
    const row = await store.getInbound(ids[0] as string);
    expect(row).toMatchObject({ source: "imap" });
    expect(row?.raw.toString()).toBe(raw.toString());
  });
});
