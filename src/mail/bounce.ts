/**
 * Is this message a bounce, and if so which recipient failed, how, and how badly?
 *
 * Contract: detectBounce(parsed, raw?) returns a BounceFinding or null, never throws.
 * Evidence, strongest first:
 *   1. a message/delivery-status part (RFC 3464), unless every recipient was delivered;
 *   2. Amazon SES's JSON bounce notification;
 *   3. an X-Failed-Recipients header (Exim and friends);
 *   4. heuristics for servers' own failure notices (Postfix, qmail, Exim, Sendmail, Exchange,
 *      Gmail, Yahoo, ...): a mail-system sender or the null Return-Path "<>" together with a
 *      bounce subject or the boilerplate such notices carry. A human writes neither from
 *      MAILER-DAEMON nor with an empty envelope sender, and a forwarded bounce ("Fwd: ...")
 *      does not count, so these do not catch people talking about a bounce.
 * Hard, soft or block (the sender or message refused, not the address) follows refusal.ts
 * from the enhanced status and the diagnostic's wording; a "delayed" action is soft;
 * without a status, the SMTP reply code the same way; without either, the wording
 * (mailbox full / over quota / try again later -> soft; otherwise hard, since a notice
 * that a message was returned is final unless it says it will retry).
 */
import {
  type DsnRecipient,
  isSuccessOnly,
  parseDeliveryStatus,
  primaryRecipient,
  STATUS_CODE,
} from "./dsn.js";
import { originalHeaders, originalMessageId } from "./original-message.js";
import type { ParsedInbound } from "./parse-inbound.js";
import { allAddresses, firstAddress } from "./raw-text.js";
import { type RefusalKind, refusalKind } from "./refusal.js";

export interface BounceDetails {
  /** hard: the address is bad; soft: try again; block: the sender or message was refused, not the address (refusal.ts). */
  type: RefusalKind;
  status: string | null;
  recipient: string | null;
  diagnostic: string | null;
}

export interface BounceFinding {
  reason: string;
  bounce: BounceDetails;
  originalMessageId: string | null;
  /** Where the status came from, so callers (and tests) can tell a DSN status from a guess. */
  statusSource: "dsn" | "text" | null;
}

/** Local parts and display names mail systems send bounces from. */
const SYSTEM_LOCAL_PART =
  /^(?:mailer[-_.]?daemon|mail[-_.]?daemon|post[-_.]?master|poostmaster|mail[-_.]?delivery[-_.]?(?:system|subsystem)?|mdaemon|mail[-_.]?administrator|bounces?|ndr|mailer|returned[-_.]?mail)$/i;
const SYSTEM_DISPLAY_NAME =
  /\b(?:mailer[- ]?daemon|mail delivery (?:system|subsystem|service)|mail deliver system|postmaster|mail administrator|ndr administrator|content[- ]filter|interscan|system administrator|mail system)\b/i;

/** Subjects servers give their failure notices (several languages). */
const BOUNCE_SUBJECT = new RegExp(
  [
    "undeliver(?:ed|able)",
    "non[- ]?deliver(?:y|able)",
    "returned mail",
    "returned to sender",
    "mail system error",
    "delivery status notification",
    "delivery status notification: (?:error|fail|delay)",
    "delivery (?:status|failure|failed|problem|notification)",
    "mail delivery (?:failed|failure|problem)",
    "(?:failed|failure) (?:delivery|notice)",
    "failure notice",
    "delivery has failed",
    "message delivery has failed",
    "could not be delivered",
    "(?:could|can) ?not deliver",
    "delayed mail",
    "delivery delayed",
    "warning: could not send message",
    "error sending your mail",
    "message you sent blocked",
    "unsolicited bulk email",
    "email bounce",
    "bounced? (?:mail|message|notification)",
    "non remis",
    "non recapitabile",
    "unzustellbar",
    "nicht zustellbar",
    "no se puede entregar",
    "onbestelbaar",
    "não entregue",
    "non distribuable",
    "недоставленное сообщение",
    "не доставлено",
    "メールエラー",
    "配信できません",
    "配信エラー",
    "送信エラー",
    "未送達",
    "退信",
    "投递失败",
    "无法投递",
  ].join("|"),
  "i",
);

/** Boilerplate only mail servers write; strong enough with the null sender alone. */
const STRONG_BODY = new RegExp(
  [
    "this is the mail system at host",
    "mail delivery software",
    "following address(?:es)? failed",
    "permanent fatal errors?",
    "qmail-send program",
    "wasn't able to deliver",
    "was not able to deliver",
    "could not be delivered to (?:one or more|the following|all) recipients?",
    "delivery to the following recipients? (?:failed|has been delayed|was unsuccessful)",
    "delivery has failed to these recipients",
    "message could not be delivered",
    "your message (?:could not|couldn't|cannot|can't|was not|wasn't) (?:be )?deliver",
    "your message was rejected",
    "(?:undeliverable|undelivered) (?:mail|message)",
    "diagnostic-code:",
    "final-recipient:",
    "remote server returned",
    "the original message was received at",
    "the following message to <",
    "unable to deliver",
    "delivery failed",
    "permanent error",
    "failed permanently",
    "message (?:was|has been) (?:rejected|returned|bounced)",
    "(?:user|recipient|address) unknown",
    "unknown (?:user|recipient)",
    "no such (?:user|mailbox|recipient)",
    "mailbox (?:unavailable|not found|is full|full)",
    "has not (?:yet )?been delivered",
    "still being retried",
    "will (?:continue to )?retry",
    // Markers that the returned original follows (qmail, Exim, DragonFly, list servers).
    "below this line is a copy of the message",
    "this is a copy of the message",
    "message headers follow",
    "original (?:mail|message) (?:as follows|follows)",
  ].join("|"),
  "i",
);

/**
 * A carrier's plain-text failure notice (Verizon's vtext.com, and gateways like it): an
 * "Error:" line, an SMTP reply with its RFC 5321 wording or a status code, and the details of
 * the message that failed (RCPT TO / MAIL FROM lines or "Message details:"). Such notices
 * come from ordinary-looking senders and often with a "Re:" subject, so it is the three
 * together that count; a person quoting one error line has not written all three.
 */
const CARRIER_ERROR_LINE = /^[ \t]*Error:[ \t]*\S/m;
const CARRIER_SMTP_REPLY =
  /^[ \t]*[45]\d\d[ \t]*(?:-[ \t]*)?(?:requested action not taken|requested mail action aborted|mailbox unavailable|user unknown|no such user)|\brequested action not taken\b|^[ \t]*[45]\d\d[ -][245]\.\d{1,3}\.\d{1,3}\b/im;
const CARRIER_DETAILS = /^[ \t]*(?:RCPT TO|MAIL FROM)[ \t]*:|^[ \t]*Message details[ \t]*:/im;

const FORWARD_PREFIX = /^\s*(?:fwd?|wg|tr|rv|doorst)\s*(?:\[\d+\]\s*)?:/i;

function carrierNotice(text: string): boolean {
  return CARRIER_ERROR_LINE.test(text) && CARRIER_SMTP_REPLY.test(text) && CARRIER_DETAILS.test(text);
}

/**
 * Mailing-list managers' rejections of a post (fml, Mailman, Majordomo, ...): said in the
 * subject or the text. Enough together with a list-manager sender (isListServer).
 */
const LIST_REJECTION = new RegExp(
  [
    "not (?:a )?member",
    "non-?member",
    "reject(?:ed)? mail",
    "(?:post|message|mail|article)(?: to [^\\n]{1,80})? (?:was |has been |is )?rejected",
    "(?:is|was|been) rejected",
    "only members (?:can|may) post",
    "not allowed to post",
    "(?:requires|needs) (?:the )?moderator",
    "loop alert",
    "loop back warning",
    "security alert",
    "mailing list (?:does not|doesn't) exist",
    "no such (?:list|mailing list)",
  ].join("|"),
  "i",
);

/** Weaker wording; enough only together with a mail-system sender. */
const WEAK_BODY = new RegExp(
  [
    "not (?:be )?delivered",
    "undeliver",
    "rejected",
    "delivery",
    "bounce",
    "returned",
    "quota",
    "does not exist",
    "failed",
    "error",
    "не доставлено",
    "配信",
    "送信",
  ].join("|"),
  "i",
);

const SOFT_WORDING =
  /mailbox (?:is )?full|over ?quota|quota (?:exceeded|full)|exceed(?:s|ed)? (?:the |their |his |her )?(?:storage|quota|mailbox)|insufficient (?:storage|disk)|temporar(?:y|ily)|try again later|greylist|deferred|delayed|will (?:continue to )?retry|still being retried|not yet been delivered|too many (?:connections|messages)|rate limit/i;

const SMTP_REPLY = /(?:^|[\s:("'#[])(4[2-5]\d|5[0-5]\d)(?:[ -](?=[\s\S])|$)/m;

// No two adjacent runs of white space anywhere in these patterns: "\s*(?:x)?\s*" backtracks
// quadratically over a long run of spaces that ends in a mismatch.
const REPLY_PREFIX = /^\s*(?:re|fwd?|aw|wg|tr|rv|sv|vs|doorst|fw)\s*(?:\[\d+\]\s*)?:/i;

const SES_BOUNCE = /"notificationType"\s*:\s*"Bounce"/;

function isSystemSender(parsed: ParsedInbound): boolean {
  const from = parsed.from;
  if (!from) return false;
  const local = from.address.split("@")[0] ?? "";
  return SYSTEM_LOCAL_PART.test(local) || SYSTEM_DISPLAY_NAME.test(from.name ?? "");
}

/** Mailing-list managers (fml, Mailman, Majordomo) return rejected posts from their admin address. */
function isListServer(parsed: ParsedInbound): boolean {
  const local = parsed.from?.address.split("@")[0] ?? "";
  const mlHeader = parsed.headers["x-mlserver"] ?? parsed.headers["x-ml-server"];
  return (
    /(?:-admin|-owner|-request|-bounces)$|^owner-/i.test(local) &&
    (mlHeader !== undefined || parsed.headers["list-id"] === undefined)
  );
}

function bounceSubject(subject: string): boolean {
  return !REPLY_PREFIX.test(subject) && BOUNCE_SUBJECT.test(subject);
}

export function detectBounce(parsed: ParsedInbound, raw?: Buffer | string): BounceFinding | null {
  const reportType = parsed.contentType.params["report-type"]?.toLowerCase();
  const isReport = parsed.contentType.type === "multipart/report";

  // 1. Structured DSN.
  const dsnText = parsed.report.deliveryStatus.join("\n\n");
  const ds = parseDeliveryStatus(dsnText);
  if (parsed.report.deliveryStatus.length > 0 || (isReport && reportType === "delivery-status")) {
    if (isSuccessOnly(ds)) return null;
    const reason =
      isReport && reportType === "delivery-status"
        ? "multipart/report; report-type=delivery-status"
        : "message/delivery-status part";
    return finding(parsed, raw, reason, primaryRecipient(ds));
  }

  // 2. Amazon SES notification relayed through SNS as JSON.
  if (SES_BOUNCE.test(parsed.text)) return sesFinding(parsed, raw);

  // 3. Exim's header naming the failed addresses.
  const failed = parsed.headers["x-failed-recipients"]?.[0];
  if (failed !== undefined)
    return finding(parsed, raw, "X-Failed-Recipients header", inlineRecipient(parsed));

  // 4. Non-standard notices.
  const subjectHit = bounceSubject(parsed.subject);
  const strong = STRONG_BODY.test(parsed.text);
  if (isSystemSender(parsed) && (subjectHit || strong || WEAK_BODY.test(parsed.text))) {
    return finding(
      parsed,
      raw,
      `mail-system sender ${parsed.from?.address ?? ""} with a failure notice`,
      inlineRecipient(parsed),
    );
  }
  if (
    isListServer(parsed) &&
    (strong || LIST_REJECTION.test(parsed.subject) || LIST_REJECTION.test(parsed.text))
  ) {
    return finding(
      parsed,
      raw,
      `list server ${parsed.from?.address ?? ""} returned the message`,
      inlineRecipient(parsed),
    );
  }
  if (parsed.returnPath === "" && (subjectHit || strong)) {
    return finding(parsed, raw, 'null Return-Path "<>" with a failure notice', inlineRecipient(parsed));
  }
  // A person forwarding such a notice ("Fwd: ...") is asking about it, not returning mail.
  if (!FORWARD_PREFIX.test(parsed.subject) && carrierNotice(parsed.text)) {
    return finding(parsed, raw, "a carrier's plain-text failure notice", inlineRecipient(parsed));
  }
  if (subjectHit && strong) {
    return finding(
      parsed,
      raw,
      `failure-notice subject "${parsed.subject.slice(0, 60)}"`,
      inlineRecipient(parsed),
    );
  }
  return null;
}

/** DSN fields pasted into the text body (many servers do that instead of a proper part). */
function inlineRecipient(parsed: ParsedInbound): DsnRecipient | null {
  const ds = parseDeliveryStatus(parsed.text);
  const r = primaryRecipient(ds);
  return r && (r.finalRecipient !== null || r.status !== null) ? r : null;
}

function finding(
  parsed: ParsedInbound,
  raw: Buffer | string | undefined,
  reason: string,
  dsn: DsnRecipient | null,
): BounceFinding {
  const text = parsed.text;
  let status = dsn?.status ?? null;
  let statusSource: BounceFinding["statusSource"] = status ? "dsn" : null;
  let diagnostic = dsn?.diagnosticCode ?? null;
  if (!status) {
    status = statusFromText(diagnostic ?? "") ?? statusFromText(text);
    if (status) statusSource = "text";
  }
  if (!diagnostic) diagnostic = diagnosticFromText(text, status);

  const recipient =
    dsn?.finalRecipient ??
    dsn?.originalRecipient ??
    firstAddress(parsed.headers["x-failed-recipients"]?.[0]) ??
    recipientFromText(parsed);

  const type = hardOrSoft({ action: dsn?.action ?? null, status, diagnostic, text, subject: parsed.subject });
  return {
    reason,
    bounce: { type, status, recipient, diagnostic },
    originalMessageId: originalMessageId(parsed, raw),
    statusSource,
  };
}

function sesFinding(parsed: ParsedInbound, raw: Buffer | string | undefined): BounceFinding {
  const t = parsed.text;
  const pick = (key: string): string | null => new RegExp(`"${key}"\\s*:\\s*"([^"]*)"`).exec(t)?.[1] ?? null;
  const status = pick("status");
  const bounceType = pick("bounceType");
  const diagnostic = pick("diagnosticCode");
  const statusCode = status ? (STATUS_CODE.exec(status)?.[0] ?? null) : null;
  let type: RefusalKind;
  if (statusCode) type = refusalKind(statusCode, diagnostic ?? "");
  else type = bounceType === "Transient" ? "soft" : "hard";
  return {
    reason: "Amazon SES bounce notification",
    bounce: { type, status: statusCode, recipient: firstAddress(pick("emailAddress")), diagnostic },
    originalMessageId: originalMessageId(parsed, raw),
    statusSource: statusCode ? "dsn" : null,
  };
}

/**
 * An enhanced status code in free text. Preference goes to codes in an SMTP context
 * ("550 5.1.1", "#5.1.1", "Status: 5.1.1", "(5.2.2)") over a bare x.y.z, which could be a
 * version number; the lookahead keeps IP addresses out.
 */
export function statusFromText(text: string): string | null {
  const contextual =
    /(?:\b[245]\d\d[ -]|#|status(?: code)?:?\s*|\(|\[)([245]\.\d{1,3}\.\d{1,3})\b(?!\.\d)/i.exec(text) ??
    /(?:^|[\s;:])([45]\.[0-7]\.\d{1,3})\b(?![.\d])/m.exec(text);
  const code = contextual?.[1];
  return code && !code.startsWith("2") ? code : null;
}

function diagnosticFromText(text: string, status: string | null): string | null {
  const lines = text.split(/\r?\n/).map((l) => l.trim());
  const byStatus = status ? lines.find((l) => l.includes(status)) : undefined;
  const byReply = lines.find((l) => SMTP_REPLY.test(l) && /[a-z]{3}/i.test(l));
  const line = byStatus ?? byReply;
  return line ? line.slice(0, 300) : null;
}

function hardOrSoft(input: {
  action: string | null;
  status: string | null;
  diagnostic: string | null;
  text: string;
  subject: string;
}): RefusalKind {
  if (input.action === "delayed") return "soft";
  // The same rule as for our own server's refusals (refusal.ts), read from the diagnostic:
  // the rest of a notice is boilerplate that may say "policy" or "blocked" about anything.
  const wording = input.diagnostic ?? "";
  if (input.status) return refusalKind(input.status, wording);
  const reply = SMTP_REPLY.exec(input.diagnostic ?? "") ?? SMTP_REPLY.exec(input.text);
  if (reply?.[1]) return refusalKind(reply[1], wording);
  if (/\bdela(?:y|yed)\b|warning/i.test(input.subject)) return "soft";
  if (SOFT_WORDING.test(input.diagnostic ?? "") || SOFT_WORDING.test(input.text)) return "soft";
  return "hard";
}

/** The failed address from a non-standard notice's wording, else from the original's To. */
function recipientFromText(parsed: ParsedInbound): string | null {
  const text = parsed.text;
  const patterns = [
    // Postfix and qmail: "<user@example.com>: host ... said: ..." / "<user@example.com>:"
    /^[ \t]*<([^<>\s@]+@[^<>\s]+)>[ \t]*(?:\(expanded from[^)]*\)[ \t]*)?:/m,
    // Carriers' notices list the failed envelope: "  RCPT TO: user@example.com".
    /^[ \t]*RCPT TO[ \t]*:[ \t]*<?([^\s<>@]+@[^\s<>]+)/im,
    // Exim, Sendmail, Gmail, Exchange wording followed by the address.
    // DragonFly, Sendmail and others: "error delivering your mail to <user@example.com>".
    /(?:error|failure) (?:delivering|sending) (?:your )?(?:mail|message) to\s*<?([^\s<>]+@[^\s<>]+)/i,
    /(?:following address(?:es)? failed|permanent fatal errors?|following recipients?[^:\n]{0,80}|delivery to the following recipients? [^:\n]{0,40}|could not be delivered to|unable to deliver (?:your )?message to|undeliverable to|failed to deliver to|delivery to|recipient address|original-recipient|final-recipient|invalid recipient|recipient)\s*(?::\s*)?(?:rfc822;\s*)?["'<(]?([^\s<>"'()]+@[^\s<>"'()]+)/i,
  ];
  const exclude = new Set<string>([
    ...(parsed.from ? [parsed.from.address] : []),
    ...parsed.to,
    ...parsed.deliveredTo,
    ...(parsed.returnPath ? [parsed.returnPath] : []),
  ]);
  const usable = (addr: string | null): addr is string =>
    addr !== null && !exclude.has(addr) && !SYSTEM_LOCAL_PART.test(addr.split("@")[0] ?? "");
  // Explicit wording names the failed address, even when it is also the address the notice
  // was delivered to (X-Original-To on a locally generated bounce); only the sender is not it.
  const sender = parsed.from?.address;
  for (const p of patterns) {
    const addr = firstAddress(p.exec(text)?.[1]);
    if (addr && addr !== sender && !SYSTEM_LOCAL_PART.test(addr.split("@")[0] ?? "")) return addr;
  }
  const origTo = firstAddress(originalHeaders(parsed).to?.[0]);
  if (usable(origTo)) return origTo;
  const quotedTo = firstAddress(/^[ \t>]*To:[ \t]*(.+)$/m.exec(text)?.[1]);
  if (usable(quotedTo)) return quotedTo;
  // Last resort: any address, but not one from a Message-ID, References or Received line.
  const prose = text
    .split(/\r?\n/)
    .filter((l) => !/^[ \t>]*(?:message-id|references|in-reply-to|received|x-[\w-]*id)\s*:|^\s+id\s/i.test(l))
    .join("\n");
  return allAddresses(prose).find(usable) ?? null;
}
