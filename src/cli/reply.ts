/**
 * `rapport reply FILE.eml --text "…"`: plays the customer. Answers a message rapport
 * sent (an .eml from the outbox folder) the way a mail program would (To: its Reply-To,
 * In-Reply-To and References: its Message-ID, the original quoted below the answer)
 * and delivers the answer over SMTP to rapport's inbound listener. For the demo and
 * for trying flows that wait for a reply; `--to owner` writes to the owner line instead.
 */
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { simpleParser } from "mailparser";
import nodemailer, { type SendMailOptions, type Transporter } from "nodemailer";

export interface ReplyOptions {
  text: string;
  subject?: string;
  /** "reply" (default): the message's Reply-To; "owner": the owner-only address it shows; or an address. */
  to?: string;
  host: string;
  port: number;
}

// Owner lines: 24-character tokens, or 43 for those made before the short owner line.
const OWNER_ADDRESS = /reply\+o(?:[a-z2-7]{42}|[a-z2-7]{23})@[a-z0-9.-]+/i;

/** The newest .eml in `outbox` addressed to `email`: "reply to the last thing we sent Ada". */
export async function latestSentTo(outbox: string, email: string): Promise<string> {
  const names = (await readdir(outbox).catch(() => [])).filter((n) => n.endsWith(".eml"));
  const found: Array<{ file: string; at: number }> = [];
  for (const name of names) {
    const file = join(outbox, name);
    const mail = await simpleParser(await readFile(file));
    const to = mail.to && !Array.isArray(mail.to) ? mail.to.value : [];
    if (to.some((a) => a.address?.toLowerCase() === email.toLowerCase())) {
      found.push({ file, at: (await stat(file)).mtimeMs });
    }
  }
  const latest = found.sort((a, b) => b.at - a.at)[0];
  if (!latest) throw new Error(`no message to ${email} in ${outbox}`);
  return latest.file;
}

/** Connection failures said as what to check: is rapport running, and where it should listen. */
export function unreachableListener(err: unknown, host: string, port: number): Error | null {
  const code = (err as { code?: unknown })?.code;
  const message = err instanceof Error ? err.message : String(err);
  if (code !== "ECONNECTION" && code !== "ESOCKET" && code !== "ETIMEDOUT" && !/ECONNREFUSED/.test(message))
    return null;
  return new Error(
    `could not reach rapport's inbound SMTP listener at ${host}:${port} (${message}). Is rapport running? \`rapport start\` listens on INBOUND_SMTP_HOST:INBOUND_SMTP_PORT (default 127.0.0.1:2525) and prints the address at start; pass --host/--port or set INBOUND_SMTP_PORT to match.`,
  );
}

async function sendOrExplain(
  transport: Transporter,
  opts: ReplyOptions,
  mail: SendMailOptions,
): Promise<{ response: string }> {
  try {
    return (await transport.sendMail(mail)) as { response: string };
  } catch (err) {
    throw unreachableListener(err, opts.host, opts.port) ?? err;
  }
}

export async function replyToMessage(
  file: string,
  opts: ReplyOptions,
): Promise<{ to: string; response: string }> {
  const original = await simpleParser(await readFile(file));
  const customer = original.to && !Array.isArray(original.to) ? original.to.value[0] : undefined;
  if (!customer?.address) throw new Error(`${file} has no To: address to reply as`);
  let to: string | undefined;
  if (!opts.to || opts.to === "reply") to = original.replyTo?.value[0]?.address;
  else if (opts.to === "owner") to = OWNER_ADDRESS.exec(original.text ?? "")?.[0];
  else to = opts.to;
  if (!to)
    throw new Error(`${file} has no ${opts.to === "owner" ? "owner-only address in its text" : "Reply-To"}`);

  // Writing to the owner line is a new message, not an answer: no quote, no threading.
  const fresh = opts.to === "owner";
  const quoted = (original.text ?? "")
    .split("\n")
    .map((l) => `> ${l}`)
    .join("\n");
  const when = original.date ? original.date.toUTCString() : "earlier";
  const from = original.from?.value[0];
  const transport = nodemailer.createTransport({
    host: opts.host,
    port: opts.port,
    secure: false,
    ignoreTLS: true,
    // A listener that is not there answers at once; one that hangs should not hold the terminal.
    connectionTimeout: 10_000,
  });
  try {
    const info = await sendOrExplain(transport, opts, {
      from: customer.name ? { name: customer.name, address: customer.address } : customer.address,
      to,
      subject: fresh
        ? (opts.subject ?? opts.text.split("\n")[0]?.slice(0, 60) ?? "A question")
        : (opts.subject ??
          (/^re:/i.test(original.subject ?? "") ? original.subject : `Re: ${original.subject ?? ""}`)),
      text: fresh
        ? `${opts.text}\n`
        : `${opts.text}\n\nOn ${when}, ${from?.name || from?.address || "you"} wrote:\n${quoted}\n`,
      ...(!fresh && original.messageId
        ? { inReplyTo: original.messageId, references: [original.messageId] }
        : {}),
    });
    return { to, response: String(info.response) };
  } finally {
    transport.close();
  }
}
