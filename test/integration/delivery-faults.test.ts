/**
 * The deliveries job under SMTP and ledger faults, on a real store, Redis and SMTP server:
 * after a 250 the claim is never given back, a 5xx refusal is a hard bounce or a block
 * (address kept), our relay refusing to relay is retried, a 4xx is retried, a send has a deadline, and a message sent twice says so.
 */
import { UnrecoverableError } from "bullmq";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { formatTimeline } from "../../src/cli/timeline-text.js";
import { firstAttempt, processDelivery } from "../../src/jobs/process-delivery.js";
import { createRelayRefusalLog, RELAY_FIX } from "../../src/mail/relay-refusal-log.js";
import { createMetrics } from "../../src/metrics/metrics.js";
import type { Store } from "../../src/store/store.js";
import { harnessPerTest } from "../support/delivery-harness.js";

describe("deliveries under faults", () => {
  const boot = harnessPerTest();

  it("after a 250, retries the ledger write until it lands and never sends again", async () => {
    const { sink, h } = await boot();
    const id = await h.seedMessage("ada@example.com");
    let markSentCalls = 0;
    const statusesSeen: string[] = [];
    const failing: Store = {
      ...h.store,
      async markSent(messageId, r) {
        markSentCalls++;
        statusesSeen.push((await h.store.getMessage(messageId))?.status ?? "?");
        if (markSentCalls <= 3) throw new Error("SQLITE_BUSY: database is locked (injected)");
        return h.store.markSent(messageId, r);
      },
    };
    expect(await processDelivery({ messageId: id }, { ...h.deps, store: failing })).toBe("sent");
    expect(markSentCalls).toBe(4);
    // The claim stayed with the attempt all along: nobody could take the message over.
    expect(statusesSeen).toEqual(["sending", "sending", "sending", "sending"]);
    const row = await h.store.getMessage(id);
    expect(row).toMatchObject({ status: "sent", attempts: 1, uncertainAttempts: 0 });
    expect(row?.smtpResponse).toMatch(/^250/);
    // A later job for the same message finds it done.
    expect(await processDelivery({ messageId: id }, h.deps)).toBe("already-done");
    await new Promise((r) => setTimeout(r, 200)); // nothing more arrives
    expect(sink.received).toHaveLength(1);
  });

  it("takes a 550 at RCPT as a hard bounce: address suppressed, bounce on the timeline, message failed", async () => {
    const { sink, h } = await boot();
    const id = await h.seedMessage("gone@example.com");
    sink.refuseRcptWith(550);
    const err = await processDelivery({ messageId: id }, h.deps).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnrecoverableError);
    const row = await h.store.getMessage(id);
    expect(row?.status).toBe("failed");
    expect(row?.error).toMatch(/refused by the mail server at RCPT TO: 550 .*no such user/);
    expect(await h.store.getSuppression("GONE@example.com")).toMatchObject({ reason: "hard_bounce" });

    const tl = await h.store.timeline("gone@example.com");
    const bounce = tl?.interactions.find((i) => i.kind === "bounce");
    expect(bounce).toMatchObject({ messageId: id, inboundId: null, attributedBy: "smtp-refusal" });
    expect(bounce?.detail).toMatchObject({
      bounce: { type: "hard", status: "5.1.1", recipient: "gone@example.com" },
      command: "RCPT TO",
      responseCode: 550,
    });
    expect(tl?.suppression?.interactionId).toBe(bounce?.id);
    const text = formatTimeline(tl as NonNullable<typeof tl>);
    expect(text).toContain("refused by the SMTP server at RCPT TO to gone@example.com");
    expect(text).toContain("NOT WRITTEN TO");

    // The next message to the address is not tried at all.
    const rcpts = sink.rcptAttempts();
    const next = await h.seedMessage("gone@example.com");
    expect(await processDelivery({ messageId: next }, h.deps)).toBe("suppressed");
    expect(sink.rcptAttempts()).toBe(rcpts);
    expect(sink.received).toHaveLength(0);
  });

  it("logs a first send refused for good at error level, as an exhausted job would be", async () => {
    const { sink, h } = await boot();
    const id = await h.seedMessage("gone@example.com");
    sink.refuseRcptWith(550);
    const lines: Array<{ level: number; messageId?: string; msg: string }> = [];
    const logger = pino({ level: "info" }, { write: (s: string) => void lines.push(JSON.parse(s)) });
    await firstAttempt(id, { ...h.deps, logger });
    expect((await h.store.getMessage(id))?.status).toBe("failed");
    const errors = lines.filter((l) => l.level >= 50 && l.messageId === id);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.msg).toBe("message failed");
  });

  it("takes a 5xx after DATA as a hard bounce too", async () => {
    const { sink, h } = await boot();
    const id = await h.seedMessage("full@example.com");
    sink.failWith(554);
    await expect(processDelivery({ messageId: id }, h.deps)).rejects.toBeInstanceOf(UnrecoverableError);
    const tl = await h.store.timeline("full@example.com");
    expect(tl?.interactions).toHaveLength(1);
    expect(tl?.interactions[0]?.detail).toMatchObject({ command: "DATA", responseCode: 554 });
    expect(tl?.suppression?.reason).toBe("hard_bounce");
    expect((await h.store.getMessage(id))?.status).toBe("failed");
  });

  it("retries a 552 5.2.2 (mailbox full) at RCPT like a 4xx: soft, as when it comes back by mail", async () => {
    const { sink, h } = await boot();
    const id = await h.seedMessage("full@example.com");
    sink.refuseRcptWith(552, "5.2.2 mailbox full");
    const err = await processDelivery({ messageId: id }, h.deps).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(UnrecoverableError);
    expect(await h.store.getMessage(id)).toMatchObject({ status: "queued" });
    expect((await h.store.getMessage(id))?.error).toMatch(/552 .*5\.2\.2 mailbox full/);
    expect(await h.store.getSuppression("full@example.com")).toBeNull();
    expect((await h.store.timeline("full@example.com"))?.interactions).toEqual([]);

    sink.refuseRcptWith(null);
    expect(await processDelivery({ messageId: id }, h.deps)).toBe("sent");
    expect(await sink.waitFor(1)).toHaveLength(1);
  });

  it("retries our relay's 554 5.7.1 Relay access denied at RCPT: nobody suppressed, logged once with the fix", async () => {
    const { sink, h } = await boot();
    const lines: Array<{ level: number; msg: string; response?: string }> = [];
    const logger = pino({ level: "debug" }, { write: (s: string) => void lines.push(JSON.parse(s)) });
    const deps = { ...h.deps, logger, relayRefusals: createRelayRefusalLog(logger) };
    const ids = [await h.seedMessage("ada@example.com"), await h.seedMessage("bob@example.com")];
    sink.refuseRcptWith(554, "5.7.1 Relay access denied");
    for (const id of ids) {
      const err = await processDelivery({ messageId: id }, deps).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Error);
      expect(err).not.toBeInstanceOf(UnrecoverableError);
      expect(await h.store.getMessage(id)).toMatchObject({ status: "queued" });
      expect((await h.store.getMessage(id))?.error).toMatch(/554 .*Relay access denied/);
    }
    for (const email of ["ada@example.com", "bob@example.com"]) {
      expect(await h.store.getSuppression(email)).toBeNull();
      expect((await h.store.timeline(email))?.interactions).toEqual([]);
    }
    // One error line for the episode, naming what to check; the second refusal only at debug.
    const errors = lines.filter((l) => l.level >= 50);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.msg).toBe(RELAY_FIX);
    expect(errors[0]?.msg).toContain("SMTP_URL");
    expect(errors[0]?.response).toMatch(/Relay access denied/);

    // The operator fixes the relay: the retries go out.
    sink.refuseRcptWith(null);
    for (const id of ids) expect(await processDelivery({ messageId: id }, deps)).toBe("sent");
    expect(await sink.waitFor(2)).toHaveLength(2);
  });

  it("takes a 550 5.7.1 spam refusal at RCPT as a block: message failed, address kept, block on the timeline", async () => {
    const { sink, h } = await boot();
    const id = await h.seedMessage("ada@example.com");
    sink.refuseRcptWith(550, "5.7.1 Message rejected as spam");
    await expect(processDelivery({ messageId: id }, h.deps)).rejects.toBeInstanceOf(UnrecoverableError);
    const row = await h.store.getMessage(id);
    expect(row?.status).toBe("failed");
    expect(row?.error).toMatch(/refused by the mail server at RCPT TO: 550 .*rejected as spam/);
    expect(await h.store.getSuppression("ada@example.com")).toBeNull();
    const tl = await h.store.timeline("ada@example.com");
    expect(tl?.interactions).toHaveLength(1);
    expect(tl?.interactions[0]?.detail).toMatchObject({
      bounce: { type: "block", status: "5.7.1", recipient: "ada@example.com" },
      command: "RCPT TO",
    });
    expect(formatTimeline(tl as NonNullable<typeof tl>)).toContain("(block, address kept)");

    // The address is still written to.
    sink.refuseRcptWith(null);
    const next = await h.seedMessage("ada@example.com");
    expect(await processDelivery({ messageId: next }, h.deps)).toBe("sent");
    expect(await sink.waitFor(1)).toHaveLength(1);
  });

  it("retries a 4xx at RCPT: no suppression, the message goes out once the server takes it", async () => {
    const { sink, h } = await boot();
    const id = await h.seedMessage("grey@example.com");
    sink.refuseRcptWith(450);
    const err = await processDelivery({ messageId: id }, h.deps).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(UnrecoverableError);
    expect(await h.store.getMessage(id)).toMatchObject({ status: "queued", uncertainAttempts: 0 });
    expect((await h.store.getMessage(id))?.error).toMatch(/450/);
    expect(await h.store.getSuppression("grey@example.com")).toBeNull();
    expect((await h.store.timeline("grey@example.com"))?.interactions).toEqual([]);

    sink.refuseRcptWith(null);
    expect(await processDelivery({ messageId: id }, h.deps)).toBe("sent");
    expect(await sink.waitFor(1)).toHaveLength(1);
    expect(await h.store.getMessage(id)).toMatchObject({ status: "sent", attempts: 2, uncertainAttempts: 0 });
  });

  it("ends a stalled send at the socket timeout and gives the message back", async () => {
    const { sink, h } = await boot({ socketMs: 500, sendDeadlineMs: 10_000 });
    const id = await h.seedMessage("slow@example.com");
    sink.stallMailFrom(true);
    const err = await processDelivery({ messageId: id }, h.deps).catch((e: unknown) => e);
    expect(String(err)).toMatch(/timeout/i);
    // Nothing reached DATA: a certain failure, not a possible duplicate.
    expect(await h.store.getMessage(id)).toMatchObject({ status: "queued", uncertainAttempts: 0 });
    sink.stallMailFrom(false);
    expect(await processDelivery({ messageId: id }, h.deps)).toBe("sent");
    expect(await sink.waitFor(1)).toHaveLength(1);
  });

  it("ends a send at rapport's own deadline, counting it as uncertain", async () => {
    // The socket timeout is longer than the deadline here, so only the deadline can end it.
    const { sink, h } = await boot({ socketMs: 30_000, sendDeadlineMs: 600 });
    // A first message goes out with the default deadline, so the sender thread is up.
    const warm = await h.seedMessage("warm@example.com");
    expect(await processDelivery({ messageId: warm }, { ...h.deps, sendDeadlineMs: undefined })).toBe("sent");
    const id = await h.seedMessage("stuck@example.com");
    sink.stallMailFrom(true);
    const err = await processDelivery({ messageId: id }, h.deps).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "ESENDDEADLINE" });
    expect(await h.store.getMessage(id)).toMatchObject({ status: "queued", uncertainAttempts: 1 });
    sink.stallMailFrom(false);
    // The aborted pool is replaced: the next send goes out (given the default deadline).
    expect(await processDelivery({ messageId: id }, { ...h.deps, sendDeadlineMs: undefined })).toBe("sent");
    expect(await sink.waitFor(2)).toHaveLength(2);
  });

  it("says so when a message went out twice because a claim was taken over after its lease ran out", async () => {
    const { sink, h } = await boot();
    const id = await h.seedMessage("twice@example.com");
    // Attempt 1 gets its 250, then its process freezes before the ledger write (SIGSTOP).
    let unfreeze: () => void = () => {};
    const frozen = new Promise<void>((ok) => {
      unfreeze = ok;
    });
    const freezing: Store = {
      ...h.store,
      async markSent(messageId, r) {
        await frozen;
        return h.store.markSent(messageId, r);
      },
    };
    const first = processDelivery({ messageId: id }, { ...h.deps, store: freezing });
    await sink.waitFor(1);
    expect((await h.store.getMessage(id))?.status).toBe("sending");

    // Attempt 2 runs after the lease: the claim is taken over and the message sent again.
    const later = { now: () => Date.now() + h.deps.sendLeaseMs + 1000 };
    expect(await processDelivery({ messageId: id }, { ...h.deps, clock: later })).toBe("sent");
    const copies = await sink.waitFor(2);
    expect(copies.map((m) => m.parsed.messageId)).toEqual([`<${id}@reply.test>`, `<${id}@reply.test>`]);
    unfreeze();
    expect(await first).toBe("sent");

    const row = await h.store.getMessage(id);
    expect(row).toMatchObject({ status: "sent", attempts: 2, uncertainAttempts: 1 });
    const tl = await h.store.timeline("twice@example.com");
    expect(tl?.messages[0]).toMatchObject({ uncertainAttempts: 1, possibleDuplicate: true });
    expect(formatTimeline(tl as NonNullable<typeof tl>)).toContain("sent 2 times, possible duplicate");
    expect(await h.store.countPossibleDuplicates()).toBe(1);
    // ... and /metrics counts it, from the store as main.ts wires it.
    const metrics = createMetrics({ clock: { now: () => Date.now() }, cacheMs: 0, processMetrics: false });
    metrics.setSources({ possibleDuplicates: () => h.store.countPossibleDuplicates() });
    expect((await metrics.render()).body).toMatch(/^rapport_messages_possible_duplicates 1$/m);
  });
});
