/**
 * Is this message an abuse / feedback-loop report (someone pressed "this is spam")?
 *
 * Contract: detectComplaint(parsed, raw?) returns a ComplaintFinding or null, never throws.
 * Evidence: a message/feedback-report part or multipart/report; report-type=feedback-report
 * (RFC 5965 ARF); Amazon SES's JSON complaint notification; Microsoft's older JMRP/SNDS
 * format, which is a plain multipart/mixed carrying the reported message with an
 * X-HmXmrOriginalRecipient header. The reported recipient comes from Original-Rcpt-To,
 * else Removal-Recipient, else the reported message's To.
 */
import { originalHeaders, originalMessageId } from "./original-message.js";
import type { ParsedInbound } from "./parse-inbound.js";
import { firstAddress } from "./raw-text.js";

export interface ComplaintDetails {
  feedbackType: string | null;
  recipient: string | null;
  originalMessageId: string | null;
}

export interface ComplaintFinding {
  reason: string;
  complaint: ComplaintDetails;
}

const SES_COMPLAINT = /"notificationType"\s*:\s*"Complaint"/;

/** Fields of a feedback report; names lower-cased, first value wins. */
function reportFields(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  let last: string | null = null;
  for (const line of text.split(/\r?\n/)) {
    if (/^[ \t]+\S/.test(line) && last) {
      fields.set(last, `${fields.get(last) ?? ""} ${line.trim()}`);
      continue;
    }
    const m = /^([A-Za-z][A-Za-z0-9-]*)\s*:\s*(.*)$/.exec(line);
    last = m?.[1] ? m[1].toLowerCase() : null;
    if (m?.[1] && last && !fields.has(last)) fields.set(last, (m[2] ?? "").trim());
  }
  return fields;
}

export function detectComplaint(parsed: ParsedInbound, raw?: Buffer | string): ComplaintFinding | null {
  const reportType = parsed.contentType.params["report-type"]?.toLowerCase();
  const isArf = parsed.contentType.type === "multipart/report" && reportType === "feedback-report";
  const orig = originalHeaders(parsed);
  const origTo = firstAddress(orig.to?.[0]);

  if (isArf || parsed.report.feedbackReport.length > 0) {
    const f = reportFields(parsed.report.feedbackReport.join("\n"));
    const recipient =
      firstAddress(f.get("original-rcpt-to")) ?? firstAddress(f.get("removal-recipient")) ?? origTo;
    return {
      reason: isArf ? "multipart/report; report-type=feedback-report" : "message/feedback-report part",
      complaint: {
        feedbackType: f.get("feedback-type")?.toLowerCase() ?? null,
        recipient,
        originalMessageId: originalMessageId(parsed, raw),
      },
    };
  }

  if (SES_COMPLAINT.test(parsed.text)) {
    const pick = (key: string): string | null =>
      new RegExp(`"${key}"\\s*:\\s*"([^"]*)"`).exec(parsed.text)?.[1] ?? null;
    return {
      reason: "Amazon SES complaint notification",
      complaint: {
        feedbackType: pick("complaintFeedbackType")?.toLowerCase() ?? null,
        recipient: firstAddress(pick("emailAddress")),
        originalMessageId: originalMessageId(parsed, raw),
      },
    };
  }

  const hotmailRecipient = orig["x-hmxmroriginalrecipient"]?.[0];
  if (hotmailRecipient !== undefined) {
    return {
      reason: "Microsoft JMRP report (X-HmXmrOriginalRecipient)",
      complaint: {
        feedbackType: "abuse",
        recipient: firstAddress(hotmailRecipient) ?? origTo,
        originalMessageId: originalMessageId(parsed, raw),
      },
    };
  }
  return null;
}
