/**
 * Lines that start a signature: the "-- " delimiter (RFC 3676), a "-Name" sign-off, a mailing
 * list's underscore footer rule, and the lines mobile and desktop clients add ("Sent from my
 * iPhone", "Get Outlook for iOS<https://aka.ms/…>", "Von meinem iPhone gesendet", …).
 *
 * Contract: pure predicates over one line (already trimmed at the end). A client line is
 * short and has no sentence punctuation, so "Sent from my desk, is much easier then my
 * mobile phone." is prose, not a signature. Lines above MAX_SIGNATURE_LINE characters are
 * never signatures, which bounds the work.
 */

const MAX_SIGNATURE_LINE = 160;

/** The delimiter itself: "--" or "-- " alone on a line. */
const DELIMITER = /^\s*--\s*$/;

/** "-Abhishek Kona", "--Jane", "-- Jane Doe": a dash sign-off with a name (no list bullet "- x"). */
const DASH_NAME = /^\s*(?:-\p{L}|--\s?\p{L})[\p{L}\p{M}.'’ -]{0,40}$/u;

/** A device or app name after "Sent from my": at most five words (a sentence is longer). */
const WORD = "[\\p{L}\\p{N}®™©'’&()+_.,/-]{1,30}";
const DEVICE = `${WORD}(?: ${WORD}){0,4}`;
/** Trailing link some clients add: "Get Outlook for iOS<https://aka.ms/o0ukef>". */
const LINK = "(?:\\s*[<\\[(]https?:\\/\\/[^\\s>\\])]{1,200}[>\\])])?";

const CLIENT_LINES = [
  // en
  `Sent from my ${DEVICE}`,
  `Sent from (?:Mail|Outlook|Yahoo Mail|Yahoo|Gmail|Proton ?Mail|AOL|Samsung|BlackBerry|iPhone|iPad|Android|Spark|Sparrow|Mailbird|Edison|Blue ?Mail|myMail|Yandex|Airmail|Newton|Superhuman|HEY|Zoho Mail|my mobile|Windows Mail|Mail for Windows|Acompli|Mailbox|Boxer|Nine|TypeApp|Canary|Polymail|Front|Missive|Fastmail|Thunderbird)(?: ${DEVICE})?`,
  `Sent (?:with|via|using) (?:Sparrow|Proton ?Mail|Spark|Airmail|Newton|Mailbird|BlackBerry|Superhuman|Tutanota|Blue ?Mail)(?: ${DEVICE})?`,
  "Sent from (?:a|an) (?:mobile|iPhone|Android|Samsung)[\\p{L} ]{0,30}",
  "(?:Get|Download) Outlook for (?:iOS|Android|Mac|Windows)",
  // de
  `Von meinem ${DEVICE} gesendet`,
  `Gesendet (?:von|mit|vom|aus) (?:meinem |der |dem )?${DEVICE}`,
  "Outlook für (?:iOS|Android) beziehen",
  // fr
  `Envoy[ée] (?:de|depuis|à partir de) (?:mon |ma |l'|l’)?${DEVICE}`,
  "Obtenir Outlook pour (?:iOS|Android)",
  // es
  `Enviado (?:desde|con) (?:mi )?${DEVICE}`,
  "Obtener Outlook para (?:iOS|Android)",
  // it
  `Inviato (?:da|dal mio|dalla mia|con) ${DEVICE}`,
  "Scarica Outlook per (?:iOS|Android)",
  // nl
  `(?:Verzonden|Verstuurd) (?:vanaf|met|vanuit|via) (?:mijn )?${DEVICE}`,
  "Outlook voor (?:iOS|Android) downloaden",
  // da, no, sv
  `Sendt fra (?:min |mit )?${DEVICE}`,
  `Skickat från (?:min )?${DEVICE}`,
  `Skickades från (?:min )?${DEVICE}`,
  "(?:Hent|Få) Outlook (?:til|for) (?:iOS|Android)",
  "Hämta Outlook för (?:iOS|Android)",
  // pl
  `Wys[łl]ane (?:z|ze) (?:mojego |mojej )?${DEVICE}`,
  `Wys[łl]ano (?:z|ze) (?:mojego |mojej )?${DEVICE}`,
  "Pobierz (?:aplikację )?Outlook dla (?:systemu )?(?:iOS|Android)",
  // pt
  `Enviado do (?:meu )?${DEVICE}`,
  `Enviada do (?:meu |minha )?${DEVICE}`,
  "Obter o Outlook para (?:iOS|Android)",
  // ru
  `Отправлено (?:с|со|из) ${DEVICE}`,
  "Получить Outlook для (?:iOS|Android)",
  // ja
  `${DEVICE}から送信`,
  "Outlook for (?:iOS|Android) を入手",
  // vi
  `(?:Được )?[Gg]ửi từ ${DEVICE}`,
  // zh
  `(?:发自|發自|来自|來自)(?:我的)?\\s?${DEVICE}`,
  `(?:从|從)我的\\s?${DEVICE}\\s?(?:发送|傳送|寄出)`,
  "获取 Outlook for (?:iOS|Android)",
  // fi, cs, tr
  `Lähetetty ${DEVICE}`,
  `Odesláno z ${DEVICE}`,
  `${DEVICE}(?:'|’)(?:umdan|imden|dan|den) gönderildi`,
];

const CLIENT_SIGNATURE = new RegExp(`^\\s*(?:${CLIENT_LINES.join("|")})\\.?${LINK}\\s*$`, "iu");

/** The "-- " delimiter alone on its line. */
export const isDelimiter = (line: string): boolean => line.length <= 8 && DELIMITER.test(line);

/** A "Sent from my iPhone" style line. */
export const isClientSignature = (line: string): boolean =>
  line.length <= MAX_SIGNATURE_LINE && CLIENT_SIGNATURE.test(line);

/** A "-Name" or "-- Name" sign-off line (callers check what follows it). */
export const isDashName = (line: string): boolean => line.length <= 48 && DASH_NAME.test(line);
