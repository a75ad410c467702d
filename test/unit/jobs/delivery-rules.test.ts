/** The pure rules of sending: deadlines inside the lease, refusals, the ledger retry, the send pool. */
import { describe, expect, it } from "vitest";
import { duplicateNote } from "../../../src/cli/timeline-text.js";
import { silentLogger } from "../../../src/infra/logger.js";
import {
  LEASE_MARGIN_MS,
  sendDeadline,
  THAW_LEASE_MARGIN_MS,
  thawDeadline,
} from "../../../src/jobs/process-delivery.js";
import { recordSent } from "../../../src/jobs/record-sent.js";
import { createSendPool } from "../../../src/jobs/send-pool.js";
import { refusalStatus } from "../../../src/mail/refusal.js";
import { THAW_GRACE_MS } from "../../../src/mail/sender-thread.js";
import {
  isPermanentSendError,
  isUncertainSendError,
  refusalOf,
  relayRefusalOf,
  SENDER_GRACE_MS,
} from "../../../src/mail/transport.js";

describe("sendDeadline", () => {
  const lease = 5 * 60_000;
  it.each([
    // [left on the lease, configured, expected]
    [lease, 60_000, 60_000],
    [lease, undefined, lease - SENDER_GRACE_MS - LEASE_MARGIN_MS],
    [lease, 10 * 60_000, lease - SENDER_GRACE_MS - LEASE_MARGIN_MS],
    [40_000, 60_000, 40_000 - SENDER_GRACE_MS - LEASE_MARGIN_MS],
    [SENDER_GRACE_MS + LEASE_MARGIN_MS, 60_000, 0],
  ])("with %i ms of lease left and %s configured: %i", (left, configured, expected) => {
    expect(sendDeadline(1_000_000 + left, 1_000_000, configured)).toBe(expected);
  });

  it("always ends a send, grace included, before the lease runs out", () => {
    for (const left of [1, 10_000, 35_000, 60_000, lease])
      for (const configured of [1, 30_000, 60_000, 120_000]) {
        const d = sendDeadline(left, 0, configured);
        if (d > 0) expect(d + SENDER_GRACE_MS).toBeLessThan(left);
      }
  });
});

describe("thawDeadline", () => {
  it("lets a send stopped over its deadline read its answer after waking, inside the lease", () => {
    // The chaos scenario sigstop-past-lock: 60 s lease, 5 s deadline, a 35 s stop that
    // starts while the send is on the wire (claimed at most deadline + grace before it).
    const lease = 60_000;
    const claimedAt = 1_000_000;
    const deadline = sendDeadline(claimedAt + lease, claimedAt, 5000);
    const stopEnds = claimedAt + deadline + SENDER_GRACE_MS + 35_000;
    expect(thawDeadline(claimedAt + lease)).toBeGreaterThan(stopEnds + THAW_GRACE_MS);
  });

  it("ends after the normal deadline and leaves the ledger write room before the lease ends", () => {
    for (const lease of [40_000, 60_000, 5 * 60_000]) {
      const until = thawDeadline(lease);
      expect(until).toBeGreaterThan(sendDeadline(lease, 0, undefined));
      expect(lease - until).toBe(THAW_LEASE_MARGIN_MS);
      expect(THAW_LEASE_MARGIN_MS).toBeLessThan(LEASE_MARGIN_MS);
    }
  });
});

describe("SMTP errors", () => {
  const smtpError = (fields: Record<string, unknown>) => Object.assign(new Error("refused"), fields);
  it.each<[Record<string, unknown>, boolean, string | null, ("hard" | "block")?]>([
    [
      { responseCode: 550, command: "RCPT TO", response: "550 5.1.1 <a@b>: no such user" },
      true,
      "RCPT TO",
      "hard",
    ],
    [{ responseCode: 554, command: "DATA", response: "554 5.7.1 rejected as spam" }, true, "DATA", "block"],
    // Our own relay refusing every recipient: retried (not a refusal of this one), nobody suppressed.
    [{ responseCode: 554, command: "RCPT TO", response: "554 5.7.1 <a@b>: Relay access denied" }, true, null],
    [{ responseCode: 552, command: "RCPT TO", response: "552 5.2.2 <a@b>: mailbox full" }, true, null],
    [{ responseCode: 450, command: "RCPT TO", response: "450 4.2.0 greylisted" }, false, null],
    [{ responseCode: 421, command: "CONN", response: "421 shutting down" }, false, null],
    [{ code: "ETIMEDOUT", command: "CONN" }, false, null],
    // 5xx about our side: permanent answers, but no refusal of the recipient (nobody suppressed).
    [
      { responseCode: 553, command: "MAIL FROM", response: "553 5.7.1 sender domain not allowed" },
      true,
      null,
    ],
    [{ responseCode: 535, command: "AUTH PLAIN", response: "535 5.7.8 authentication failed" }, true, null],
    [{ responseCode: 554, command: "CONN", response: "554 5.7.1 your IP is listed" }, true, null],
    [{ responseCode: 550 }, true, null],
  ])("%j: permanent %s, refuses the recipient at %s (%s)", (fields, permanent, command, kind) => {
    const err = smtpError(fields);
    expect(isPermanentSendError(err)).toBe(permanent);
    const refusal = refusalOf(err);
    expect(refusal === null).toBe(command === null);
    if (refusal)
      expect(refusal).toEqual({
        command,
        responseCode: fields.responseCode,
        response: fields.response,
        kind,
      });
  });

  it.each<[Record<string, unknown>, boolean]>([
    [{ responseCode: 554, command: "RCPT TO", response: "554 5.7.1 <a@b>: Relay access denied" }, true],
    [{ responseCode: 530, command: "MAIL FROM", response: "530 5.7.0 Authentication required" }, true],
    [{ responseCode: 550, command: "RCPT TO", response: "550 5.7.1 Unable to relay for a@b" }, true],
    [
      {
        responseCode: 550,
        command: "RCPT TO",
        response: "550 5.1.1 <a@b>: User unknown in relay recipient table",
      },
      false,
    ],
    [{ responseCode: 554, command: "DATA", response: "554 5.7.1 rejected as spam" }, false],
    [{ responseCode: 450, command: "RCPT TO", response: "450 4.7.1 Relay access denied" }, false],
  ])("%j: our relay's setup (relay or authentication refused): %s", (fields, relay) => {
    expect(relayRefusalOf(smtpError(fields)) !== null).toBe(relay);
  });

  it("falls back to the error's message when the server's answer is missing", () => {
    expect(refusalOf(smtpError({ responseCode: 550, command: "RCPT TO" }))).toEqual({
      command: "RCPT TO",
      responseCode: 550,
      response: "refused",
      kind: "hard",
    });
  });

  it("counts only sends rapport cut off mid-conversation as uncertain", () => {
    expect(isUncertainSendError(smtpError({ code: "ESENDDEADLINE" }))).toBe(true);
    expect(isUncertainSendError(smtpError({ code: "ESENDABORTED" }))).toBe(true);
    expect(isUncertainSendError(smtpError({ code: "ESENDERSTOPPED" }))).toBe(true);
    expect(isUncertainSendError(smtpError({ code: "ECONNECTION" }))).toBe(false);
    expect(isUncertainSendError(smtpError({ code: "ETIMEDOUT" }))).toBe(false);
    expect(isUncertainSendError(null)).toBe(false);
  });

  it.each([
    ["550 5.1.1 <ada@example.com>: Recipient address rejected", 550, "5.1.1"],
    ["550 <ada@example.com>: 5.1.1 no such user here", 550, "5.1.1"],
    ["550-5.7.26 This mail is unauthenticated", 550, "5.7.26"],
    ["554 Transaction failed", 554, "554"],
    ["550 <x.5.1.1@example.com>: rejected", 550, "550"],
  ])("the status of %j is %s", (response, responseCode, status) => {
    expect(refusalStatus({ responseCode, response })).toBe(status);
  });

  // The kinds themselves (hard, soft, block) are in test/unit/mail/refusal-kinds.test.ts.
});

describe("recordSent", () => {
  it.each([0, 1, 3, 10])(
    "lands after %i failed ledger writes, waiting longer each time up to the cap",
    async (n) => {
      let calls = 0;
      const waits: number[] = [];
      const failures = await recordSent(
        {
          markSent: async () => {
            calls++;
            if (calls <= n) throw new Error("database is locked");
          },
        },
        "m1",
        { subject: "Hi", smtpResponse: "250 OK", now: () => 1 },
        {
          logger: silentLogger,
          retry: { baseMs: 100, maxMs: 1000, sleep: async (ms) => void waits.push(ms) },
        },
      );
      expect(failures).toBe(n);
      expect(calls).toBe(n + 1);
      expect(waits).toEqual([100, 200, 400, 800, 1000, 1000, 1000, 1000, 1000, 1000].slice(0, n));
    },
  );
});

describe("send pool", () => {
  it("runs at most `concurrency` at once, keeps at most `maxWaiting`, and refuses beyond", async () => {
    const release = new Map<string, () => void>();
    let running = 0;
    let most = 0;
    const ran: string[] = [];
    const pool = createSendPool({
      concurrency: 2,
      maxWaiting: 2,
      run: (id) =>
        new Promise<void>((ok) => {
          running++;
          most = Math.max(most, running);
          ran.push(id);
          release.set(id, () => {
            running--;
            ok();
          });
        }),
    });
    expect(["a", "b", "c", "d", "e"].map((id) => pool.submit(id))).toEqual([true, true, true, true, false]);
    expect(pool.size()).toEqual({ running: 2, waiting: 2 });
    expect(pool.running()).toEqual(["a", "b"]);
    const idle = pool.idle();
    for (const id of ["a", "b", "c", "d"]) {
      while (!release.has(id)) await new Promise((r) => setImmediate(r));
      release.get(id)?.();
    }
    await idle;
    expect(pool.running()).toEqual([]);
    expect(ran).toEqual(["a", "b", "c", "d"]);
    expect(most).toBe(2);
  });

  it("on close forgets what waits (the sweeper has it), waits for what runs, takes nothing more", async () => {
    let finish: () => void = () => {};
    const ran: string[] = [];
    const pool = createSendPool({
      concurrency: 1,
      maxWaiting: 10,
      run: (id) => {
        ran.push(id);
        return new Promise<void>((ok) => {
          finish = ok;
        });
      },
    });
    pool.submit("a");
    pool.submit("b");
    pool.submit("c");
    let closed: number | null = null;
    const closing = pool.close().then((n) => {
      closed = n;
    });
    expect(pool.submit("d")).toBe(false);
    await new Promise((r) => setImmediate(r));
    expect(closed).toBeNull(); // "a" still runs
    finish();
    await closing;
    expect(closed).toBe(2);
    expect(ran).toEqual(["a"]);
  });

  it("keeps going when a task rejects", async () => {
    const ran: string[] = [];
    const pool = createSendPool({
      concurrency: 1,
      maxWaiting: 10,
      run: async (id) => {
        ran.push(id);
        throw new Error("boom");
      },
    });
    pool.submit("a");
    pool.submit("b");
    await pool.idle();
    expect(ran).toEqual(["a", "b"]);
  });
});

describe("duplicateNote", () => {
  it.each([
    [{ status: "sent" as const, uncertainAttempts: 0 }, ""],
    [{ status: "queued" as const, uncertainAttempts: 1 }, ""],
    [{ status: "sent" as const, uncertainAttempts: 1 }, "sent 2 times, possible duplicate"],
    [{ status: "sent" as const, uncertainAttempts: 2 }, "sent 3 times, possible duplicate"],
  ])("%j", (m, expected) => {
    if (expected) expect(duplicateNote(m)).toContain(expected);
    else expect(duplicateNote(m)).toBe("");
  });
});
