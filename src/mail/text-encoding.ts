/**
 * The transfer encoding of a message's text parts, chosen once from its plain-text part
 * instead of by nodemailer over every part.
 *
 * Left to itself, nodemailer counts the Latin letters against the 8-bit and control
 * characters of each part that is not plain ASCII (the whole 20 KB of a rendered HTML
 * part, every message) and picks quoted-printable when Latin letters are the majority,
 * base64 otherwise (mime-node: _getTextEncoding). That count was the largest single cost
 * of the SMTP sender thread after the socket writes, about 8% of it.
 *
 * The plain-text part is the same words as the HTML part without the markup, and the
 * markup is Latin letters: where the text part's Latin letters are the majority, the HTML
 * part's are too, and nodemailer would pick quoted-printable for both. So that count is
 * made here on the text part alone (about 1 KB), by nodemailer's rule, and the answer
 * handed to nodemailer as `textEncoding`. A message in another script (Cyrillic, Greek,
 * CJK…) is left to nodemailer's own choice, part by part, as before. A plain-ASCII part
 * is still sent 7bit: nodemailer checks that before it looks at textEncoding.
 */

/** nodemailer's count (mime-node _getTextEncoding): more Latin letters than 8-bit and control characters. */
export function latinMajority(text: string): boolean {
  let latin = 0;
  let other = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code <= 0x08 || code === 0x0b || code === 0x0c || (code >= 0x0e && code <= 0x1f) || code >= 0x80)
      other++;
    else if ((code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a)) latin++;
  }
  return other < latin;
}

/** nodemailer's `textEncoding` option for a message, or none to leave the choice to it. */
export function textEncodingFor(mail: { text?: string; html?: string }): {
  textEncoding?: "quoted-printable";
} {
  // Without a text part the HTML is all there is to count, which saves nothing: leave it.
  if (!mail.text) return {};
  return latinMajority(mail.text) ? { textEncoding: "quoted-printable" } : {};
}
