/**
 * How bad an SMTP refusal is, one rule for both ways a refusal reaches us: our own SMTP
 * server's 5xx while we send (transport.ts, then the ledger) and a bounce that comes
 * back by mail (bounce.ts).
 *
 * Three kinds, as the big ESPs tell a "bounce" from a "block":
 *   hard   the address is bad: suppressed for good. Enhanced 5.1.x (no such mailbox or
 *          domain, null MX 5.1.10), 5.2.1 (mailbox disabled), 5.4.x (the domain does not
 *          route), 5.7.13 (user account disabled, RFC 7372); a generic or missing status
 *          (5.0.0, bare 550) unless its wording says it is a block.
 *   soft   try again: 4.x.x, and 5.2.2 "mailbox full", permanent in name only (the owner
 *          usually makes room; sisimai and the big ESPs treat it so).
 *   block  not the address's fault: the message fails, the address is kept. 5.7.x
 *          (policy, spam, DMARC, relaying, authentication), 5.1.7/5.1.8 (our sender's
 *          address), 5.2.3 and 5.3.x/5.5.x/5.6.x (the message or the protocol: too big,
 *          bad headers), unless the wording names the recipient as unknown (some servers
 *          answer "553 5.3.0 No such user" or "550 5.5.0 Invalid recipient").
 * Suppressing an address is the one step that cannot be taken back, so a doubtful case
 * is a block: a misconfigured relay answering "554 5.7.1 Relay access denied" to every
 * recipient must not suppress them all.
 */

export type RefusalKind = "hard" | "soft" | "block";

/** "550 5.1.1 <x>: no such user" → "5.1.1"; the reply code when the answer has no enhanced status. */
export function refusalStatus(r: { responseCode: number; response: string }): string {
  const enhanced = /(?:^|[\s:(])([245]\.\d{1,3}\.\d{1,3})(?=$|[\s:;,)])/.exec(
    r.response.replace(/^\d{3}[ -]/, " "),
  );
  return enhanced?.[1] ?? String(r.responseCode);
}

/**
 * A relay that will not take our mail (relaying denied, authentication required): our
 * own setup, whatever status it comes with. Phrases, not words: Postfix's hard "User
 * unknown in relay recipient table" must stay hard.
 */
const RELAY_OR_AUTH =
  /\brelay(?:ing)? (?:access )?(?:denied|not (?:permitted|allowed)|prohibited|refused)|\b(?:unable|not (?:permitted|allowed|authori[sz]ed)|not configured|do(?:es)? not|don'?t|cannot) (?:to )?relay\b|\bauthentication (?:is )?required|\bauth(?:entication)? required|\bmust (?:first )?(?:be )?authenticat|\bplease (?:log ?in|authenticate)\b|\bsender address rejected|\bsender rejected|\bdomain of sender address|\bnot (?:permitted|allowed) to send as\b/i;

/** Wording that blames the sender, our IP or the content, for answers without a telling status. */
const BLOCK_WORDING =
  /\bspam\b|\bUBE\b|\bjunk\b|\bblock(?:ed|ing)?\b|\b(?:black|block|deny|deni)list|\bbanned\b|\blisted (?:in|on|at|by)\b|\b(?:dns)?rbl\b|spamhaus|spamcop|\breputation\b|\bpolicy\b|\bpolicies\b|\bDMARC\b|\bSPF\b|\bDKIM\b|\bunauthenticated\b|\bvirus|\bmalware|\bcontent rejected|\bmessage (?:filtered|content)|\bclient host rejected|\breverse dns|\bhost network not allowed|\bfrequency limited|\btoo many (?:connections|messages)|\brate limit/i;

/** Wording that says the recipient's mailbox does not exist or is closed. */
const ADDRESS_WORDING =
  /\buser ?unknown|\bunknown (?:user|recipient|mailbox|address)|\bno such (?:user|mailbox|recipient|address|account)|\b(?:user|mailbox|recipient|account|address) (?:was )?not found|\bdoes(?:n'?t| not) (?:exist|have an? [\w.-]+ account)|\binvalid (?:recipient|address|mailbox)|\brecipient address (?:is )?invalid|\bdestinataire invalide|\bmailbox (?:is )?(?:unavailable|disabled|inactive|frozen)|\b(?:recipient )?account (?:is )?(?:disabled|inactive|blocked|suspended)|\bnot our user|\bno longer on (?:this )?server/i;

/** A relay or authentication refusal: the operator's setup (SMTP_URL credentials, the relay's allowed senders). */
export function isRelayRefusal(status: string, text: string): boolean {
  return status.startsWith("5") && RELAY_OR_AUTH.test(text);
}

/**
 * The kind of a refusal from its status (an enhanced status such as "5.1.1", or a bare
 * reply code such as "550") and its wording (the server's answer or the DSN's diagnostic).
 */
export function refusalKind(status: string, text: string): RefusalKind {
  if (status.startsWith("4") || status === "5.2.2") return "soft";
  if (!status.startsWith("5")) return "hard";
  if (RELAY_OR_AUTH.test(text)) return "block";
  const [, subject, detail] = status.split(".");
  if (detail === undefined) return byWording(text); // a bare reply code (550)
  switch (subject) {
    case "1":
      // 5.1.7 / 5.1.8: our sender's address is bad, not theirs.
      return detail === "7" || detail === "8" ? "block" : "hard";
    case "2":
      if (detail === "1") return "hard";
      if (detail === "3") return "block"; // too big for this recipient: the message
      return byWording(text);
    case "3":
    case "5":
    case "6":
      return ADDRESS_WORDING.test(text) ? "hard" : "block";
    case "4":
      return BLOCK_WORDING.test(text) && !ADDRESS_WORDING.test(text) ? "block" : "hard";
    case "7":
      return detail === "13" ? "hard" : "block";
    default:
      return byWording(text); // 5.0.0 and other statuses that say nothing
  }
}

/** A status that says nothing (bare 550, 5.0.0): the address's fault unless the wording says block. */
function byWording(text: string): RefusalKind {
  if (ADDRESS_WORDING.test(text)) return "hard";
  return BLOCK_WORDING.test(text) ? "block" : "hard";
}
