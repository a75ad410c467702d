/**
 * Start-up check of the mail server rapport sends through (SMTP_URL): connect, EHLO,
 * STARTTLS and AUTH as a send would, then QUIT; nothing is sent. A relay that is
 * unreachable or refuses the credentials at start is almost always a wrong setting, and
 * finding out from the first customer's message (retried quietly for days) is too late.
 * SMTP_VERIFY=false skips it for a relay known to come up after rapport; mail is then
 * queued and retried until it answers.
 *
 * Contract: never rejects; the reason names what the server or the socket said.
 */
import nodemailer from "nodemailer";

export type SmtpProbe = { ok: true } | { ok: false; reason: string };

export interface VerifySmtpOptions {
  connectionMs: number;
  greetingMs: number;
  socketMs: number;
}

export async function verifySmtp(url: string, timeouts: VerifySmtpOptions): Promise<SmtpProbe> {
  const transport = nodemailer.createTransport({
    url,
    connectionTimeout: timeouts.connectionMs,
    greetingTimeout: timeouts.greetingMs,
    socketTimeout: timeouts.socketMs,
    dnsTimeout: Math.min(timeouts.connectionMs, 30_000),
  });
  try {
    await transport.verify();
    return { ok: true };
  } catch (err) {
    const e = err as { message?: unknown; code?: unknown };
    const message = typeof e.message === "string" ? e.message : String(err);
    return { ok: false, reason: message };
  } finally {
    transport.close();
  }
}
