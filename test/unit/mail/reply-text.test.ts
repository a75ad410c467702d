import { describe, expect, it } from "vitest";
import { extractNewText } from "../../../src/mail/reply-text.js";

const cases: [string, string, string][] = [
  [
    "Gmail, attribution wrapped over two lines",
    [
      "Thanks, it arrived today!",
      "",
      "On Mon, 1 Jan 2024 at 09:00, Rapport Shop <",
      "hello@shop.example.com> wrote:",
      "",
      "> Thank you for your purchase!",
      "> See you soon",
    ].join("\n"),
    "Thanks, it arrived today!",
  ],
  [
    "Gmail with a signature",
    "Great, thanks.\n\n-- \nJane Buyer\nACME Corp\n\nOn Mon, Jan 1, 2024 at 9:00 AM Shop <hello@shop.example.com> wrote:\n> Hi",
    "Great, thanks.",
  ],
  [
    "Outlook -----Original Message-----",
    "Please send a new invoice.\r\n\r\nRegards,\r\nJane\r\n\r\n-----Original Message-----\r\nFrom: Shop <hello@shop.example.com>\r\nSent: Monday, January 1, 2024 9:00 AM\r\nTo: Jane\r\nSubject: Thanks\r\n\r\nThank you for your purchase!",
    "Please send a new invoice.\n\nRegards,\nJane",
  ],
  [
    "Outlook underscores and From/Sent block",
    "Yes, that works.\n\nGet Outlook for iOS\n________________________________\nFrom: Shop <hello@shop.example.com>\nSent: Monday, January 1, 2024 9:00:00 AM\nTo: Jane\nSubject: Thanks\n\nThank you!",
    "Yes, that works.",
  ],
  [
    "Outlook German Von/Gesendet block without separator",
    "Passt, danke.\n\nVon: Shop <hello@shop.example.com>\nGesendet: Montag, 1. Januar 2024 09:00\nAn: Jane\nBetreff: Danke\n\nDanke für Ihre Bestellung!",
    "Passt, danke.",
  ],
  [
    "Apple Mail with Sent from my iPhone",
    "Love it\n\nSent from my iPhone\n\n> On 1 Jan 2024, at 09:00, Shop <hello@shop.example.com> wrote:\n> \n> Thank you!",
    "Love it",
  ],
  [
    "German attribution",
    "Super, danke!\n\nAm 01.01.2024 um 09:00 schrieb Shop <hello@shop.example.com>:\n> Danke",
    "Super, danke!",
  ],
  ["German mobile signature", "Super!\n\nVon meinem iPhone gesendet", "Super!"],
  [
    "French attribution",
    "Merci beaucoup.\n\nLe lun. 1 janv. 2024 à 09:00, Shop <hello@shop.example.com> a écrit :\n> Merci",
    "Merci beaucoup.",
  ],
  [
    "Spanish attribution",
    "Gracias.\n\nEl lun, 1 ene 2024 a las 9:00, Shop (<hello@shop.example.com>) escribió:\n> Gracias",
    "Gracias.",
  ],
  [
    "Dutch attribution",
    "Bedankt.\n\nOp ma 1 jan. 2024 om 09:00 schreef Shop <hello@shop.example.com>:\n> Bedankt",
    "Bedankt.",
  ],
  [
    "Italian attribution",
    "Grazie.\n\nIl giorno lun 1 gen 2024 alle ore 09:00 Shop <hello@shop.example.com> ha scritto:\n> Grazie",
    "Grazie.",
  ],
  [
    "bottom-posted reply keeps what is written between the quotes",
    "On Mon, 1 Jan 2024, Shop <hello@shop.example.com> wrote:\n> Did it arrive?\nYes it did.\n> Do you like it?\nVery much.",
    "Yes it did.\nVery much.",
  ],
  ["plain message", "  Just a note.  \n", "Just a note."],
  ["signature only is still returned", "-- \nJane Buyer", "Jane Buyer"],
  // An all-quoted message (an HTML reply written inside its <blockquote>) is not empty:
  // this case used to expect "", which would lose whatever the person wrote there.
  ["only quoted text gives the quoted words", "> quoted\n> more", "quoted\nmore"],
  ["only an attribution and quotes", "On Mon, 1 Jan 2024 at 09:00, Shop <hello@shop.example.com> wrote:", ""],
];

describe("extractNewText", () => {
  it.each(cases)("%s", (_name, input, expected) => {
    expect(extractNewText(input)).toBe(expected);
  });
});
