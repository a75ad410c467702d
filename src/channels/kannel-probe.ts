/**
 * Is Kannel's smsbox there, and does it take our credentials? Asked once at start-up
 * (main.ts), as SMTP_URL is verified, so a wrong SMS_GATEWAY_URL or password stops the
 * start instead of failing every text later.
 *
 *   probeKannel(opts) → { ok: true } | { ok: false, reason }
 *
 * The probe is a sendsms request with the credentials and no receiver: smsbox checks the
 * user first (403 "Authorization failed for sendsms" when wrong) and then refuses the
 * request for want of a number (400 "Missing receiver number, rejected"), so nothing is
 * sent and no operator is asked. Any other answer means the URL is not smsbox's sendsms.
 */

export interface KannelProbeOptions {
  /** SMS_GATEWAY_URL: smsbox's sendsms URL. */
  url: string;
  username: string;
  password: string;
  timeoutMs: number;
  /** Injected in tests; default the global fetch. */
  fetch?: typeof fetch;
}

export type KannelProbe = { ok: true } | { ok: false; reason: string };

export async function probeKannel(opts: KannelProbeOptions): Promise<KannelProbe> {
  const url = new URL(opts.url);
  url.searchParams.set("username", opts.username);
  url.searchParams.set("password", opts.password);
  let status: number;
  let body: string;
  try {
    const res = await (opts.fetch ?? fetch)(url, { signal: AbortSignal.timeout(opts.timeoutMs) });
    status = res.status;
    body = (await res.text()).trim().slice(0, 200);
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    if (e.name === "TimeoutError") return { ok: false, reason: `no answer within ${opts.timeoutMs} ms` };
    return { ok: false, reason: `cannot connect (${e.cause?.code ?? e.cause?.message ?? e.message})` };
  }
  if (status === 400 && /receiver/i.test(body)) return { ok: true };
  if (status === 403)
    return {
      ok: false,
      reason: `smsbox refused the credentials (403 ${body}): check SMS_GATEWAY_USERNAME and SMS_GATEWAY_PASSWORD against kannel.conf's sendsms-user`,
    };
  return {
    ok: false,
    reason: `answered ${status} ${JSON.stringify(body)}, not as Kannel's sendsms does (expected 400 "Missing receiver number" to a request without one): is the path /cgi-bin/sendsms?`,
  };
}
