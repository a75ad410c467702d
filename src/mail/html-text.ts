/**
 * HTML body -> readable plain text, for messages that carry no text/plain part.
 *
 * Contract: htmlToText(html) is pure, never throws and keeps paragraph structure (block
 * elements and <br> become line breaks, blockquotes become "> " lines so quoted history is
 * still recognisable to reply-text.ts). mailparser converts HTML only for a top-level HTML
 * body; an HTML part inside multipart/mixed would otherwise give no text at all. Kept small
 * on purpose: a reply's text is short, and no dependency beyond mailparser is needed.
 */

const ENTITIES: Record<string, string> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
  nbsp: " ",
  ndash: "–",
  mdash: "—",
  hellip: "…",
  laquo: "«",
  raquo: "»",
  euro: "€",
  copy: "©",
  reg: "®",
  auml: "ä",
  ouml: "ö",
  uuml: "ü",
  Auml: "Ä",
  Ouml: "Ö",
  Uuml: "Ü",
  szlig: "ß",
  eacute: "é",
  egrave: "è",
  agrave: "à",
  ccedil: "ç",
};

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
    if (name.startsWith("#")) {
      const code =
        name[1] === "x" || name[1] === "X" ? Number.parseInt(name.slice(2), 16) : Number(name.slice(1));
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[name] ?? whole;
  });
}

export function htmlToText(html: string): string {
  let s = html
    .replace(/<!--[\s\S]*?-->/g, "")
    .replace(/<(script|style|head|title)\b[\s\S]*?<\/\1\s*>/gi, "")
    .replace(/\s+/g, " ");
  // Mark blockquotes (private-use characters) before tags go, then prefix their lines with "> ".
  s = s.replace(/<blockquote\b[^>]*>/gi, "\n\uE000").replace(/<\/blockquote\s*>/gi, "\uE001\n");
  s = s
    .replace(/<br\s*\/?>/gi, "\n")
    .replace(/<\/(p|div|h[1-6]|li|tr|table|ul|ol|pre|section|article|header|footer)\s*>/gi, "\n")
    .replace(/<(p|div|h[1-6]|tr|table|ul|ol|pre|section|article|header|footer)\b[^>]*>/gi, "\n")
    .replace(/<li\b[^>]*>/gi, "\n- ")
    .replace(/<hr\b[^>]*>/gi, "\n----------\n")
    .replace(/<[^>]*>/g, "");
  let depth = 0;
  const lines: string[] = [];
  for (const rawLine of decodeEntities(s).split("\n")) {
    let line = rawLine;
    const opens = (line.match(/\uE000/g) ?? []).length;
    const closes = (line.match(/\uE001/g) ?? []).length;
    depth += opens;
    line = line.replace(/[\uE000\uE001]/g, "").trim();
    lines.push(depth > 0 && line ? `${"> ".repeat(depth)}${line}` : line);
    depth = Math.max(0, depth - closes);
  }
  return lines
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}
