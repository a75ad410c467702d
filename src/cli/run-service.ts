/**
 * `rapport start` and `rapport worker`: run until SIGTERM/SIGINT, then shut down
 * gracefully within RAPPORT_SHUTDOWN_GRACE_MS (see Rapport.close). Exit codes: 0 after a
 * shutdown, abandoned sends included (their claims bring them back: nothing is lost);
 * 1 on a second signal, or if closing failed or outlived its own deadline by 5 s.
 */
import { loadSettings } from "../config/settings.js";
import { createLogger } from "../infra/logger.js";
import { CLOSE_REST_MS, type Role, startRapport } from "../main.js";
import { tryItLines } from "./try-it.js";

export async function runService(role: Role): Promise<void> {
  const settings = loadSettings();
  const logger = createLogger(settings.LOG_LEVEL);
  const rapport = await startRapport({ settings, role, logger });

  if (rapport.httpPort !== null) {
    const keyNote = rapport.apiKeyFile
      ? `API key (${rapport.apiKeyCreated ? "generated now, " : ""}kept in ${rapport.apiKeyFile}):\n    ${rapport.apiKeys[0]}`
      : "API keys: from RAPPORT_API_KEYS";
    process.stderr.write(
      [
        "",
        `rapport is running (${role === "all" ? "HTTP API + worker" : role}).`,
        `  HTTP:    http://${settings.HOST}:${rapport.httpPort}`,
        `  Store:   ${rapport.databaseLocation}`,
        `  Redis:   ${rapport.redisUrl}`,
        `  Mail:    ${rapport.mailer.describe()}`,
        `  Replies: ${rapport.inboundSmtpPort !== null ? `SMTP listener on ${settings.INBOUND_SMTP_HOST}:${rapport.inboundSmtpPort}` : "SMTP listener off"}, POST /v1/inbound`,
        `  ${keyNote}`,
        "",
        ...tryItLines({
          httpPort: rapport.httpPort,
          dataDir: settings.RAPPORT_DATA_DIR,
          inboundSmtpPort: rapport.inboundSmtpPort,
        }),
        "",
        "Stop with Ctrl-C.",
        "",
      ].join("\n"),
    );
  }

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      logger.warn("second signal: exiting now");
      process.exit(1);
    }
    stopping = true;
    const grace = settings.RAPPORT_SHUTDOWN_GRACE_MS;
    logger.info(`${signal} received: finishing running jobs (up to ${grace} ms), then stopping`);
    // The last word: whatever hangs, the process ends.
    setTimeout(
      () => {
        logger.error("shutdown did not finish in time: exiting now");
        process.exit(1);
      },
      grace + CLOSE_REST_MS + 5000,
    ).unref();
    rapport.close().then(
      () => process.exit(0),
      (err) => {
        logger.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}
