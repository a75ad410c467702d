/** Structured logs (pino) to stderr, so stdout stays for command output such as JSON. */
import { pino } from "pino";

export type Logger = pino.Logger;

export function createLogger(level: string, name = "rapport"): Logger {
  return pino({ name, level }, pino.destination(2));
}

export const silentLogger: Logger = pino({ level: "silent" });
