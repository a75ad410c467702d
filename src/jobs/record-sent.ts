/**
 * After the SMTP server's 250 the message is out: the ledger must say so, whatever it
 * takes. recordSent retries markSent with backoff until it lands and never gives the
 * claim back, because a released claim is a second send. While the store is down the
 * claim's lease is what keeps other attempts off; a store that stays down for longer
 * than the lease is the one case left where a copy can go out (and is then counted as a
 * possible duplicate by the claim that takes over).
 *
 * Contract: resolves once markSent succeeded; never rejects.
 */
import type { Logger } from "../infra/logger.js";
import type { Store } from "../store/store.js";

export interface LedgerRetry {
  /** First wait after a failed write; doubled each time up to maxMs. */
  baseMs: number;
  maxMs: number;
  sleep?: (ms: number) => Promise<void>;
}

export const DEFAULT_LEDGER_RETRY: LedgerRetry = { baseMs: 100, maxMs: 5000 };

const realSleep = (ms: number) => new Promise<void>((ok) => setTimeout(ok, ms));

export async function recordSent(
  store: Pick<Store, "markSent">,
  messageId: string,
  result: { subject: string; smtpResponse: string; now: () => number },
  deps: { logger: Logger; retry?: LedgerRetry },
): Promise<number> {
  const retry = deps.retry ?? DEFAULT_LEDGER_RETRY;
  const sleep = retry.sleep ?? realSleep;
  for (let failures = 0; ; failures++) {
    try {
      await store.markSent(messageId, {
        subject: result.subject,
        smtpResponse: result.smtpResponse,
        now: result.now(),
      });
      if (failures > 0)
        deps.logger.warn({ messageId, failures }, "the send ledger took the message after failed writes");
      return failures;
    } catch (err) {
      const wait = Math.min(retry.maxMs, retry.baseMs * 2 ** Math.min(failures, 20));
      deps.logger.error(
        {
          messageId,
          failures: failures + 1,
          retryInMs: wait,
          err: err instanceof Error ? err.message : String(err),
        },
        "the SMTP server accepted the message but the send ledger write failed; retrying the write (not the send)",
      );
      await sleep(wait);
    }
  }
}
