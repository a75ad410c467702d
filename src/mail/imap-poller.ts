/**
 * The IMAP poller: for companies whose replies land in an ordinary mailbox rather than
 * at rapport's own SMTP listener. It takes each message from the mailbox, hands it to
 * `accept` (which stores and queues it) and only then moves it to the processed folder,
 * so nothing is read twice and nothing is lost.
 *
 * Contract: startImapPoller(opts) → { pollOnce(), close() }.
 * - URL: imap://user:pass@host:port/MAILBOX (STARTTLS when the server offers it) or
 *   imaps://… (TLS from the start); the mailbox defaults to INBOX. The password never
 *   appears in logs.
 * - A poll locks the mailbox, lists its messages by UID, and for each: fetches the raw
 *   source, awaits `accept({ source: "imap", raw, envelopeFrom: Return-Path or null,
 *   envelopeTo: Delivered-To / X-Original-To or [] })`, then MOVEs it (by UID) to
 *   `processedFolder` (imapflow falls back to COPY + \Deleted + EXPUNGE on servers
 *   without MOVE). Folders are created when missing.
 * - If accept fails, the message stays where it is and the next poll tries again.
 * - A crash (or a failed MOVE) between accept and the move means the same message is
 *   accepted again on the next poll. That is allowed: the store records an interaction
 *   once per Message-ID, so the duplicate stored copy is folded downstream. The same
 *   holds when several rapport processes (role http or all) poll one mailbox and two
 *   take the same message before either has moved it.
 * - A message larger than maxBytes is never fetched: it is moved to
 *   `<processedFolder>-too-large` and logged, so the poller never loops on it.
 * - Polls never overlap. Unless `manual`, one runs at start, then every intervalMs, and
 *   also as soon as the server says (IMAP IDLE, which imapflow enters between commands)
 *   that new mail has arrived. The connection is kept between polls and made anew after
 *   a failure. Errors of a background poll (server away, bad password) are logged and the
 *   next interval tries again; they never crash the process.
 * - pollOnce() waits for a running poll, then polls; it resolves to the number of messages
 *   accepted and rejects when the server cannot be reached (a message that accept
 *   refused does not reject it). close() stops the timer, waits for a running poll (at
 *   most closeWaitMs, then drops the connection under it) and logs out.
 */
import { ImapFlow } from "imapflow";
import { maskUrlPassword } from "../config/settings.js";
import type { Logger } from "../infra/logger.js";
import type { AcceptInbound } from "../jobs/accept-inbound.js";

export interface ImapPollerOptions {
  /** imap://user:pass@host:port/MAILBOX or imaps://… */
  url: string;
  processedFolder: string;
  intervalMs: number;
  accept: AcceptInbound;
  logger: Logger;
  maxBytes: number;
  /** Tests: no timer and no IDLE wake-ups; polls happen only on pollOnce(). */
  manual?: boolean;
  /** How long close() waits for a running poll before dropping its connection; 10 s by default. */
  closeWaitMs?: number;
  /** Extra TLS options for imaps:// and STARTTLS (tests with a self-signed certificate). */
  tls?: { rejectUnauthorized?: boolean };
}

export interface ImapPoller {
  /** Polls now (after any running poll); resolves to the number of messages accepted. */
  pollOnce(): Promise<number>;
  close(): Promise<void>;
}

export interface ImapTarget {
  host: string;
  port: number;
  secure: boolean;
  user: string;
  pass: string;
  mailbox: string;
}

/** Splits an IMAP URL into what imapflow needs; throws on anything but imap:// and imaps://. */
export function parseImapUrl(url: string): ImapTarget {
  const u = new URL(url);
  if (u.protocol !== "imap:" && u.protocol !== "imaps:") {
    throw new Error(`expected imap:// or imaps://, got ${u.protocol}//`);
  }
  const secure = u.protocol === "imaps:";
  const path = decodeURIComponent(u.pathname.replace(/^\//, ""));
  return {
    host: u.hostname.replace(/^\[(.*)\]$/, "$1"),
    port: u.port ? Number(u.port) : secure ? 993 : 143,
    secure,
    user: decodeURIComponent(u.username),
    pass: decodeURIComponent(u.password),
    mailbox: path || "INBOX",
  };
}

const HEADER_END = Buffer.from("\r\n\r\n");
const HEADER_END_LF = Buffer.from("\n\n");

/** The header fields of a raw message, unfolded, names lowercased. */
function headerFields(raw: Buffer): Array<{ name: string; value: string }> {
  let end = raw.indexOf(HEADER_END);
  if (end < 0) end = raw.indexOf(HEADER_END_LF);
  const head = raw.subarray(0, end < 0 ? raw.length : end).toString("latin1");
  const fields: Array<{ name: string; value: string }> = [];
  for (const line of head.split(/\r?\n(?![ \t])/)) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    fields.push({
      name: line.slice(0, colon).trim().toLowerCase(),
      value: line
        .slice(colon + 1)
        .replace(/\r?\n[ \t]+/g, " ")
        .trim(),
    });
  }
  return fields;
}

/** Characters an address in these headers is made of (what the sides of its "@" may hold). */
const ADDRESS_CHAR = /^[^\s<>@",;]$/;
/** Longer than any address (254 characters) with room for a display name and comments. */
const MAX_SEARCHED = 2048;

/**
 * The first `local@domain` in a header value, lower-cased. Found from each "@" outward, so
 * the time is linear: the regular expression this replaces tried every start position and
 * scanned each run of letters to its end, and a 40 KiB X-Original-To without an "@" (a
 * hostile sender writes any header it likes) held the event loop for 2 s. Only the first
 * MAX_SEARCHED characters are searched.
 */
export function firstAddress(value: string): string | null {
  const v = value.length > MAX_SEARCHED ? value.slice(0, MAX_SEARCHED) : value;
  const isChar = (i: number) => ADDRESS_CHAR.test(v.charAt(i));
  for (let at = v.indexOf("@"); at !== -1; at = v.indexOf("@", at + 1)) {
    let start = at;
    while (start > 0 && isChar(start - 1)) start--;
    let end = at + 1;
    while (end < v.length && isChar(end)) end++;
    if (start < at && end > at + 1) return v.slice(start, end).toLowerCase();
  }
  return null;
}

/** The envelope the delivering server left in the headers: Return-Path, Delivered-To, X-Original-To. */
export function envelopeFromHeaders(raw: Buffer): { envelopeFrom: string | null; envelopeTo: string[] } {
  const fields = headerFields(raw);
  // The topmost Return-Path is the one the final delivery wrote.
  const returnPath = fields.find((f) => f.name === "return-path")?.value;
  const from = returnPath ? firstAddress(returnPath) : null;
  const to = new Set<string>();
  for (const f of fields) {
    if (f.name !== "delivered-to" && f.name !== "x-original-to") continue;
    const address = firstAddress(f.value);
    if (address) to.add(address);
  }
  return { envelopeFrom: from ?? null, envelopeTo: [...to] };
}

export function startImapPoller(opts: ImapPollerOptions): ImapPoller {
  const target = parseImapUrl(opts.url);
  for (const folder of [opts.processedFolder, `${opts.processedFolder}-too-large`]) {
    const same =
      folder === target.mailbox ||
      (folder.toUpperCase() === "INBOX" && target.mailbox.toUpperCase() === "INBOX");
    if (same) throw new Error(`the processed folder must not be the mailbox it takes mail from (${folder})`);
  }
  const shownUrl = maskUrlPassword(opts.url);
  const log = opts.logger.child({ imap: shownUrl });
  const tooLargeFolder = `${opts.processedFolder}-too-large`;

  let client: ImapFlow | null = null;
  let closed = false;
  let current: Promise<number> | null = null;
  let rerun = false;
  let timer: NodeJS.Timeout | null = null;
  let failing = false;

  function newClient(): ImapFlow {
    const c = new ImapFlow({
      host: target.host,
      port: target.port,
      secure: target.secure,
      auth: { user: target.user, pass: target.pass },
      logger: false,
      ...(opts.tls ? { tls: opts.tls } : {}),
      // IDLE soon after a poll (imapflow waits 15 s by default), so new mail wakes us early.
      autoIdleDelay: 1000,
      // Keeps IDLE from holding a connection that the server or a NAT has long dropped.
      maxIdleTime: 5 * 60_000,
    });
    // An 'error' without a listener would crash the process; the poll that needs the
    // connection sees the failure and the next one reconnects.
    c.on("error", (err: Error) => {
      log.warn({ err: err.message }, "IMAP connection error");
    });
    c.on("close", () => {
      if (client === c) client = null;
    });
    c.on("exists", (data: { path: string; count: number; prevCount: number }) => {
      if (!opts.manual && !closed && data.path === target.mailbox && data.count > data.prevCount) kick();
    });
    return c;
  }

  async function ensureFolder(c: ImapFlow, path: string): Promise<void> {
    const found = await c.list();
    if (found.some((f) => f.path === path)) return;
    try {
      await c.mailboxCreate(path);
      log.info(`created the IMAP folder ${path}`);
    } catch (err) {
      // Another poller (or a person) may have created it meanwhile.
      const again = await c.list();
      if (!again.some((f) => f.path === path)) throw err;
    }
  }

  async function connected(): Promise<ImapFlow> {
    if (client?.usable) return client;
    if (client) dropClient();
    const c = newClient();
    await c.connect();
    try {
      await ensureFolder(c, opts.processedFolder);
    } catch (err) {
      c.close();
      throw err;
    }
    client = c;
    return c;
  }

  function dropClient(): void {
    const c = client;
    client = null;
    c?.close();
  }

  async function poll(): Promise<number> {
    const c = await connected();
    let accepted = 0;
    let reconnect = false;
    try {
      const lock = await c.getMailboxLock(target.mailbox);
      try {
        // The mailbox may have stayed selected since the last poll: NOOP lets the server
        // report what arrived meanwhile, so the count below is not a stale one.
        await c.noop();
        const mailbox = c.mailbox;
        if (!mailbox || mailbox.exists === 0) return 0;
        const listed: Array<{ uid: number; size: number | undefined }> = [];
        // Only UIDs and sizes here: no other command may run while a FETCH streams.
        for await (const m of c.fetch("1:*", { uid: true, size: true })) {
          listed.push({ uid: m.uid, size: m.size });
        }
        for (const { uid, size } of listed) {
          if (closed) break;
          if (size !== undefined && size > opts.maxBytes) {
            await setAside(c, uid, size);
            continue;
          }
          const fetched = await c.fetchOne(String(uid), { uid: true, source: true }, { uid: true });
          if (fetched === false || !fetched.source) continue; // expunged meanwhile
          const raw = fetched.source;
          if (raw.length > opts.maxBytes) {
            await setAside(c, uid, raw.length);
            continue;
          }
          const envelope = envelopeFromHeaders(raw);
          let id: string;
          try {
            id = await opts.accept({ source: "imap", raw, ...envelope });
          } catch (err) {
            log.error(
              { uid, err: (err as Error).message },
              "could not store a message from the IMAP mailbox; it stays there for the next poll",
            );
            continue;
          }
          accepted++;
          const moved = await c.messageMove(String(uid), opts.processedFolder, { uid: true });
          if (!moved) {
            // Perhaps someone removed the folder: the next poll connects afresh and makes it again.
            reconnect = true;
            log.warn(
              { uid, inboundId: id },
              `a stored message could not be moved to ${opts.processedFolder}; it will be taken again (and folded by its Message-ID)`,
            );
          } else {
            log.debug({ uid, inboundId: id }, "took a message from the IMAP mailbox");
          }
        }
      } finally {
        lock.release();
      }
      if (reconnect) dropClient();
    } catch (err) {
      // The connection may be half-broken; the next poll starts afresh.
      dropClient();
      throw err;
    }
    return accepted;
  }

  async function setAside(c: ImapFlow, uid: number, size: number): Promise<void> {
    let moved = false;
    try {
      await ensureFolder(c, tooLargeFolder);
      moved = (await c.messageMove(String(uid), tooLargeFolder, { uid: true })) !== false;
    } catch (err) {
      if (!c.usable) throw err;
      log.warn({ uid, err: (err as Error).message }, `could not move a message to ${tooLargeFolder}`);
    }
    log.warn(
      { uid, size, maxBytes: opts.maxBytes },
      moved
        ? `a message above INBOUND_MAX_BYTES was moved to ${tooLargeFolder} unread`
        : `a message above INBOUND_MAX_BYTES could not be moved to ${tooLargeFolder}`,
    );
    if (!moved) {
      // Flag it so a person can find it; it is skipped (by size) on every poll anyway.
      await c.messageFlagsAdd(String(uid), ["\\Flagged"], { uid: true }).catch(() => undefined);
    }
  }

  /** Runs a poll after the running one (if any); polls never overlap. */
  function run(): Promise<number> {
    const previous = current ?? Promise.resolve(0);
    const next = previous.then(
      () => (closed ? 0 : poll()),
      () => (closed ? 0 : poll()),
    );
    current = next;
    const settle = () => {
      if (current === next) current = null;
      if (rerun && !closed) {
        rerun = false;
        kick();
      }
    };
    next.then(settle, settle);
    return next;
  }

  /** A background poll: logged, never thrown; coalesced while one runs. */
  function kick(): void {
    if (closed) return;
    if (current) {
      rerun = true;
      return;
    }
    run().then(
      (n) => {
        if (failing) log.info("the IMAP mailbox can be read again");
        failing = false;
        if (n > 0) log.info(`took ${n} message(s) from the IMAP mailbox`);
      },
      (err: unknown) => {
        const message = err instanceof Error ? err.message : String(err);
        // Once per outage at warn level; then quieter until it recovers.
        if (failing) log.debug({ err: message }, "IMAP poll failed again");
        else log.warn({ err: message }, "IMAP poll failed; trying again at the next interval");
        failing = true;
      },
    );
  }

  if (!opts.manual) {
    timer = setInterval(kick, opts.intervalMs);
    timer.unref();
    kick();
  }

  return {
    pollOnce: run,
    async close() {
      if (closed) return;
      closed = true;
      if (timer) clearInterval(timer);
      if (current) {
        let waited: NodeJS.Timeout | undefined;
        const gaveUp = new Promise<"gave up">((resolve) => {
          waited = setTimeout(() => resolve("gave up"), opts.closeWaitMs ?? 10_000);
        });
        const outcome = await Promise.race([
          current.then(
            () => "done",
            () => "done",
          ),
          gaveUp,
        ]);
        clearTimeout(waited);
        if (outcome === "gave up") {
          log.warn("an IMAP poll was still running at shutdown; its connection is dropped");
          dropClient();
          await current.catch(() => undefined);
        }
      }
      const c = client;
      client = null;
      if (c?.usable) {
        await c.logout().catch(() => c.close());
      } else {
        c?.close();
      }
    },
  };
}
