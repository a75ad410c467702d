/**
 * The base `rapport validate` counts short links in texts with, from the environment as
 * `start` would read it (RAPPORT_PUBLIC_URL, else this machine's PORT; SMS_SHORT_LINKS=false:
 * none). Read raw, not through loadSettings: validate checks config/ even where the
 * settings are incomplete, and a wrong setting is `start`'s to report.
 */
export function smsShortLinkBase(env: NodeJS.ProcessEnv): string | null {
  const off = env.SMS_SHORT_LINKS?.trim().toLowerCase();
  if (off === "false" || off === "0") return null;
  const publicUrl = env.RAPPORT_PUBLIC_URL?.trim();
  return publicUrl ? publicUrl.replace(/\/+$/, "") : `http://127.0.0.1:${env.PORT?.trim() || "3000"}`;
}
