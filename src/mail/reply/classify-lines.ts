/**
 * Pass one of reply-text extraction: what each line of a reply is.
 *
 * Contract: classifyLines(lines) is pure and returns one LineInfo per line. The work per
 * line is bounded (patterns see at most a few hundred characters of a line and a window of
 * a few lines), so the whole pass is linear in the size of the text.
 */
import {
  isAttribution,
  isLooseAttribution,
  isQuotedVerbOnly,
  MAX_ATTRIBUTION_LINE,
  MAX_JOINED,
  mayEndAttribution,
  mayStartAttribution,
  midLineAttribution,
} from "./attribution.js";
import {
  type FieldKind,
  fieldKind,
  headerBlockEnd,
  isForwardSeparator,
  isOriginalSeparator,
  isRule,
  isUnderscoreRule,
} from "./header-block.js";
import { isClientSignature, isDashName, isDelimiter } from "./signature.js";

export type LineKind =
  /** Empty or whitespace only. */
  | "blank"
  /** Unquoted text: possibly the person's words. */
  | "text"
  /** Starts with ">". */
  | "quoted"
  /** Part of an attribution line ("On <date>, <name> wrote:"). */
  | "attribution"
  /** "-----Original Message-----" or a From:/Sent:/To: header block: quoted history follows. */
  | "header"
  /** "---------- Forwarded message ---------": what follows is forwarded on purpose. */
  | "forward"
  /** A dash or underscore rule right above a header block or attribution. */
  | "marker-rule"
  /** "-- " alone. */
  | "delimiter"
  /** "Sent from my iPhone", "-Name", a mailing-list footer rule: a signature starts here. */
  | "signature";

export interface LineInfo {
  kind: LineKind;
  /**
   * What to show instead of the line: for an attribution that shares its line with the reply
   * ("reply On … wrote:"), the reply part; for a ">" line that is the person's, the line
   * without its markers.
   */
  keep?: string;
}

/** Lines longer than this are never markers, only text or quotes. */
const MAX_MARKER_LINE = 1000;
/** An attribution wraps over at most this many lines (blank lines included). */
const MAX_ATTRIBUTION_SPAN = 6;
/** How far a rule may stand above the header block or attribution it belongs to. */
const RULE_REACH = 3;
/** A lead word in the middle of a line: a cheap test before midLineAttribution. */
const MID_LINE_LEAD = /(?:\s|-)(?:On|Am|Le|El|Il|Op|Den|På|Em|W dniu|Vào)\s/u;
/** Without any attribution or header, this many ">" lines in a row make a quote. */
const MIN_QUOTE_RUN = 3;
/** A "-Name" sign-off is a signature only when at most this many text lines follow it. */
const MAX_LINES_AFTER_SIGN_OFF = 3;

export const isQuotedLine = (line: string): boolean => /^[ \t\u00a0]*>/.test(line);

export function classifyLines(lines: readonly string[]): LineInfo[] {
  const info: LineInfo[] = lines.map(() => ({ kind: "text" }));
  const trimmed = lines.map((l) => (l.length > MAX_MARKER_LINE ? null : l.trim()));
  // Each line's field name is looked up once, however many header-block windows see it.
  const fieldKinds: (FieldKind | null | undefined)[] = new Array(lines.length);
  const kindOf = (k: number): FieldKind | null => {
    if (k >= lines.length) return null;
    let kind = fieldKinds[k];
    if (kind === undefined) {
      const t = trimmed[k];
      kind = t === null || t === undefined ? null : fieldKind(t);
      fieldKinds[k] = kind;
    }
    return kind;
  };

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    const t = trimmed[i] ?? null;
    const slot = info[i] as LineInfo;
    if (t === "" || (t === null && line.trim() === "")) slot.kind = "blank";
    else if (isQuotedLine(line) && !continuesLink(trimmed[i - 1])) slot.kind = "quoted";
    else if (t === null) slot.kind = "text";
    else if (info[i - 1]?.kind === "quoted" && closesQuotedLink(trimmed[i - 1], t)) slot.kind = "quoted";
    else if (isForwardSeparator(t)) slot.kind = "forward";
    else if (isOriginalSeparator(t)) slot.kind = "header";
    else if (isDelimiter(t)) slot.kind = "delimiter";
    else if (isClientSignature(t)) slot.kind = "signature";
    else {
      const prev = trimmed[i - 1];
      const paragraphStart = i > 0 && (prev === "" || (prev !== null && prev !== undefined && isRule(prev)));
      const end = headerBlockEnd(lines, i, paragraphStart, kindOf);
      if (end >= 0) {
        for (let k = i; k <= end; k++) (info[k] as LineInfo).kind = "header";
        i = end;
      }
    }
  }

  markAttributions(lines, trimmed, info);
  markRulesAndSignOffs(lines, trimmed, info);
  unmarkStrayQuotes(lines, info);
  return info;
}

/** "See <http://example.com/long" wrapped before its ">": the next line's ">" closes the link. */
function continuesLink(previous: string | null | undefined): boolean {
  return typeof previous === "string" && /<(?:https?:|mailto:|www\.)[^\s<>]*$/i.test(previous);
}

/** "> View ticket (http://example.com/action" wrapped, and "_nonce=3dd518)" ends the quoted link. */
function closesQuotedLink(previous: string | null | undefined, line: string): boolean {
  return (
    typeof previous === "string" &&
    /[(<](?:https?:|mailto:|www\.)[^\s)>]*$/i.test(previous) &&
    /^[^\s)>]*[)>]/.test(line)
  );
}

/**
 * Short quotes that are not history, as talon reads them. With no attribution, header block
 * or separator anywhere, ">" lines are history only in a run of MIN_QUOTE_RUN or more or
 * when the person answers below them; a short quote at the very end is the person's own
 * (an HTML reply's <blockquote class="gmail_quote"> with no attribution), and one that
 * quotes nothing but a link is decoration (">>> http://www.example.com <<<"). With an
 * attribution, a single ">" line above the first one is the person's quotation, not the
 * history (history follows its attribution).
 */
function unmarkStrayQuotes(lines: readonly string[], info: LineInfo[]): void {
  const firstMarker = info.findIndex(
    (l) => l.kind === "attribution" || l.kind === "header" || l.kind === "forward",
  );
  const runs: { start: number; end: number; count: number }[] = [];
  for (let i = 0; i < info.length; i++) {
    if (info[i]?.kind !== "quoted") continue;
    const run = { start: i, end: i, count: 0 };
    for (let k = i; k < info.length && (info[k]?.kind === "quoted" || info[k]?.kind === "blank"); k++) {
      if (info[k]?.kind === "quoted") {
        run.end = k;
        run.count++;
      }
    }
    runs.push(run);
    i = run.end;
  }
  const own = (i: number): void => {
    const l = info[i] as LineInfo;
    l.kind = "text";
    l.keep = unquote(lines[i] ?? "");
  };
  if (firstMarker === -1) {
    if (runs.some((r) => r.count >= MIN_QUOTE_RUN)) return;
    let lastText = -1;
    for (let i = 0; i < info.length; i++) if (info[i]?.kind === "text") lastText = i;
    for (const run of runs) {
      const answered = lastText > run.end;
      for (let i = run.start; i <= run.end; i++) {
        const line = lines[i] ?? "";
        if (info[i]?.kind !== "quoted") continue;
        if (line.length <= 300 && !/\p{L}/u.test(withoutLinks(line))) (info[i] as LineInfo).kind = "text";
        else if (!answered) own(i);
      }
    }
    return;
  }
  for (const run of runs) if (run.end < firstMarker && run.count === 1) own(run.start);
}

/** The line without its ">" markers (bounded: at most a line's length of work). */
export function unquote(line: string): string {
  let k = 0;
  while (k < line.length && (line[k] === ">" || line[k] === " " || line[k] === "\t")) k++;
  return line.slice(k);
}

/** The line without URLs: what is left when links are taken out. */
export function withoutLinks(line: string): string {
  return line.replace(/(?:https?:\/\/|mailto:|www\.)[^\s<>()[\]]*/giu, "");
}

/** Index of the next non-blank line after i, or lines.length. */
function nextNonBlank(info: readonly LineInfo[], i: number): number {
  let k = i + 1;
  while (k < info.length && info[k]?.kind === "blank") k++;
  return k;
}

function markAttributions(lines: readonly string[], trimmed: (string | null)[], info: LineInfo[]): void {
  // Whether a line can begin an attribution, tested once per line (windows overlap).
  const canStart: (boolean | undefined)[] = new Array(lines.length);
  const startsLikeOne = (i: number, line: string): boolean => {
    if (i === -1) return mayStartAttribution(line);
    let yes = canStart[i];
    if (yes === undefined) {
      yes = mayStartAttribution(line);
      canStart[i] = yes;
    }
    return yes;
  };
  for (let j = 0; j < lines.length; j++) {
    const end = trimmed[j];
    const kind = info[j]?.kind;
    if (end === null || end === undefined || end.length > MAX_ATTRIBUTION_LINE) continue;
    const quotedVerb = kind === "quoted" && isQuotedVerbOnly(end);
    if (kind !== "text" && !quotedVerb) continue;
    if (!mayEndAttribution(end)) continue;

    const next = nextNonBlank(info, j);
    const quoteFollows = next >= lines.length || info[next]?.kind === "quoted";
    const quoteBelow = next < lines.length && info[next]?.kind === "quoted";
    let start = -1;
    let keep: string | undefined;

    // The shortest span that reads as a full attribution, ending at line j. Where the reply
    // shares the first line with it ("reply On … wrote:"), only above a quote. Joins are
    // built only for lines that can begin an attribution, so most lines cost one test.
    const last = quotedVerb ? end.replace(/^>\s*/, "") : end;
    const pieces: string[] = [last];
    let length = last.length;
    for (let i = j; i >= 0 && i > j - MAX_ATTRIBUTION_SPAN; i--) {
      const line = i < j ? trimmed[i] : last;
      if (i < j) {
        if (info[i]?.kind === "blank") continue;
        if (info[i]?.kind !== "text" || line === null || line === undefined) break;
        length += line.length + 1;
        if (line.length > MAX_ATTRIBUTION_LINE || length > MAX_JOINED) break;
        pieces.unshift(line);
      }
      if (line === null || line === undefined) break;
      if (startsLikeOne(i === j && quotedVerb ? -1 : i, line)) {
        const match = isAttribution(pieces.join(" "));
        // Without an address, only a line right above quoted text is trusted as an attribution.
        if (match && (match.trusted || quoteFollows)) {
          start = i;
          break;
        }
      }
      if (quoteBelow && MID_LINE_LEAD.test(line)) {
        const mid = midLineAttribution(line, pieces.slice(1).join(" "));
        if (mid) {
          start = i;
          keep = mid.keep;
          break;
        }
      }
    }
    if (start === -1 && !quotedVerb && isLooseAttribution(end)) start = j;
    if (start === -1) continue;
    for (let k = start; k <= j; k++) (info[k] as LineInfo).kind = "attribution";
    if (keep) (info[start] as LineInfo).keep = keep;
  }
}

function markRulesAndSignOffs(lines: readonly string[], trimmed: (string | null)[], info: LineInfo[]): void {
  for (let i = 0; i < lines.length; i++) {
    const t = trimmed[i];
    const slot = info[i] as LineInfo;
    if (slot.kind !== "text" || t === null || t === undefined) continue;
    if (isRule(t) || isUnderscoreRule(t)) {
      const next = nextNonBlank(info, i);
      const nextKind = info[next]?.kind;
      if (next - i <= RULE_REACH && (nextKind === "header" || nextKind === "attribution")) {
        slot.kind = "marker-rule";
      } else if (isUnderscoreRule(t)) {
        // A mailing list's footer ("____\nriak-users mailing list\n…").
        slot.kind = "signature";
      }
    }
  }
  // Sign-offs second, so a footer rule below one already ends the text that follows it.
  for (let i = 0; i < lines.length; i++) {
    const t = trimmed[i];
    const slot = info[i] as LineInfo;
    if (slot.kind !== "text" || t === null || t === undefined) continue;
    if (isDashName(t) && (i === 0 || info[i - 1]?.kind === "blank")) {
      let textAfter = 0;
      for (let k = i + 1; k < lines.length && k <= i + 8; k++) {
        const kind = info[k]?.kind;
        if (kind === "blank") continue;
        if (kind !== "text") break;
        textAfter++;
      }
      if (textAfter <= MAX_LINES_AFTER_SIGN_OFF) slot.kind = "signature";
    }
  }
}
