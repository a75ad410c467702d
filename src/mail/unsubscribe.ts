/**
 * Is this human message a request to stop receiving mail?
 *
 * Contract: detectUnsubscribe(subject, newText) returns a reason string or null, never throws.
 * Only a message that *is* the command counts: the subject (reply prefixes removed) or the
 * first line of the new text must be essentially "unsubscribe" / "stop" / "remove me" (or the
 * same in German, French, Spanish, Dutch, Italian, Portuguese, Scandinavian languages), and
 * the new text must be short. "How do I unsubscribe from the newsletter but keep receipts?"
 * in the middle of a paragraph is a question for a person, not a command.
 */

const COMMANDS = [
  "unsubscribe(?: me)?(?: now)?(?: from (?:this|the|your|all)(?: mailing)? (?:list|emails?|mails?|newsletter))?",
  "please unsubscribe(?: me)?",
  "unsubscribe please",
  "stop(?: all)?(?: emails?| mails?| mailing| sending(?: me)?(?: emails?)?| emailing me)?",
  "please stop(?: emailing me| sending(?: me)?(?: emails?)?| all emails?)?",
  "remove(?: me)?(?: from (?:this|the|your)(?: mailing)? (?:list|emails?))?",
  "please remove me(?: from (?:this|the|your)(?: mailing)? (?:list|emails?))?",
  "take me off(?: (?:this|the|your)(?: mailing)? list)?",
  "opt[ -]?out",
  "no more (?:emails?|mails?)",
  // German
  "abmelden",
  "bitte abmelden",
  "abbestellen",
  "austragen",
  "bitte austragen",
  "keine (?:e-?mails|mails|werbung) mehr",
  // French
  "(?:se )?désabonner",
  "désabonnez[- ]moi",
  "desabonner",
  "désinscription",
  "désinscrire",
  "(?:se )?désinscrire",
  "stop pub",
  // Spanish
  "darse de baja",
  "dar(?:me)? de baja",
  "baja",
  "cancelar (?:la )?suscripción",
  // Dutch
  "uitschrijven",
  "afmelden",
  // Italian
  "disiscrivi(?:mi)?",
  "cancellami",
  "cancella iscrizione",
  // Portuguese
  "descadastrar",
  "cancelar inscrição",
  "sair da lista",
  // Scandinavian
  "avregistrera",
  "avsluta prenumeration",
  "afmeld",
  "avmeld",
];

const COMMAND = new RegExp(`^(?:${COMMANDS.join("|")})$`, "iu");
// "\s*(?:\[\d+\]\s*)?:" rather than "\s*(?:\[\d+\])?\s*:": two adjacent runs of white space
// backtrack quadratically over a long run of spaces.
const REPLY_PREFIX = /^(?:(?:re|aw|sv|vs|antw|réf|rif|r|wg|fwd?|tr|rv)\s*(?:\[\d+\]\s*)?:\s*)+/i;

/** Lower-case, drop punctuation and extra spaces: "  UNSUBSCRIBE!!" -> "unsubscribe". */
function normalise(s: string): string {
  return s
    .replace(REPLY_PREFIX, "")
    .toLowerCase()
    .replace(/[^\p{L}\p{N}' -]+/gu, " ")
    .replace(/\s+/g, " ")
    .trim();
}

export function detectUnsubscribe(subject: string, newText: string): string | null {
  const text = newText.trim();
  const firstLine = text.split(/\n/).find((l) => l.trim() !== "") ?? "";
  if (text.length <= 300 && COMMAND.test(normalise(firstLine))) {
    return `first line is "${firstLine.trim().slice(0, 40)}"`;
  }
  const subj = normalise(subject);
  if (subj !== "" && COMMAND.test(subj) && text.length <= 500) {
    return `subject is "${subject.trim().slice(0, 40)}"`;
  }
  return null;
}

/**
 * Which way an unsubscribe request came: `mailto` when it is what a mail program's
 * unsubscribe button writes from the List-Unsubscribe header (a new message, not a reply,
 * whose subject is the header's `subject=unsubscribe`), `reply` for everything else
 * (someone answering one of our messages with "unsubscribe", "stop", …).
 */
export function unsubscribeChannel(mail: {
  subject: string;
  inReplyTo: readonly string[];
  references: readonly string[];
}): "mailto" | "reply" {
  const isReply = mail.inReplyTo.length > 0 || mail.references.length > 0;
  return !isReply && mail.subject.trim().toLowerCase() === "unsubscribe" ? "mailto" : "reply";
}
