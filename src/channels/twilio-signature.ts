/**
 * Twilio's request signature (X-Twilio-Signature), as its "Secure webhooks" page documents
 * it: take the full URL Twilio called (scheme, host, path and query, as configured), append
 * each POST parameter's name and value with no separator, sorted by name (a repeated name:
 * its values in order), HMAC-SHA1 the string with the account's Auth Token as the key, and
 * base64 the digest.
 *
 *   twilioSignature(authToken, url, params) → the header's value
 *   verifyTwilioSignature(authToken, url, params, header) → true when it matches (constant time)
 *
 * Twilio's own fake (test/support/twilio.ts) signs with twilioSignature too, so a unit test
 * pins it to the documented example (test/unit/channels/twilio-signature.test.ts).
 */
import { createHmac } from "node:crypto";
import { sameSecret } from "./sms-tokens.js";

export type FormParams = ReadonlyArray<readonly [string, string]>;

export function twilioSignature(authToken: string, url: string, params: FormParams): string {
  const sorted = [...params].sort(([a, va], [b, vb]) =>
    a < b ? -1 : a > b ? 1 : va < vb ? -1 : va > vb ? 1 : 0,
  );
  const hmac = createHmac("sha1", authToken).update(url, "utf8");
  for (const [name, value] of sorted) hmac.update(name, "utf8").update(value, "utf8");
  return hmac.digest("base64");
}

export function verifyTwilioSignature(
  authToken: string,
  url: string,
  params: FormParams,
  header: string | undefined,
): boolean {
  if (!header) return false;
  return sameSecret(twilioSignature(authToken, url, params), header);
}
