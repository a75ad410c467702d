/**
 * Attribution lines: the line a mail program writes above the quoted history ("On <date>,
 * <name> <address> wrote:"), in the languages rapport's customers write in.
 *
 * Contract: isAttribution(s) and isLooseAttribution(s) are pure and take one candidate
 * (one line, or a few lines a client wrapped, joined with spaces). isAttribution needs a
 * date or an address besides the wording, so prose like "On the form I wrote:" is never
 * one; isLooseAttribution is the address-only form ("Jane <jane@example.com> wrote:") that
 * may start anywhere. Every pattern is applied to at most MAX_JOINED characters and is
 * either anchored or starts with a literal, so the work per candidate is bounded.
 */

/** Longest physical line that can be (part of) an attribution; longer lines are text. */
export const MAX_ATTRIBUTION_LINE = 300;
/** Longest candidate once wrapped lines are joined. */
export const MAX_JOINED = 450;

/**
 * What the attribution says the sender did, per language. en wrote / sent; de schrieb; fr a écrit;
 * es escribió; it ha scritto; nl schreef / het volgende geschreven; da/no/sv skrev; pl
 * napisał(a) / pisze; pt escreveu; ru написал(а) / пишет; ja のメール / 書きました; vi đã viết;
 * zh 写道 / 寫道; fi kirjoitti; cs napsal(a); tr yazdı; ko 작성.
 */
const VERB =
  "(?:wrote|writes|sent|schrieb|a\\s+[ée]crit|escribi[óo]|ha\\s+scritto|schreef|(?:het\\s+volgende\\s+)?geschreven|skrev|skriver|napisa[łl]\\(a\\)|napisa[łl]a|napisa[łl]|pisze|escreveu|написал\\(а\\)|написала|написал|пишет|đã\\s+viết|写道|寫道|のメール|書きました|kirjoitti|napsal\\(a\\)|napsala|napsal|yazdı|작성)";

/** The verb closes the line: "... wrote:", "... a écrit :", "... 写道：", "... wrote -----". */
const VERB_AT_END = new RegExp(`${VERB}\\s*[:：]?[\\s-]*$`, "iu");

/**
 * Languages that put the verb before the name or the date: "schrieb Jane <j@x>:", "skrev
 * Jane:", "schreef Jane:", "Jane escreveu no dia 1/1/2024:", "Jane kirjoitti 1.1.2024:".
 */
const VERB_THEN_COLON =
  /(?:schrieb|skrev|schreef|escreveu|kirjoitti|napisa[łl]\(a\)|napisa[łl])[\s,].{0,160}[:：]\s*$/iu;

/**
 * Words an attribution starts with: en On, de Am, fr Le, es El, it Il (giorno), nl Op, da/no/sv
 * Den / På, pt Em / No dia / Às, pl W dniu / Dnia, cs Dne, vi Vào / Lúc, ru В, zh 在 / 於 / 于.
 * Optional leading dashes ("------On ... wrote-----") and spaces.
 */
const LEAD =
  /^[\s-]*(?:(?:On|Am|Le|El|Il|Op|Den|På|Em|No dia|Às|W dniu|Dnia|Dne|Vào|Lúc|В)(?=[\s,\u00a0])|在|於|于)/iu;

/**
 * Starts with a date or a weekday and a day: "2011/4/7", "26.06.2014,", "2024年1月1日",
 * "Thu, 26 Jun", "пн, 1 янв.", "man. 1. jan.", "1 января 2024".
 */
const DATE_START =
  /^\s*(?:\d{1,4}[./年-]\s?\d{1,2}|\p{L}{2,12}\.?,?\s+\d{1,2}[\s.,]|\d{1,2}\.?\s+\p{L}{3,})/u;

/** A year, a time, a numeric day/month or a CJK date: what every client puts in its attribution. */
const DATE = /(?:19|20)\d\d|\d{1,2}[:.h]\d\d|\d{1,2}[./-]\d{1,2}[./-]|\d\s*[年月日]|\d\s*tháng/u;

/** Ends with the address and a colon (Gmail ja/ru/ISO-date forms, mail.ru, Yandex) or just ">". */
const ADDRESS_END = /[\w.-]>?\s*[:：]\s*$|>\s*$/u;

/** "---- John Smith wrote ----", "------On 12/29/1987 17:32 PM, Julius Caesar wrote-----". */
const DASH_FRAMED = new RegExp(`^\\s*-{2,}.{1,250}?${VERB}\\s*[:：]?\\s*-{2,}\\s*$`, "iu");

const QUOTED_VERB_ONLY = new RegExp(`^\\s*>\\s*${VERB}\\s*[:：]?\\s*$`, "iu");

/** Is there an e-mail address? Scans "@" signs instead of running an unanchored regex. */
export function hasAddress(s: string): boolean {
  let at = s.indexOf("@");
  for (let n = 0; at !== -1 && n < 8; n++) {
    if (at > 0 && /[\w.+-]/.test(s[at - 1] ?? "") && /^[\w-]+(?:\.[\w-]+)+/.test(s.slice(at + 1, at + 120))) {
      return true;
    }
    at = s.indexOf("@", at + 1);
  }
  return false;
}

export interface AttributionMatch {
  /**
   * True when the candidate names an address or is framed by dashes: such a line is an
   * attribution wherever it stands. Otherwise only when quoted text follows it.
   */
  trusted: boolean;
}

/** A full attribution: starts like one, ends like one, and gives a date or an address. */
export function isAttribution(s: string): AttributionMatch | null {
  if (s.length > MAX_JOINED) return null;
  if (DASH_FRAMED.test(s)) return { trusted: true };
  // The anchored tests first: most lines fail them at once.
  const lead = LEAD.test(s);
  const dateStart = !lead && DATE_START.test(s);
  if (!lead && !dateStart) return null;
  const withAddress = hasAddress(s);
  const dated = DATE.test(s);
  if (!withAddress && !dated) return null;
  const endsLikeOne = VERB_AT_END.test(s) || VERB_THEN_COLON.test(s);
  if (lead && endsLikeOne) return { trusted: withAddress };
  if (dateStart && dated && (endsLikeOne || (withAddress && ADDRESS_END.test(s)))) {
    return { trusted: withAddress };
  }
  return null;
}

/** "Jane Doe <jane@example.com> wrote:", "Jane <j@x> schrieb am Mo., 1. Jan. 2024:", zh "… 写道：". */
export function isLooseAttribution(s: string): boolean {
  if (s.length > MAX_JOINED) return false;
  return hasAddress(s) && (VERB_AT_END.test(s) || VERB_THEN_COLON.test(s));
}

/** Can a line begin an attribution (a lead word, a date or weekday, or a dash frame)? */
export function mayStartAttribution(trimmed: string): boolean {
  return LEAD.test(trimmed) || DATE_START.test(trimmed) || trimmed.startsWith("--");
}

/** Can a line end an attribution? A cheap test before the joins are tried. */
export function mayEndAttribution(trimmed: string): boolean {
  const last = trimmed[trimmed.length - 1];
  return last === ":" || last === "：" || last === ">" || last === "-" || VERB_AT_END.test(trimmed);
}

/** A quoted line that is only the verb ("> wrote:"), as Polymail wraps its attribution. */
export function isQuotedVerbOnly(trimmed: string): boolean {
  return QUOTED_VERB_ONLY.test(trimmed);
}

/**
 * An attribution that begins in the middle of a line ("reply On Wed, Apr 4, 2012 at 3:59
 * PM, bob@example.com wrote:"), possibly continued on the next lines (`rest`): the reply
 * text before it, or null.
 */
export function midLineAttribution(line: string, rest = ""): { keep: string } | null {
  if (line.length > MAX_ATTRIBUTION_LINE) return null;
  // "reply On …", "reply--- On …": the lead word after a space or a dash run.
  const lead = /(?:\s|-{2,}\s?)(On|Am|Le|El|Il|Op|Den|På|Em|W dniu|Vào)\s/gu;
  for (let n = 0, m = lead.exec(line); m !== null && n < 4; n++, m = lead.exec(line)) {
    const start = m.index + m[0].length - (m[1] ?? "").length - 1;
    const candidate = rest ? `${line.slice(start)} ${rest}` : line.slice(start);
    const keep = line.slice(0, m.index).trimEnd();
    if (keep !== "" && isAttribution(candidate)) return { keep };
  }
  return null;
}
