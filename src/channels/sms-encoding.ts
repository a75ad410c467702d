/**
 * How a text goes over the air, and in how many parts (3GPP TS 23.038 and 23.040).
 *
 * GSM-7 when every character is in the GSM 03.38 default alphabet or its extension table
 * (an extension character, like € or {, takes two septets: an escape and itself); UCS-2
 * otherwise, one 16-bit unit per UTF-16 code unit, so an emoji outside the BMP (a
 * surrogate pair) takes two. One part holds 160 septets or 70 units; a longer text is
 * sent in parts of 153 septets or 67 units (the rest is the concatenation header), and a
 * part never ends between an escape and its character or inside a surrogate pair: phones
 * would show garbage, so such a character moves whole to the next part.
 */

export type SmsEncoding = "GSM-7" | "UCS-2";

export interface SmsSegments {
  encoding: SmsEncoding;
  /** Septets (GSM-7) or 16-bit units (UCS-2) the whole text takes. */
  units: number;
  segments: number;
  /** The characters that forced UCS-2 (first few, each once), or none for GSM-7. */
  nonGsm: string[];
}

const GSM_BASIC =
  "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
const GSM_EXTENSION = "\f^{}\\[~]|€";

const basic = new Set(GSM_BASIC);
const extension = new Set(GSM_EXTENSION);

const SINGLE = { "GSM-7": 160, "UCS-2": 70 } as const;
const MULTI = { "GSM-7": 153, "UCS-2": 67 } as const;

/** What each character costs in the encoding, in order (a character is a code point). */
function costs(text: string, encoding: SmsEncoding): number[] {
  const out: number[] = [];
  for (const ch of text) {
    if (encoding === "UCS-2") out.push(ch.length);
    else out.push(extension.has(ch) ? 2 : 1);
  }
  return out;
}

export function isGsm7(text: string): boolean {
  for (const ch of text) if (!basic.has(ch) && !extension.has(ch)) return false;
  return true;
}

/** The encoding, size and number of parts of a text. An empty text is one (empty) part. */
export function smsSegments(text: string): SmsSegments {
  const nonGsm: string[] = [];
  for (const ch of text) {
    if (!basic.has(ch) && !extension.has(ch) && !nonGsm.includes(ch) && nonGsm.length < 5) nonGsm.push(ch);
  }
  const encoding: SmsEncoding = nonGsm.length === 0 ? "GSM-7" : "UCS-2";
  const each = costs(text, encoding);
  const units = each.reduce((a, b) => a + b, 0);
  if (units <= SINGLE[encoding]) return { encoding, units, segments: 1, nonGsm };
  // Filled part by part: a character that does not fit whole starts the next part.
  let segments = 1;
  let used = 0;
  for (const cost of each) {
    if (used + cost > MULTI[encoding]) {
      segments++;
      used = 0;
    }
    used += cost;
  }
  return { encoding, units, segments, nonGsm };
}

/** Above this many parts validate warns: each part is billed, and long texts read badly on a phone. */
export const SMS_SEGMENT_WARNING = 3;
