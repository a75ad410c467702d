/**
 * The sender thread's side of a send's deadline: it is wall-clock time, not time from
 * when the thread reads the send. A send read only after that time (a process stopped
 * with SIGSTOP between the main thread's post and the thread's read) is refused untried,
 * with a code that does not count as a possible duplicate; one read in time goes out.
 * runSender is driven over a MessageChannel, as the thread's parentPort would be.
 */
import { MessageChannel } from "node:worker_threads";
import { afterEach, describe, expect, it } from "vitest";
import { type FromSender, SEND_NOT_STARTED_CODE, type ToSender } from "../../src/mail/sender-protocol.js";
import { runSender } from "../../src/mail/sender-thread.js";
import { isUncertainSendError, SMTP_DEFAULTS } from "../../src/mail/transport.js";
import { type SmtpSink, startSmtpSink } from "../support/smtp-sink.js";

const mail = (i: number) => ({
  from: "Lyra Audio <hello@lyra-audio.example>",
  to: `owner${i}@example.com`,
  subject: `Message ${i}`,
  text: `Hello ${i}`,
  messageId: `<t${i}@reply.lyra-audio.example>`,
});

describe("sender thread deadlines", () => {
  let sink: SmtpSink | null = null;
  let channel: MessageChannel | null = null;
  afterEach(async () => {
    channel?.port2.postMessage({ type: "close" } satisfies ToSender);
    channel?.port2.close();
    await sink?.close();
    sink = null;
    channel = null;
  });

  it("refuses untried a send read after its wall-clock deadline, and sends one read in time", async () => {
    sink = await startSmtpSink();
    channel = new MessageChannel();
    const answers = new Map<number, FromSender>();
    const waiters = new Map<number, () => void>();
    channel.port2.on("message", (msg: FromSender) => {
      if ("id" in msg) {
        answers.set(msg.id, msg);
        waiters.get(msg.id)?.();
      }
    });
    const answerOf = (id: number) =>
      new Promise<FromSender>((ok) => {
        const have = answers.get(id);
        if (have) return ok(have);
        waiters.set(id, () => ok(answers.get(id) as FromSender));
      });
    runSender(channel.port1, {
      url: `${sink.url}?pool=true&maxConnections=1`,
      timeouts: SMTP_DEFAULTS.timeouts,
    });

    // Posted "before a stop" with 20 s to go, read "after" it: its end time has passed.
    const late: ToSender = {
      type: "send",
      id: 1,
      mail: mail(1),
      deadlineMs: 20_000,
      endAt: Date.now() - 5_000,
    };
    channel.port2.postMessage(late);
    const refused = await answerOf(1);
    expect("error" in refused && refused.error.code).toBe(SEND_NOT_STARTED_CODE);
    if ("error" in refused) {
      expect(refused.error.message).toMatch(/nothing was sent/);
      expect(isUncertainSendError(refused.error)).toBe(false);
    }

    const inTime: ToSender = {
      type: "send",
      id: 2,
      mail: mail(2),
      deadlineMs: 20_000,
      endAt: Date.now() + 20_000,
    };
    channel.port2.postMessage(inTime);
    const sent = await answerOf(2);
    expect("response" in sent && sent.response).toMatch(/^250/);
    const received = await sink.waitFor(1);
    // Only the one read in time reached the server.
    expect(received.map((m) => m.parsed.messageId)).toEqual(["<t2@reply.lyra-audio.example>"]);
  });
});
