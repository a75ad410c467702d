/**
 * The pool of understanding workers on real child processes: it answers as understandMail
 * does, fails a message that runs past its deadline or its memory cap with a reason, and
 * carries on with a fresh worker for the next message.
 */
import { afterEach, describe, expect, it } from "vitest";
import { MessageTooLargeError } from "../../src/mail/parse-inbound.js";
import { MailNotUnderstoodError, understandMail } from "../../src/mail/understand.js";
import { createMailUnderstander, type MailUnderstanderPool } from "../../src/mail/understand-pool.js";

const reply = (text: string) =>
  `From: Ada <ada@example.com>\r\nTo: reply+m@reply.example\r\nSubject: Re: hi\r\nMessage-ID: <r-${text.length}@example.com>\r\n\r\n${text}\r\n\r\nOn Mon, 1 Jan 2024 at 09:00, Shop <hello@shop.example.com> wrote:\r\n> Thank you\r\n`;

/** A reply whose HTML, converted to text, grows far beyond the memory a worker may use. */
const nestedQuotes = () =>
  `From: Eve <eve@example.net>\r\nSubject: Re: hi\r\nContent-Type: multipart/mixed; boundary="M"\r\n\r\n--M\r\nContent-Type: text/html\r\n\r\n${"<blockquote><p>quoted line</p>\r\n".repeat(10_000)}${"</blockquote>".repeat(10_000)}\r\n--M--\r\n`;

describe("createMailUnderstander", () => {
  let pool: MailUnderstanderPool | null = null;
  afterEach(async () => {
    await pool?.close();
    pool = null;
  });

  it("answers as understandMail does, for several messages in turn", async () => {
    pool = createMailUnderstander({ workers: 2 });
    const raws = ["It works, thank you.", "Which cartridge do you recommend?", "Lovely."].map(reply);
    const got = await Promise.all(raws.map((r) => pool?.understand(r)));
    for (const [i, raw] of raws.entries()) {
      const here = await understandMail(raw);
      expect(got[i]?.newText).toBe(here.newText);
      expect(got[i]?.classification).toEqual(here.classification);
      expect(got[i]?.parsed.subject).toBe("Re: hi");
    }
  }, 60_000);

  it("refuses a message above maxBytes with MessageTooLargeError, as understandMail does", async () => {
    pool = createMailUnderstander();
    await expect(pool.understand(reply("x".repeat(2000)), { maxBytes: 1000 })).rejects.toBeInstanceOf(
      MessageTooLargeError,
    );
  });

  it("fails a message past the deadline with the reason, then carries on", async () => {
    pool = createMailUnderstander({ deadlineMs: 1 });
    const big = reply("word ".repeat(400_000));
    const err = await pool.understand(big).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MailNotUnderstoodError);
    expect((err as MailNotUnderstoodError).reason).toBe("it took longer than 1 ms");
    await pool.close();

    pool = createMailUnderstander({ deadlineMs: 30_000 });
    expect((await pool.understand(reply("Still here."))).newText).toBe("Still here.");
  }, 60_000);

  it("fails a message that needs more than the memory cap, and the next one is understood", async () => {
    pool = createMailUnderstander({ maxMemoryMb: 64, deadlineMs: 60_000 });
    const first = pool.understand(nestedQuotes());
    const next = pool.understand(reply("After the storm."));
    const outcome = await first.then(
      (m) => ({ ok: m }),
      (e: unknown) => ({ err: e }),
    );
    // Once reply-text and html-text keep their output linear this message is simply understood;
    // until then it must fail with the memory reason, never take the process down.
    if ("err" in outcome) {
      expect(outcome.err).toBeInstanceOf(MailNotUnderstoodError);
      expect((outcome.err as MailNotUnderstoodError).reason).toMatch(/64 MB of memory|took longer/);
    } else {
      expect(outcome.ok.classification.kind).toBe("human_reply");
    }
    expect((await next).newText).toBe("After the storm.");
  }, 120_000);

  it("rejects what is still waiting when closed, with a plain error (the job tries again later)", async () => {
    pool = createMailUnderstander();
    const waiting = pool.understand(reply("Late.")).catch((e: unknown) => e);
    await pool.close();
    const err = await waiting;
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(MailNotUnderstoodError);
    await expect(pool.understand(reply("After."))).rejects.toThrow("closed");
  });
});
