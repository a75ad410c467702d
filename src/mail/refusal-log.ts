/**
 * Logs the listener's refusals of a client once, not once per refused connection: a
 * flood of 10,000 connections from one address must not become 10,000 log lines.
 *
 * Contract:
 *   const refusals = createRefusalLog({ logger });
 *   refusals.refused(client, reason, detail)  // the first of an episode: one warn line now
 *   refusals.flush()                          // one summary line per client still refused
 *                                             // since the last flush ("N more"); a client
 *                                             // with none since then ends its episode, so
 *                                             // its next refusal is logged in full again
 * The listener calls flush on an interval (a minute) and when it closes. At most
 * `maxTracked` clients are remembered (a flood from many addresses logs each first
 * refusal, then stops tracking new ones until the next flush and counts them together).
 */
import type { Logger } from "../infra/logger.js";

export interface RefusalLog {
  refused(client: string, reason: string, detail?: Record<string, unknown>): void;
  flush(): void;
}

export function createRefusalLog(opts: { logger: Logger; maxTracked?: number }): RefusalLog {
  const log = opts.logger;
  const maxTracked = opts.maxTracked ?? 10_000;
  const episodes = new Map<string, { client: string; reason: string; more: number }>();
  let untracked = 0;

  return {
    refused(client, reason, detail = {}) {
      const key = `${reason} ${client}`;
      const episode = episodes.get(key);
      if (episode) {
        episode.more += 1;
        return;
      }
      if (episodes.size >= maxTracked) {
        untracked += 1;
        return;
      }
      episodes.set(key, { client, reason, more: 0 });
      log.warn(
        { client, reason, ...detail },
        `inbound SMTP refused ${client}: ${reason} (further refusals are counted, not logged one by one)`,
      );
    },
    flush() {
      for (const [key, e] of episodes) {
        if (e.more === 0) {
          episodes.delete(key);
          continue;
        }
        log.warn(
          { client: e.client, reason: e.reason, refused: e.more },
          `inbound SMTP refused ${e.client} ${e.more} more time(s): ${e.reason}`,
        );
        e.more = 0;
      }
      if (untracked > 0) {
        log.warn(
          { refused: untracked },
          `inbound SMTP refused ${untracked} more connection(s) from other clients`,
        );
        untracked = 0;
      }
    },
  };
}
