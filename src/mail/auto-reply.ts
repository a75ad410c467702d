/**
 * Was this message written by a machine on someone's behalf (out-of-office, autoresponder,
 * mailing-list traffic, read receipt) rather than by the person?
 *
 * Contract: detectAutoReply(parsed) returns a short reason string or null, never throws.
 * It is asked only after bounces and complaints are ruled out (DSNs often carry
 * Auto-Submitted too). Headers are checked before the subject because they are what
 * RFC 3834 and the big mail systems actually set; subjects cover the autoresponders that
 * set nothing, in the languages rapport's customers write in. Last comes the body: an
 * out-of-office that sets no header and keeps the "Re:" subject is known by its opening
 * sentence, a first-person statement of absence with its end ("I am out of the office
 * until ...") in the languages the subject check knows, at the start of a short text.
 */
import type { ParsedInbound } from "./parse-inbound.js";

/**
 * Out-of-office / automatic-reply subject openings, several languages. These phrases say
 * "automatic" or "out of office" outright, so seeing one at the start is enough.
 */
const AUTO_SUBJECT_PHRASES = [
  // English
  "out of (?:the )?office",
  "automatic reply",
  "auto(?:matic)?[- ]?(?:reply|response|responder|answer)",
  "autoreply",
  "autoresponse",
  "auto:",
  "away from (?:the |my )?office",
  "vacation (?:reply|notice|message|auto)",
  "holiday (?:reply|notice)",
  "i(?: am|'m) (?:currently )?(?:out of (?:the )?office|away from)",
  // German
  "abwesenheitsnotiz",
  "automatische antwort",
  "autom\\. antwort",
  "au(?:ß|ss)er haus",
  "nicht im büro",
  "urlaubsbenachrichtigung",
  // French
  "absence du bureau",
  "absent(?:e)? du bureau",
  "réponse automatique",
  "reponse automatique",
  "message d'absence",
  // Spanish
  "respuesta automática",
  "respuesta automatica",
  "fuera de (?:la )?oficina",
  "respuesta de ausencia",
  // Dutch
  "automatisch antwoord",
  "afwezigheidsbericht",
  "niet aanwezig",
  "buiten kantoor",
  // Italian
  "risposta automatica",
  "fuori sede",
  "fuori ufficio",
  // Portuguese
  "resposta automática",
  "resposta automatica",
  "fora do escritório",
  // Swedish, Danish, Norwegian
  "autosvar",
  "automatiskt svar",
  "automatisk svar",
  "frånvaromeddelande",
  "inte på kontoret",
  "ikke på kontoret",
  "ikke til stede",
  // Finnish
  "automaattinen vastaus",
  "poissa toimistolta",
  // Polish, Czech
  "odpowiedź automatyczna",
  "automatyczna odpowiedź",
  "poza biurem",
  "automatická odpověď",
  "mimo kancelář",
  // Turkish, Russian, Japanese, Chinese
  "otomatik yanıt",
  "ofis dışında",
  "автоматический ответ",
  "автоответ",
  "вне офиса",
  "自動応答",
  "自動返信",
  "自动回复",
  "自動回覆",
];

/**
 * Single words ("Absent", "Ausente", "Afwezig") and loose phrases ("On vacation") are also what a
 * person might open a subject with, so they count only as the whole subject or followed by a
 * separator or an "until" (as in "Abwesend bis 3. Mai").
 */
const AUTO_SUBJECT_WORDS = [
  "absent(?:e)?",
  "absence",
  "abwesend",
  "ausente",
  "assente",
  "afwezig",
  "frånvarande",
  "frånvaro",
  "fraværende",
  "fravær",
  "poissa",
  "lomalla",
  "nieobecność",
  "nieobecny",
  "нет на месте",
  "不在",
  "ooo",
  "on vacation",
  "on holiday",
  "on leave",
  "away",
];
const UNTIL = "until|till|bis|jusqu|hasta|tot|fino|até|t\\.o\\.m|från|fra|do|до";

// Anchored at the start (after an optional bracket) so that a reply like
// "Re: when will you be out of office?" is not taken for an autoresponder.
const AUTO_SUBJECT = new RegExp(`^\\s*(?:[[(]\\s*)?(?:${AUTO_SUBJECT_PHRASES.join("|")})`, "iu");
const AUTO_SUBJECT_WORD = new RegExp(
  `^\\s*(?:[[(]\\s*)?(?:${AUTO_SUBJECT_WORDS.join("|")})\\s*(?:$|[:\\-–—(\\[!.,]|(?:${UNTIL})(?!\\p{L}))`,
  "iu",
);

/**
 * Opening sentences of out-of-office texts: the person is away (out of the office, on
 * holiday, on leave) and says until when or when they return. First person and the end of
 * the absence both matter: "I was away last week" or "my husband is on holiday" are a
 * person writing, and the phrase must open the text (see bodyOutOfOffice).
 */
const OOO_BODY = [
  // English
  "(?:i am|i'm|i will be|i'll be) (?:currently |now )?(?:out of (?:the )?office|away(?: from (?:the |my )?(?:office|desk|email))?|on (?:annual |parental |sick |maternity |paternity )?(?:leave|holiday|holidays|vacation))\\b[^\\n]{0,120}?\\b(?:until|till|through|returning|return|back)\\b",
  "(?:thank you|thanks) for your (?:e-?mail|message)[.!,]?\\s{0,3}(?:i am|i'm|i will be) (?:currently )?(?:out of (?:the )?office|away|on (?:leave|holiday|vacation))",
  // German
  "ich bin (?:derzeit |zurzeit |momentan |vom [^\\n]{1,40} )?(?:bis (?:zum |einschließlich )?[^\\n]{1,40} )?(?:nicht im büro|nicht erreichbar|abwesend|außer haus|im urlaub|in urlaub)",
  "(?:vielen dank|danke) für ihre (?:e-?mail|nachricht)[.!,]?\\s{0,3}ich bin [^\\n]{0,60}(?:abwesend|nicht im büro|im urlaub)",
  // French
  "je (?:suis|serai) (?:actuellement |absente? |en congés? |en vacances |hors du bureau |absente? du bureau )[^\\n]{0,80}?(?:jusqu|au |retour|à partir)",
  // Spanish
  "(?:estoy|estaré|me encuentro) (?:fuera de (?:la )?oficina|de vacaciones|ausente)[^\\n]{0,80}?(?:hasta|regres|volver|del )",
  // Italian
  "(?:sono|sarò) (?:fuori (?:ufficio|sede)|in ferie|assente|in vacanza)[^\\n]{0,80}?(?:fino|al |rientr|dal )",
  // Dutch
  "ik ben (?:momenteel |tot en met [^\\n]{1,40} |tot [^\\n]{1,40} )?(?:afwezig|niet op kantoor|met vakantie|op vakantie|niet aanwezig)",
  // Portuguese
  "(?:estou|estarei) (?:fora do escritório|de férias|ausente)[^\\n]{0,80}?(?:até|retorn|volt)",
  // Swedish, Danish, Norwegian
  "jag är (?:på semester|ledig|tjänstledig|föräldraledig|inte på kontoret|borta|frånvarande)[^\\n]{0,80}?(?:till|t\\.o\\.m|tillbaka|från)",
  "jeg er (?:på ferie|ikke på kontoret|fraværende|borte|på barsel)[^\\n]{0,80}?(?:til|indtil|tilbake|tilbage|fra)",
  // Polish
  "(?:jestem|będę) (?:poza biurem|na urlopie|nieobecn[ya])[^\\n]{0,80}?(?:do |od |powr)",
  // Finnish
  "olen (?:lomalla|poissa toimistolta|poissa)[^\\n]{0,80}?(?:asti|saakka|palaan)",
  // Russian
  "(?:я (?:нахожусь )?в отпуске|меня нет в офисе|я вне офиса|я буду отсутствовать)[^\\n]{0,80}?(?:до |по |с |вернусь)",
  // Japanese, Chinese
  "不在にしております",
  "休暇をいただいております",
  "休暇中のため",
  "不在のため",
  "我(?:正在|目前)?(?:休假|不在办公室)",
];
// At the start: after at most two short lines (a greeting, "Thank you for your email.") and a
// few words on its own line ("Hello, ", "大変恐縮ですが、").
const OOO_OPENING = new RegExp(`^(?:[^\\n]{0,60}\\n){0,2}[^\\n]{0,40}?(?:${OOO_BODY.join("|")})`, "iu");
/** An out-of-office text is short; a long text that opens this way is a person writing more. */
const OOO_MAX_CHARS = 1500;

function bodyOutOfOffice(newText: string): boolean {
  const text = newText.trim();
  if (text === "" || text.length > OOO_MAX_CHARS) return false;
  return OOO_OPENING.test(text.slice(0, 600));
}

const NO_REPLY_LOCAL =
  /^(?:no[-_.]?reply|do[-_.]?not[-_.]?reply|donotreply|noreply[-_.].*|.*[-_.]noreply|auto[-_.]?(?:reply|responder|confirm))$/i;

function header(parsed: ParsedInbound, name: string): string | undefined {
  return parsed.headers[name]?.[0];
}

/** `newText` is the message's new text (see reply-text.ts), for the body rule. */
export function detectAutoReply(parsed: ParsedInbound, newText?: () => string): string | null {
  const autoSubmitted = header(parsed, "auto-submitted");
  if (autoSubmitted !== undefined && !/^\s*no\b/i.test(autoSubmitted) && autoSubmitted.trim() !== "") {
    return `Auto-Submitted: ${autoSubmitted.trim()}`;
  }
  for (const name of [
    "x-autoreply",
    "x-autorespond",
    "x-autoresponder",
    "x-autoreply-from",
    "x-mail-autoreply",
  ]) {
    const v = header(parsed, name);
    if (v !== undefined && !/^\s*(?:no|false|0)\s*$/i.test(v)) return `${name}: ${v.trim()}`.slice(0, 80);
  }
  const suppress = header(parsed, "x-auto-response-suppress");
  if (suppress !== undefined && /\b(?:oof|autoreply)\b/i.test(suppress)) {
    return `X-Auto-Response-Suppress: ${suppress.trim()}`;
  }
  const autogenerated = header(parsed, "x-autogenerated");
  if (autogenerated !== undefined && /reply/i.test(autogenerated))
    return `X-Autogenerated: ${autogenerated.trim()}`;
  if (/autoresponder/i.test(header(parsed, "x-post-messageclass") ?? ""))
    return "X-POST-MessageClass: Autoresponder";
  if (/^\s*true\s*$/i.test(header(parsed, "x-fc-machinegenerated") ?? ""))
    return "X-FC-MachineGenerated: true";
  for (const name of ["precedence", "x-precedence"]) {
    const v = header(parsed, name);
    if (v !== undefined && /\b(?:auto[_-]reply|bulk|junk|list)\b/i.test(v)) {
      return `${name === "precedence" ? "Precedence" : "X-Precedence"}: ${v.trim()}`;
    }
  }
  if (header(parsed, "list-id") !== undefined) return "List-Id header (mailing list)";
  if (header(parsed, "list-unsubscribe") !== undefined) return "List-Unsubscribe header (bulk mail)";

  const type = parsed.contentType;
  if (type.type === "multipart/report") {
    // A DSN that reports success, a read receipt (RFC 8098), or another report type.
    return `multipart/report; report-type=${type.params["report-type"] ?? "unknown"}`;
  }
  if (AUTO_SUBJECT.test(parsed.subject) || AUTO_SUBJECT_WORD.test(parsed.subject))
    return `out-of-office subject "${parsed.subject.slice(0, 60)}"`;

  if (/"notificationType"\s*:\s*"Delivery"/.test(parsed.text)) return "Amazon SES delivery notification";
  // RFC 3834 asks responders to send with the null sender; people's mail never has one.
  if (parsed.returnPath === "") return 'null Return-Path "<>"';
  const local = parsed.from?.address.split("@")[0] ?? "";
  if (NO_REPLY_LOCAL.test(local)) return `no-reply sender ${parsed.from?.address ?? ""}`;
  if (newText && bodyOutOfOffice(newText())) return "out-of-office text (no automatic-reply headers)";
  return null;
}
