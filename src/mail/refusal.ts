/**
 * How bad an SMTP refusal is, one rule for both ways a refusal reaches us: our own SMTP
 * server's 5xx while we send (transport.ts, then the ledger) and a bounce that comes
 * back by mail (bounce.ts).
 *
 * Hard vs soft follows the enhanced status class (RFC 3463: 5.x.x hard, 4.x.x soft), with
 * one exception: 5.2.2 "mailbox full" is permanent in name only. The owner usually makes
 * room, so it is recorded and the message tried again (as sisimai and the big ESPs do)
 * rather than the address suppressed for good.
 */

/** "550 5.1.1 <x>: no such user" → "5.1.1"; the reply code when the answer has no enhanced status. */
export function refusalStatus(r: { responseCode: number; response: string }): string {
  const enhanced = /(?:^|[\s:(])([245]\.\d{1,3}\.\d{1,3})(?=$|[\s:;,)])/.exec(
    r.response.replace(/^\d{3}[ -]/, " "),
  );
  return enhanced?.[1] ?? String(r.responseCode);
}

/** Whether an enhanced status ("5.2.2", "4.2.0") or a bare reply code ("550") leaves the address usable. */
export function isSoftStatus(status: string): boolean {
  return status === "5.2.2" || status.startsWith("4");
}
