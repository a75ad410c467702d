/**
 * What this process is doing right now, for a shutdown that has to abandon it: the jobs
 * being processed, and the messages being handed to the mail server (whoever sends
 * them: a deliveries job, or the send pool making a message's first attempt).
 *
 * Contract: `trackSends(mailer)` returns a mailer that behaves the same and records each
 * send in flight by its X-Rapport-Message id; `sending()` lists them. (settlesBy, the
 * shutdown's deadline wait, is in infra/timeout.ts.)
 */
import type { Mailer } from "../mail/transport.js";

export interface SendTracker {
  mailer: Mailer;
  /** Message ids (X-Rapport-Message) whose send has not answered yet. */
  sending(): string[];
}

export function trackSends(inner: Mailer): SendTracker {
  const inFlight = new Map<number, string>();
  let next = 0;
  return {
    sending: () => [...inFlight.values()],
    mailer: {
      async send(mail, opts) {
        const id = next++;
        inFlight.set(id, mail.headers?.["X-Rapport-Message"] ?? mail.messageId);
        try {
          return await inner.send(mail, opts);
        } finally {
          inFlight.delete(id);
        }
      },
      close: () => inner.close(),
      describe: () => inner.describe(),
    },
  };
}
