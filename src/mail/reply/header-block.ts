/**
 * Separators and header blocks that mail programs put above quoted or forwarded mail:
 * "-----Original Message-----", "---------- Forwarded message ---------", "Begin forwarded
 * message:", and Outlook's "From: / Sent: / To: / Subject:" block (or one that starts with
 * Date:), in the languages rapport's customers write in.
 *
 * Contract: pure functions over lines already split; each looks at a bounded number of lines
 * and a bounded prefix of each (MAX_FIELD_PROBE), so the work per line is bounded.
 */

import { hasAddress } from "./attribution.js";

/** Only this much of a line is looked at for a header field name. */
const MAX_FIELD_PROBE = 200;
/** A header block is this many lines at most (fields, wrapped values and single blank lines). */
const MAX_BLOCK_LINES = 10;

const ORIGINAL_WORDS =
  "Original Message|Reply Message|Antwort Nachricht|Original message|Ursprüngliche Nachricht|Originalnachricht|Message d'origine|Message original|Mensaje original|Messaggio originale|Mensagem original|Mensagem Original|Oorspronkelijk bericht|Origineel bericht|Oprindelig meddelelse|Original meddelelse|Opprinnelig melding|Originalmelding|Ursprungligt meddelande|Originalmeddelande|Alkuperäinen viesti|Wiadomość oryginalna|Oryginalna wiadomość|Původní zpráva|Исходное сообщение|Исходное письмо|Оригинальное сообщение|元のメッセージ|原始邮件|原始郵件|邮件原件|Thư gốc|Tin nhắn gốc|Orijinal mesaj|Eredeti üzenet";

/** "-----Original Message-----" and its translations, between dashes (or = / _ / *). */
const ORIGINAL_SEPARATOR = new RegExp(`^\\s*[-=_*]{2,}\\s*(?:${ORIGINAL_WORDS})\\s*[-=_*]{2,}\\s*$`, "iu");

const FORWARD_WORDS =
  "Forwarded message|Weitergeleitete Nachricht|Message transféré|Mensaje reenviado|Messaggio inoltrato|Mensagem encaminhada|Mensagem reencaminhada|Doorgestuurd bericht|Videresendt meddelelse|Videresendt besked|Videresendt melding|Vidarebefordrat meddelande|Vidarebefordrat mejl|Przekazana wiadomość|Wiadomość przekazana|Пересылаемое сообщение|Пересланное сообщение|転送メッセージ|转发的邮件|轉寄的郵件|转发邮件|Thư được chuyển tiếp|Tin nhắn đã chuyển tiếp|Välitetty viesti|Přeposlaná zpráva|İletilen ileti";

const FORWARD_SEPARATOR = new RegExp(`^\\s*[-=_*]{2,}\\s*(?:${FORWARD_WORDS})\\s*[-=_*]{2,}\\s*$`, "iu");
const FORWARD_INTRO =
  /^\s*(?:Begin forwarded message|Anfang der weitergeleiteten Nachricht|Début du message (?:réexpédié|transféré)|Inicio del mensaje reenviado|Inizio messaggio inoltrato|Begin doorgestuurd bericht|Início da mensagem reencaminhada|Início da mensagem encaminhada|Начало переадресованного сообщения|Videresendt meddelelse|Vidarebefordrat meddelande|転送されたメッセージ)\s*[:：]?\s*$/iu;

/** A separator line (dashes, underscores, equals) that clients put above a header block. */
const RULE = /^\s*[-_=*~\u2014\u2015\u2500]{5,}\s*$/u;
const UNDERSCORE_RULE = /^\s*_{2,}\s*$/;

export type FieldKind = "from" | "sent" | "date" | "to" | "subject";

/**
 * Field names per kind. en, de, fr, es, it, nl, da, no, sv, pl, pt, ru, ja, vi, zh, plus fi,
 * cs, tr, hu, ko (Outlook and webmail translate them).
 */
const FIELD_NAMES: [FieldKind, string][] = [
  [
    "from",
    "From|Von|De|Van|Da|Från|Fra|Od|Від|От|Lähettäjä|Kimden|Feladó|Afzender|Remitente|差出人|送信者|发件人|發件人|寄件者|寄件人|Từ|보낸 사람",
  ],
  [
    "sent",
    "Sent|Gesendet|Envoyé|Envoyé le|Enviado|Enviado el|Enviada em|Enviado em|Verzonden|Verstuurd|Inviato|Skickat|Sendt|Wysłano|Wysłane|Отправлено|Надіслано|Lähetetty|Odesláno|Gönderildi|Elküldve|送信日時|发送时间|發送時間|傳送時間|寄件日期|Đã gửi|Ngày gửi|보낸 날짜",
  ],
  ["date", "Date|Datum|Fecha|Data|Dato|Дата|Päivämäärä|Tarih|Dátum|日付|日期|时间|時間|Ngày|날짜"],
  [
    "to",
    "To|Reply-To|An|À|A|Para|Aan|Till|Til|Do|Кому|Vastaanottaja|Komu|Kime|Címzett|宛先|收件人|收件者|Đến|받는 사람|Cc|Kopie|Cci|Kopia|Копия|Kopio|抄送|副本|CC",
  ],
  [
    "subject",
    "Subject|Betreff|Objet|Asunto|Oggetto|Assunto|Onderwerp|Ämne|Emne|Temat|Тема|Aihe|Předmět|Konu|Tárgy|件名|主题|主旨|主題|Chủ đề|Tiêu đề|제목",
  ],
];

/** "From: x", "*From:* x", "**From:** x", "De : x" (French puts a space before the colon). */
const FIELD_PATTERNS: [FieldKind, RegExp][] = FIELD_NAMES.map(([kind, names]) => [
  kind,
  new RegExp(`^\\s*[*_]{0,2}(?:${names})[*_]{0,2}\\s*[:：]`, "iu"),
]);

/** Which header field a line starts with, if any. */
export function fieldKind(line: string): FieldKind | null {
  const probe = line.length > MAX_FIELD_PROBE ? line.slice(0, MAX_FIELD_PROBE) : line;
  const colon = probe.search(/[:：]/);
  if (colon === -1 || colon > 40) return null;
  for (const [kind, re] of FIELD_PATTERNS) if (re.test(probe)) return kind;
  return null;
}

export const isOriginalSeparator = (line: string): boolean =>
  line.length <= MAX_FIELD_PROBE && ORIGINAL_SEPARATOR.test(line);

export const isForwardSeparator = (line: string): boolean =>
  line.length <= MAX_FIELD_PROBE && (FORWARD_SEPARATOR.test(line) || FORWARD_INTRO.test(line));

export const isRule = (line: string): boolean => line.length <= MAX_FIELD_PROBE && RULE.test(line);

export const isUnderscoreRule = (line: string): boolean =>
  line.length <= MAX_FIELD_PROBE && UNDERSCORE_RULE.test(line);

/** Field names in the middle of a line: "Date: … From: … To: … Subject: …" on one line. */
const INLINE_FIELDS: [FieldKind, RegExp][] = FIELD_NAMES.map(([kind, names]) => [
  kind,
  new RegExp(`\\s[*_]{0,2}(?:${names})[*_]{0,2}\\s?[:：]\\s`, "u"),
]);

/** Enough fields to be a header block: the sender and one more, or a date with a recipient or subject. */
function isBlock(kinds: Set<FieldKind>): boolean {
  if (kinds.size < 2) return false;
  return kinds.has("from") || kinds.has("sent") || kinds.has("date");
}

/**
 * If a header block starts at lines[start], the index of its last line; else -1.
 * A block is consecutive field lines (a value may wrap onto one more line, single blank
 * lines between fields are allowed) naming at least two fields, one of them the sender,
 * the sending time or the date: From/Sent/To/Subject in any order, Date-first blocks, and
 * blocks a client ran together on one line. A lone "From: <address>" line at the start of
 * a paragraph counts too (talon's "From: somebody@example.com" above a quote).
 */
export function headerBlockEnd(
  lines: readonly string[],
  start: number,
  paragraphStart = false,
  kindOf: (i: number) => FieldKind | null = (i) => fieldKind(lines[i] ?? ""),
): number {
  const first = lines[start] ?? "";
  const firstKind = kindOf(start);
  if (firstKind === null) return -1;
  const kinds = new Set<FieldKind>([firstKind]);
  const probe = first.length > 300 ? first.slice(0, 300) : first;
  for (const [kind, re] of INLINE_FIELDS) if (re.test(probe)) kinds.add(kind);
  if (kinds.size >= 3 && isBlock(kinds)) return start;

  let last = start;
  let wrapped = 0;
  for (let i = start + 1; i < lines.length && i < start + MAX_BLOCK_LINES; i++) {
    const line = lines[i] ?? "";
    const kind = kindOf(i);
    if (kind !== null) {
      kinds.add(kind);
      last = i;
      continue;
    }
    if (line.trim() === "") {
      if (kindOf(i + 1) === null) break;
      continue;
    }
    // A long value (a list of recipients, a two-line subject) wraps onto the next line.
    if (++wrapped > 2 || i !== last + 1) break;
  }
  if (isBlock(kinds)) return last;
  if (paragraphStart && last === start && firstKind === "from" && hasAddress(probe)) return start;
  return -1;
}
