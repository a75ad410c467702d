/**
 * What an incoming text asks for, when it is one of the words operators and regulators
 * reserve (CTIA / the UK's PhonepayPlus / the French "STOP au 36179"): stop every text,
 * start again, or help. Anything else is a reply, for the customer's flows.
 *
 *   smsKeyword(text) → "stop" | "start" | "help" | null
 *
 * The whole message must be the keyword (case, accents, surrounding spaces and a final
 * full stop or exclamation mark aside): "stop" is a request, "please don't stop sending
 * these" is a reply. Several languages, because a customer texts in their own and a
 * carrier may pass any of them on.
 */

export type SmsKeyword = "stop" | "start" | "help";

const KEYWORDS: Record<SmsKeyword, readonly string[]> = {
  stop: [
    "stop",
    "stopall",
    "stop all",
    "unsubscribe",
    "cancel",
    "end",
    "quit",
    "optout",
    "opt out",
    "revoke",
    // German, Scandinavian, Dutch, French, Spanish, Italian, Portuguese
    "stopp",
    "abmelden",
    "afmelden",
    "arret",
    "arreter",
    "desabonner",
    "baja",
    "cancelar",
    "alto",
    "basta",
    "annulla",
    "parar",
    "sair",
  ],
  start: ["start", "unstop", "subscribe", "yes start", "resume", "demarrer", "anmelden", "alta"],
  help: ["help", "info", "hilfe", "aide", "ayuda", "aiuto", "ajuda", "hjalp", "hjelp"],
};

const lookup = new Map<string, SmsKeyword>();
for (const [keyword, words] of Object.entries(KEYWORDS) as Array<[SmsKeyword, readonly string[]]>)
  for (const word of words) lookup.set(word, keyword);

/** Lower case, accents off (ARRÊT → arret), inner spaces single, a final . or ! dropped. */
function normalise(text: string): string {
  return text
    .normalize("NFD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/[.!]+$/u, "")
    .trim()
    .replace(/\s+/g, " ");
}

export function smsKeyword(text: string): SmsKeyword | null {
  return lookup.get(normalise(text.trim())) ?? null;
}
