/**
 * The text encoding chosen from the plain-text part (src/mail/text-encoding.ts): the
 * messages it is set for come out of nodemailer byte for byte as nodemailer would have
 * made them by itself, and the messages where that would not hold are left to nodemailer.
 */
import MailComposer from "nodemailer/lib/mail-composer/index.js";
import { describe, expect, it } from "vitest";
import { latinMajority, textEncodingFor } from "../../../src/mail/text-encoding.js";

const html = (body: string) =>
  `<!doctype html><html><head><style>.a{color:#333}</style></head><body><div class="a" style="font-family:Helvetica,Arial,sans-serif;padding:16px">${body}</div></body></html>`;

const messages = {
  english: "Thank you for registering your Lyra RD 2780 – enjoy every record.",
  german: "Vielen Dank für die Registrierung Ihres Plattenspielers. Größe, Gewicht, Maße: alles in Ordnung.",
  french: "Merci d’avoir enregistré votre platine. À très bientôt, l’équipe Lyra.",
  ascii: "Thank you for registering your turntable.",
  russian: "Спасибо за регистрацию вашего проигрывателя Lyra. Мы будем рады помочь.",
  greek: "Ευχαριστούμε για την εγγραφή του πικάπ σας.",
  japanese: "ターンテーブルをご登録いただきありがとうございます。",
  emoji: "🎶🎶🎶 ok",
};

/** The message nodemailer builds, with its random part boundaries and its date made fixed. */
async function built(text: string, extra: Record<string, unknown>): Promise<string> {
  const mail = {
    from: "Lyra <hello@lyra.example>",
    to: "ada@example.com",
    subject: "Thank you for registering",
    text,
    html: html(text.replace(/\n/g, "<br>")),
    messageId: "<m1@lyra.example>",
    date: new Date(0),
    baseBoundary: "fixed",
    ...extra,
  };
  return (await new MailComposer(mail).compile().build()).toString();
}

describe("latinMajority: nodemailer's count", () => {
  it.each([
    ["english", true],
    ["german", true],
    ["french", true],
    ["ascii", true],
    ["russian", false],
    ["greek", false],
    ["japanese", false],
    ["emoji", false],
  ] as const)("%s → %s", (name, expected) => {
    expect(latinMajority(messages[name])).toBe(expected);
  });

  it("an empty text has no majority", () => {
    expect(latinMajority("")).toBe(false);
  });
});

describe("textEncodingFor", () => {
  it.each(["english", "german", "french", "ascii"] as const)(
    "%s: set, and the message is the one nodemailer makes by itself",
    async (name) => {
      const chosen = textEncodingFor({ text: messages[name] });
      expect(chosen).toEqual({ textEncoding: "quoted-printable" });
      expect(await built(messages[name], chosen)).toBe(await built(messages[name], {}));
    },
  );

  it("a plain-ASCII part is still sent 7bit", async () => {
    const message = await built(messages.ascii, textEncodingFor({ text: messages.ascii }));
    expect(message).toContain("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 7bit");
  });

  it.each(["russian", "greek", "japanese", "emoji"] as const)(
    "%s: left to nodemailer, which would send the text part base64 (forcing quoted-printable would not be the same message)",
    async (name) => {
      expect(textEncodingFor({ text: messages[name] })).toEqual({});
      const own = await built(messages[name], {});
      expect(own).toContain("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64");
      expect(await built(messages[name], { textEncoding: "quoted-printable" })).not.toBe(own);
    },
  );

  it("without a text part nothing is set", () => {
    expect(textEncodingFor({ html: html(messages.english) })).toEqual({});
  });
});
