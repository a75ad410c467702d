/**
 * Tells the operator, once per episode, that our own SMTP server refuses to relay for us
 * or wants authentication: every message would get the same answer, so a line per message
 * would bury the one thing to do (check SMTP_URL's credentials and the relay's allowed
 * senders). The episode ends at the next message the server takes; a refusal after that
 * is logged in full again.
 *
 *   const relay = createRelayRefusalLog(logger);
 *   relay.refused(response, { messageId })  // first of an episode: error; later: debug
 *   relay.accepted()                        // a send went through: the episode is over
 */
import type { Logger } from "pino";

export interface RelayRefusalLog {
  refused(response: string, context: Record<string, unknown>): void;
  accepted(): void;
}

export const RELAY_FIX =
  "our SMTP server refuses to relay or wants authentication: check SMTP_URL's user and password and that the relay allows our senders (the brand's from address, and envelope senders at the reply domain); messages are retried with backoff until their give-up time, no address is suppressed";

export function createRelayRefusalLog(logger: Logger): RelayRefusalLog {
  let inEpisode = false;
  return {
    refused(response, context) {
      if (inEpisode) {
        logger.debug({ ...context, response }, "relay refused again (logged once above)");
        return;
      }
      inEpisode = true;
      logger.error({ ...context, response }, RELAY_FIX);
    },
    accepted() {
      inEpisode = false;
    },
  };
}
