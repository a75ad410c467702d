/** Times for SMS tests, whose texts must fall inside the SMS quiet hours (10:00-20:00 local). */

/** An IANA zone where it is now about 15:00, inside the SMS quiet hours' window. */
export function afternoonZone(): string {
  let offset = 15 - new Date().getUTCHours();
  if (offset > 12) offset -= 24;
  if (offset < -12) offset += 24;
  return offset === 0 ? "Etc/GMT" : `Etc/GMT${offset > 0 ? "-" : "+"}${Math.abs(offset)}`;
}
