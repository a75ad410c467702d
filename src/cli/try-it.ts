/**
 * The start banner's "try it" lines: commands a person can paste into another terminal
 * that reach THIS rapport. The commands find it through PORT (trigger), RAPPORT_DATA_DIR
 * (the API key, the outbox, the store) and INBOUND_SMTP_PORT (reply), so when this one
 * runs on other values than their defaults, the lines start by exporting them (issue 11:
 * they named port 3000 and ./var whatever rapport used). Without an inbound SMTP listener
 * there is nothing to reply to, and the reply line is left out.
 */

export interface TryItTarget {
  /** The HTTP port rapport listens on (the real one, also when PORT=0 picked it). */
  httpPort: number;
  /** RAPPORT_DATA_DIR as given. */
  dataDir: string;
  /** The inbound SMTP listener's real port, or null when it is off. */
  inboundSmtpPort: number | null;
}

const DEFAULTS = { httpPort: 3000, dataDir: "./var", inboundSmtpPort: 2525 };

/** A word the shell takes as it is: plain ones bare, anything else in single quotes. */
export function shellWord(s: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`;
}

export function tryItLines(t: TryItTarget): string[] {
  const env: string[] = [];
  if (t.httpPort !== DEFAULTS.httpPort) env.push(`PORT=${t.httpPort}`);
  const dataDir = t.dataDir.replace(/\/+$/, "");
  if (dataDir !== DEFAULTS.dataDir && dataDir !== "var") env.push(`RAPPORT_DATA_DIR=${shellWord(t.dataDir)}`);
  if (t.inboundSmtpPort !== null && t.inboundSmtpPort !== DEFAULTS.inboundSmtpPort)
    env.push(`INBOUND_SMTP_PORT=${t.inboundSmtpPort}`);
  return [
    "Try it from another terminal:",
    ...(env.length > 0 ? [`  export ${env.join(" ")}`] : []),
    "  npx rapport trigger registration --email ada@example.com --name 'Ada Lovelace' \\",
    "    --sku LYRA-RD-2780 --product-name 'Lyra RD 2780' --serial RD-000123",
    ...(t.inboundSmtpPort !== null
      ? ["  npx rapport reply ada@example.com --text 'Which cartridge do you recommend?'"]
      : []),
    "  npx rapport timeline ada@example.com",
  ];
}
