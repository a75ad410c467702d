/**
 * The new text of a reply: everything the person wrote, without the quoted history, the
 * attribution lines, forwarded/original header blocks and signatures.
 *
 * Contract: extractNewText(text) is pure, never throws and runs in time linear in the text
 * (line by line, bounded work per line; see reply/classify-lines.ts). It returns the trimmed
 * text the person wrote:
 * - top-posted, bottom-posted and inline answers are all kept: unquoted text above, between
 *   and below ">" quotes is the person's, also when a greeting stands above the attribution;
 * - quoted history is dropped: ">" lines, attribution lines (a date or an address is needed,
 *   so "On the form I wrote:" is the person's text), and everything after an
 *   "-----Original Message-----" separator or a From:/Sent:/To: (or Date:-first) header block
 *   or after an attribution followed by unquoted text (Outlook-style history);
 * - a forwarded message ("---------- Forwarded message ---------") is kept whole: forwarding
 *   it is what the person did;
 * - signatures ("-- ", "-Name", "Sent from my iPhone", "Get Outlook for iOS", mailing-list
 *   footers) are dropped up to the next quote or attribution.
 * Never empty when the person wrote something: if signatures were all that was left, they
 * are kept; if nothing stood outside the history markers, the unquoted text is returned;
 * if the whole message is quoted, its text without the ">" marks. Only a message without
 * any words outside attribution and header lines gives "".
 */
import { classifyLines, type LineInfo, unquote, withoutLinks } from "./reply/classify-lines.js";

type Mode = "text" | "quote" | "after-attribution" | "signature" | "history" | "forward";

/** Ends a blank-line run the person may have typed; also how reply text is joined back. */
function render(lines: readonly string[]): string {
  const out: string[] = [];
  let blank = false;
  for (const line of lines) {
    const t = line.trimEnd();
    if (t.trim() === "") {
      blank = out.length > 0;
      continue;
    }
    if (blank) out.push("");
    blank = false;
    out.push(t);
  }
  return out.join("\n").trim();
}

/** A line left over when a client wrapped a quoted link: no words outside the link. */
function isLinkDebris(line: string): boolean {
  return line.length <= 300 && !/\p{L}/u.test(withoutLinks(line));
}

function walk(lines: readonly string[], info: readonly LineInfo[], keepSignatures: boolean): string[] {
  const out: string[] = [];
  let mode: Mode = "text";
  for (let i = 0; i < lines.length && mode !== "history"; i++) {
    const line = lines[i] ?? "";
    const { kind, keep } = info[i] as LineInfo;
    if (mode === "forward") {
      out.push(line);
      continue;
    }
    switch (kind) {
      case "forward":
        mode = "forward";
        out.push(line);
        break;
      case "header":
        mode = "history";
        break;
      case "attribution":
        if (keep) out.push(keep);
        mode = "after-attribution";
        break;
      case "marker-rule":
        break;
      case "quoted":
        mode = "quote";
        break;
      case "blank":
        if (mode === "text") out.push(line);
        break;
      case "delimiter":
        mode = "signature";
        break;
      case "signature":
        if (keepSignatures) {
          if (mode === "quote" || mode === "after-attribution") mode = "text";
          out.push(line);
        } else mode = "signature";
        break;
      case "text":
        if (mode === "after-attribution") {
          // Unquoted text right under an attribution is the old message itself (Outlook style).
          mode = "history";
        } else if (mode === "quote") {
          const next = info.slice(i + 1, i + 4).find((l) => l.kind !== "blank");
          if (!(isLinkDebris(line) && next?.kind === "quoted")) {
            mode = "text";
            out.push(keep ?? line);
          }
        } else if (mode === "text" || (mode === "signature" && keepSignatures)) {
          out.push(keep ?? line);
        }
        break;
      default: {
        const never: never = kind;
        throw new Error(`unknown line kind ${String(never)}`);
      }
    }
  }
  return out;
}

export function extractNewText(text: string): string {
  const lines = text.split(/\r\n|\r|\n/);
  const info = classifyLines(lines);
  const reply = render(walk(lines, info, false));
  if (reply !== "") return reply;
  // Never lose what the person wrote: a signature alone is the new text...
  const withSignature = render(walk(lines, info, true));
  if (withSignature !== "") return withSignature;
  // ...and so is unquoted text that only stood under history markers...
  const unquoted = render(
    lines
      .map((line, i) => info[i]?.keep ?? line)
      .filter((_, i) => info[i]?.kind === "text" || info[i]?.kind === "signature"),
  );
  if (unquoted !== "") return unquoted;
  // ...and a message that is all quote (an HTML reply written inside its <blockquote>).
  return render(lines.filter((_, i) => info[i]?.kind === "quoted").map(unquote));
}
