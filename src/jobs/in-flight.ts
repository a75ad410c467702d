/**
 * What this process is doing right now, for a shutdown that has to abandon it: the jobs
 * being processed, and the messages being handed to the mail server (whichever job
 * sends them: a deliveries job, or an events or steps job sending a first email).
 *
 * Contract: `trackSends(mailer)` returns a mailer that behaves the same and records each
 * send in flight by its X-Rapport-Message id; `sending()` lists them.
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
      async send(mail) {
        const id = next++;
        inFlight.set(id, mail.headers?.["X-Rapport-Message"] ?? mail.messageId);
        try {
          return await inner.send(mail);
        } finally {
          inFlight.delete(id);
        }
      },
      close: () => inner.close(),
      describe: () => inner.describe(),
    },
  };
}

/** Resolves true when `p` settles before `deadline` (epoch ms), false if the deadline comes first. */
export async function settlesBy(p: Promise<unknown>, deadline: number): Promise<boolean> {
  const settled = p.then(
    () => true as const,
    () => true as const,
  );
  // No deadline (Infinity would overflow setTimeout and fire at once).
  if (!Number.isFinite(deadline)) return settled;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((ok) => {
    timer = setTimeout(() => ok(false), Math.max(0, deadline - Date.now()));
  });
  try {
    return await Promise.race([settled, late]);
  } finally {
    clearTimeout(timer);
  }
}
