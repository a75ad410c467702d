/**
 * The new text of a reply, without the quoted history, signature or "Sent from my iPhone".
 *
 * Contract: extractNewText(text) is pure and never throws. It returns the trimmed text the
 * person wrote in this message. Quoted history is recognised by ">" prefixes, by attribution
 * lines ("On <date>, <name> wrote:" and its German, French, Spanish, Dutch, Italian,
 * Portuguese, Scandinavian and Polish forms, including ones a client wrapped over several
 * lines), and by Outlook's separators ("-----Original Message-----", a line of underscores
 * or a "From:/Sent:" block). For bottom-posted and inline replies (the new text sits below
 * or between the quotes) the unquoted lines after the attribution are kept instead. The
 * result is empty only when the message had no unquoted text at all: if stripping the
 * signature would leave nothing, the signature is kept.
 *
 * Why not a library: `email-reply-parser` (npm) covers the English Gmail/Outlook cases but is
 * not installed here; this file does the same job for the languages rapport sees and can
 * be swapped for it later.
 */

/** Attribution lines, tested against one line or up to four lines joined (clients wrap them). */
const ATTRIBUTION = [
  /^\s*On\b.{0,400}\bwrote\s*:?\s*$/i,
  /^\s*Am\b.{0,400}\bschrieb\b.{0,300}:\s*$/i,
  /^\s*Le\b.{0,400}\ba\s+écrit\s*:\s*$/i,
  /^\s*El\b.{0,400}\bescribió\s*:\s*$/i,
  /^\s*Op\b.{0,400}\bschreef\b.{0,300}:\s*$/i,
  /^\s*Il\b.{0,400}\bha\s+scritto\s*:\s*$/i,
  /^\s*(?:Em|No dia)\b.{0,400}\bescreveu\s*:\s*$/i,
  /^\s*(?:Den|På|Tor|Man|Tis|Ons|Fre|Lør|Søn)\b.{0,400}\bskrev\b.{0,300}:\s*$/i,
  /^\s*W dniu\b.{0,400}\bnapisał(?:a|\(a\))?\s*:\s*$/i,
  // "John Doe <john@example.com> wrote:" with no date in front (older Apple Mail, Thunderbird).
  /^.{0,200}[\w.+-]+@[\w-]+(?:\.[\w-]+)+.{0,20}\s(?:wrote|schrieb|a écrit|escribió|schreef|ha scritto|escreveu|skrev|napisał)\s*:\s*$/i,
];

const ORIGINAL_MESSAGE =
  /^\s*-{2,}\s*(?:Original Message|Ursprüngliche Nachricht|Originalnachricht|Message d'origine|Mensaje original|Oorspronkelijk bericht|Messaggio originale|Mensagem original|Ursprungligt meddelande|Original meddelelse|Opprinnelig melding|Alkuperäinen viesti|Wiadomość oryginalna|Původní zpráva|Исходное сообщение)\s*-{2,}\s*$/i;
const FORWARDED =
  /^\s*(?:-{3,}\s*(?:Forwarded message|Weitergeleitete Nachricht|Message transféré|Mensaje reenviado|Doorgestuurd bericht|Messaggio inoltrato)\s*-{3,}|Begin forwarded message:|Anfang der weitergeleiteten Nachricht:|Début du message réexpédié :)/i;
const UNDERSCORES = /^\s*_{10,}\s*$/;
const FROM_FIELD = /^\s*\*?(?:From|Von|De|Van|Da|Från|Fra|Od|От|Lähettäjä)\s*:\*?\s*\S/i;
const NEXT_FIELD =
  /^\s*\*?(?:Sent|Date|Gesendet|Datum|Envoyé|Enviado|Verzonden|Inviato|Skickat|Sendt|Wysłano|Отправлено|Lähetetty|To|An|À|Para|Aan|A|Till|Til|Do|Кому|Subject|Betreff|Objet|Asunto|Onderwerp|Oggetto|Assunto|Ämne|Emne|Temat|Тема)\s*:/i;

const SIGNATURE = /^-- ?$/;
const MOBILE_SIGNATURE =
  /^\s*(?:Sent from my .{1,40}|Sent from (?:Mail|Outlook|Yahoo Mail|Gmail|Proton Mail|ProtonMail)\b.{0,40}|Sent via .{1,40}|Get Outlook for (?:iOS|Android)|Von meinem .{1,40} gesendet|Gesendet von meinem .{1,40}|Gesendet mit .{1,40}|Envoyé de mon .{1,40}|Envoyé depuis mon .{1,40}|Enviado desde mi .{1,40}|Enviado do meu .{1,40}|Verzonden (?:vanaf|met) mijn .{1,40}|Inviato da(?:l mio)? .{1,40}|Skickat från min .{1,40}|Sendt fra min .{1,40}|Wysłane z mojego .{1,40}|Отправлено с моего .{1,40})\s*$/i;

const isQuoted = (line: string): boolean => /^\s*>/.test(line);

/** Index of the line where quoted history starts, and how many lines its header spans. */
function historyStart(lines: string[]): { index: number; span: number } | null {
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    if (isQuoted(line)) continue;
    if (ORIGINAL_MESSAGE.test(line) || FORWARDED.test(line)) return { index: i, span: 1 };
    if (UNDERSCORES.test(line) && lines.slice(i + 1, i + 4).some((l) => FROM_FIELD.test(l))) {
      return { index: i, span: 1 };
    }
    if (FROM_FIELD.test(line) && lines.slice(i + 1, i + 5).some((l) => NEXT_FIELD.test(l))) {
      return { index: i, span: 1 };
    }
    let joined = "";
    for (let k = 0; k < 4 && i + k < lines.length; k++) {
      const next = lines[i + k] ?? "";
      if (k > 0 && (next.trim() === "" || isQuoted(next))) break;
      joined = k === 0 ? next : `${joined} ${next.trim()}`;
      if (ATTRIBUTION.some((re) => re.test(joined))) return { index: i, span: k + 1 };
    }
  }
  return null;
}

/** Cut at the signature delimiter or a "Sent from my ..." line. */
function cutSignature(lines: string[]): string[] {
  const idx = lines.findIndex((l) => SIGNATURE.test(l) || MOBILE_SIGNATURE.test(l));
  return idx === -1 ? lines : lines.slice(0, idx);
}

function clean(lines: string[]): string {
  return lines
    .filter((l) => !isQuoted(l))
    .join("\n")
    .replace(/[ \t]+$/gm, "")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

export function extractNewText(text: string): string {
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  const start = historyStart(lines);
  let body: string[];
  if (start === null) {
    body = lines;
  } else {
    const before = lines.slice(0, start.index);
    if (clean(before) !== "") {
      body = before;
    } else {
      // Bottom-posted or inline reply: the person wrote below or between the ">" quotes.
      // When the history after the attribution carries no ">" marks (Outlook style), all
      // of it is old text and there is nothing new to keep.
      const after = lines.slice(start.index + start.span);
      const nested = historyStart(after);
      body = !after.some(isQuoted) ? [] : nested ? after.slice(0, nested.index) : after;
    }
  }
  const withoutSignature = clean(cutSignature(body));
  if (withoutSignature !== "") return withoutSignature;
  // Never lose what the person wrote: if only a signature was left, it is the new text.
  return clean(body.filter((l) => !SIGNATURE.test(l)));
}
