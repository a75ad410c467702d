/**
 * Customers' phone numbers: E.164 (+ country code, national number, digits only), checked
 * against the numbering plans in libphonenumber-js's full metadata ("max": the shorter
 * default metadata checks lengths only, and would take numbers no operator ever issued).
 * Spaces, dots, dashes and brackets a form may leave in are accepted and taken out; a
 * number without its country code is refused rather than guessed at.
 */
import { parsePhoneNumberFromString } from "libphonenumber-js/max";

export const PHONE_EXPECTED =
  "expected a phone number in international format (E.164) with its country code, like +447700900123";

/** The number in E.164, or null when it is not a valid number with its country code. */
export function toE164(input: string): string | null {
  const text = input.trim();
  if (!/^\+[0-9 ().-]{6,30}$/.test(text)) return null;
  const parsed = parsePhoneNumberFromString(text);
  if (!parsed?.isValid()) return null;
  return parsed.number;
}
