/**
 * Raw RFC 5322 message -> ParsedInbound: the fields rapport needs to classify and thread an
 * inbound message, and nothing heavier.
 *
 * Contract:
 * - Throws MessageTooLargeError (before any parsing) when the message is above opts.maxBytes
 *   (default 10 MiB). That is the only error it throws: garbage, missing headers and broken
 *   MIME all give a best-effort ParsedInbound, because a worker that crashes on one odd
 *   bounce stops attributing every bounce behind it.
 * - Attachment bodies are never kept, only a summary (filename, type, size). The small
 *   machine-readable report parts a bounce or complaint carries (message/delivery-status,
 *   message/feedback-report, the original message's header block) are kept as text, capped,
 *   because classification reads them.
 * - Addresses are lower-cased; Message-IDs keep their angle brackets.
 */
import { type AddressObject, type ParsedMail, simpleParser } from "mailparser";
import { htmlToText } from "./html-text.js";
import { MessageTooLargeError } from "./inbound-errors.js";
import {
  firstAddress,
  headerRecord,
  messageIdList,
  normaliseMessageId,
  parseHeaderBlock,
  scanReportParts,
  splitHeadBody,
} from "./raw-text.js";

export { MessageTooLargeError };

export const DEFAULT_MAX_BYTES = 10 * 1024 * 1024;

/** Report parts are a few hundred bytes in practice; the cap keeps a hostile one from ballooning. */
const MAX_REPORT_CHARS = 65_536;
/** Report parts of each kind kept: a real bounce names a few recipients, not thousands. */
export const MAX_REPORT_PARTS = 20;
/**
 * Longest body text kept for classifying and extracting the new text. A person's reply is a
 * few KiB; what is beyond this is quoted history or an attack, and everything rapport keeps
 * of the text (MAX_INTERACTION_TEXT) is far shorter. The raw message keeps it all.
 */
export const MAX_TEXT_CHARS = 1024 * 1024;
/** Parameters read from a Content-Type header. */
const MAX_CONTENT_TYPE_PARAMS = 50;

export interface InboundAddress {
  address: string;
  name: string | null;
}

export interface AttachmentSummary {
  filename: string | null;
  contentType: string;
  size: number;
}

export interface ReportParts {
  /** Text of each message/delivery-status (or message/global-delivery-status) part (RFC 3464). */
  deliveryStatus: string[];
  /** Text of each message/feedback-report part (RFC 5965). */
  feedbackReport: string[];
  /** Header block of the returned/reported message (message/rfc822 or text/rfc822-headers part). */
  originalHeaders: string | null;
}

export interface ParsedInbound {
  messageId: string | null;
  from: InboundAddress | null;
  replyTo: string[];
  to: string[];
  cc: string[];
  /** Delivered-To and X-Original-To values, lower-cased: which of our addresses it reached. */
  deliveredTo: string[];
  /** Envelope sender from Return-Path: "" for the null sender "<>", null when absent. */
  returnPath: string | null;
  subject: string;
  /** Date header as epoch ms, null when absent or unreadable. */
  date: number | null;
  inReplyTo: string[];
  references: string[];
  /** Plain text body (from HTML when there is no text part; the raw body when MIME is broken). */
  text: string;
  /** Top-level media type, lower-cased, and its parameters (names lower-cased). */
  contentType: { type: string; params: Record<string, string> };
  /** Every top-level header, names lower-cased, values unfolded, still MIME-encoded. */
  headers: Record<string, string[]>;
  attachments: AttachmentSummary[];
  report: ReportParts;
  /** Size of the raw message in bytes. */
  size: number;
  /** Why parts of the message had to be read by the fallback (empty when MIME parsing went fine). */
  warnings: string[];
}

export interface ParseOptions {
  maxBytes?: number;
}

export async function parseInbound(raw: Buffer | string, opts: ParseOptions = {}): Promise<ParsedInbound> {
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  const size = typeof raw === "string" ? Buffer.byteLength(raw, "utf8") : raw.length;
  if (size > maxBytes) throw new MessageTooLargeError(size, maxBytes);

  const rawText = typeof raw === "string" ? raw : raw.toString("utf8");
  const { head, body } = splitHeadBody(rawText);
  const headers = headerRecord(parseHeaderBlock(head));
  const warnings: string[] = [];

  let mail: ParsedMail | null = null;
  try {
    mail = await simpleParser(raw, {
      // Keep DSN parts and embedded messages as attachments so they can be read as reports
      // instead of being folded into the text.
      keepDeliveryStatus: true,
      ignoreEmbedded: true,
      skipImageLinks: true,
      skipTextToHtml: true,
      // An HTML-only body is converted by html-text.ts below (no 80-column wrapping, quotes
      // kept as "> " lines, bounded nesting), not by mailparser's default conversion.
      skipHtmlToText: true,
      skipTextLinks: true,
      checksumAlgo: false,
      maxHtmlLengthToParse: 2 * 1024 * 1024,
    });
  } catch (err) {
    warnings.push(`mime parser failed: ${err instanceof Error ? err.message : String(err)}`);
  }

  const one = (name: string): string | undefined => headers[name]?.[0];
  const contentType = parseContentType(one("content-type"));
  const report = mail
    ? reportPartsFrom(mail)
    : { deliveryStatus: [], feedbackReport: [], originalHeaders: null };
  fillReportPartsFromRaw(report, body, warnings);

  let text = mail?.text ?? "";
  if (!text.trim() && typeof mail?.html === "string" && mail.html.trim()) {
    // No text/plain part (HTML-only, top level or inside multipart/mixed): the text the
    // person wrote comes from the HTML.
    text = htmlToText(mail.html);
  }
  if (!text.trim() && !mail?.html) {
    // mailparser found no text part: either a message with no body, or MIME it could not
    // split (a multipart whose boundary never appears). The raw body is the best we have.
    if (body.trim()) {
      text = body;
      if (mail && contentType.type.startsWith("multipart/")) warnings.push("multipart body without parts");
    }
  }

  return {
    messageId: normaliseMessageId(mail?.messageId ?? one("message-id")),
    from: fromAddress(mail?.from, one("from")),
    replyTo: addressList(mail?.replyTo, headers["reply-to"]),
    to: addressList(mail?.to, headers.to),
    cc: addressList(mail?.cc, headers.cc),
    deliveredTo: [...(headers["delivered-to"] ?? []), ...(headers["x-original-to"] ?? [])]
      .map((v) => firstAddress(v))
      .filter((v): v is string => v !== null),
    returnPath: returnPathOf(one("return-path")),
    subject: (mail?.subject ?? one("subject") ?? "").trim(),
    date: dateOf(mail?.date, one("date")),
    inReplyTo: messageIdList(mail?.inReplyTo ?? one("in-reply-to")),
    references: referencesOf(mail?.references, one("references")),
    text: capText(text, warnings),
    contentType,
    headers,
    attachments: (mail?.attachments ?? []).map((a) => ({
      filename: a.filename ?? null,
      contentType: (a.contentType ?? "application/octet-stream").toLowerCase(),
      size: a.size ?? a.content?.length ?? 0,
    })),
    report,
    size,
    warnings,
  };
}

/** "multipart/report; report-type=delivery-status; boundary=..." -> type and params. */
export function parseContentType(value: string | undefined): ParsedInbound["contentType"] {
  if (!value) return { type: "text/plain", params: {} };
  const [typePart, ...rest] = value.split(";");
  const params: Record<string, string> = {};
  // Read without a regex: "\s*=\s*\"?([^\"]*)" backtracks quadratically over a run of spaces.
  for (const p of rest.slice(0, MAX_CONTENT_TYPE_PARAMS)) {
    const eq = p.indexOf("=");
    if (eq === -1) continue;
    const name = p.slice(0, eq).trim();
    if (name === "" || /\s/.test(name)) continue;
    let v = p.slice(eq + 1).trim();
    if (v.startsWith('"')) v = v.slice(1);
    if (v.endsWith('"')) v = v.slice(0, -1);
    // A quoted value keeps what is inside the quotes, as before: up to the next quote.
    const quote = v.indexOf('"');
    params[name.toLowerCase()] = quote === -1 ? v : v.slice(0, quote);
  }
  return { type: (typePart ?? "").trim().toLowerCase() || "text/plain", params };
}

function reportPartsFrom(mail: ParsedMail): ReportParts {
  const report: ReportParts = { deliveryStatus: [], feedbackReport: [], originalHeaders: null };
  // Decode at most MAX_REPORT_CHARS bytes of a part: a report part is read, never kept whole.
  const head = (a: ParsedMail["attachments"][number]): string =>
    a.content ? a.content.subarray(0, MAX_REPORT_CHARS).toString("utf8") : "";
  for (const a of mail.attachments) {
    const type = (a.contentType ?? "").toLowerCase();
    if (type === "message/delivery-status" || type === "message/global-delivery-status") {
      if (report.deliveryStatus.length < MAX_REPORT_PARTS) report.deliveryStatus.push(head(a));
    } else if (type === "message/feedback-report") {
      if (report.feedbackReport.length < MAX_REPORT_PARTS) report.feedbackReport.push(head(a));
    } else if (
      report.originalHeaders === null &&
      (type === "message/rfc822" ||
        type === "message/global" ||
        type === "text/rfc822-headers" ||
        type === "text/global-headers")
    ) {
      report.originalHeaders = splitHeadBody(head(a)).head || null;
    }
  }
  return report;
}

/** Fill in report parts mailparser did not find (broken boundaries, inline embedded messages). */
function fillReportPartsFromRaw(report: ReportParts, body: string, warnings: string[]): void {
  if (!/content-type:/i.test(body)) return;
  const scanned = scanReportParts(body, MAX_REPORT_CHARS);
  const ds = scanned.filter((p) => p.contentType === "message/delivery-status");
  const fb = scanned.filter((p) => p.contentType === "message/feedback-report");
  const orig = scanned.find(
    (p) => p.contentType === "message/rfc822" || p.contentType === "text/rfc822-headers",
  );
  if (report.deliveryStatus.length === 0 && ds.length > 0) {
    report.deliveryStatus.push(...ds.map((p) => p.content));
    warnings.push("delivery-status read from raw text");
  }
  if (report.feedbackReport.length === 0 && fb.length > 0) {
    report.feedbackReport.push(...fb.map((p) => p.content));
    warnings.push("feedback-report read from raw text");
  }
  if (report.originalHeaders === null && orig) {
    report.originalHeaders = splitHeadBody(orig.content).head || null;
  }
}

function capText(text: string, warnings: string[]): string {
  if (text.length <= MAX_TEXT_CHARS) return text;
  warnings.push(`body text cut at ${MAX_TEXT_CHARS} characters (it had ${text.length})`);
  return text.slice(0, MAX_TEXT_CHARS);
}

function flattenAddresses(obj: AddressObject | AddressObject[] | undefined): InboundAddress[] {
  const out: InboundAddress[] = [];
  const visit = (list: AddressObject["value"]): void => {
    for (const e of list) {
      if (e.group) visit(e.group);
      else if (e.address) out.push({ address: e.address.toLowerCase(), name: e.name ? e.name : null });
    }
  };
  for (const o of Array.isArray(obj) ? obj : obj ? [obj] : []) visit(o.value ?? []);
  return out;
}

function fromAddress(obj: AddressObject | undefined, rawValue: string | undefined): InboundAddress | null {
  const parsed = flattenAddresses(obj)[0];
  if (parsed) return parsed;
  // "MAILER-DAEMON", "MAILER-DAEMON <>" and the like are common in bounces and are not
  // addresses to mailparser; keep what there is so the sender can still be recognised.
  const addr = firstAddress(rawValue);
  const name = obj?.value?.[0]?.name || null;
  if (addr) return { address: addr, name };
  const bare = (name ?? rawValue ?? "").replace(/["<>]/g, "").trim();
  return bare ? { address: bare.toLowerCase(), name } : null;
}

function addressList(
  obj: AddressObject | AddressObject[] | undefined,
  rawValues: string[] | undefined,
): string[] {
  const parsed = flattenAddresses(obj).map((a) => a.address);
  if (parsed.length > 0) return parsed;
  return (rawValues ?? []).map((v) => firstAddress(v)).filter((v): v is string => v !== null);
}

function returnPathOf(value: string | undefined): string | null {
  if (value === undefined) return null;
  if (/^<\s*>$/.test(value.trim()) || value.trim() === "") return "";
  return firstAddress(value) ?? value.trim().toLowerCase();
}

function dateOf(parsed: Date | undefined, rawValue: string | undefined): number | null {
  const fromParsed = parsed?.getTime();
  if (fromParsed !== undefined && Number.isFinite(fromParsed)) return fromParsed;
  const fromRaw = rawValue ? Date.parse(rawValue) : Number.NaN;
  return Number.isFinite(fromRaw) ? fromRaw : null;
}

function referencesOf(parsed: string | string[] | undefined, rawValue: string | undefined): string[] {
  if (parsed !== undefined) {
    const list = (Array.isArray(parsed) ? parsed : [parsed]).flatMap((v) => messageIdList(v));
    if (list.length > 0) return list;
  }
  return messageIdList(rawValue);
}
