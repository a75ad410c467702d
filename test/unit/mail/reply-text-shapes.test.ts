/**
 * extractNewText by rule: where the person's words stand (top, bottom, between quotes, under
 * a greeting), what is not an attribution or a signature, what is never dropped, and hostile
 * shapes (long whitespace runs, very long lines, many lines) that must come out right. The
 * hostile cases assert the output only; the code is linear by construction (line by line,
 * bounded work per line), and a super-linear pattern would make these cases time out.
 */
import { describe, expect, it } from "vitest";
import { extractNewText } from "../../../src/mail/reply-text.js";

const ATTRIBUTION = "On Mon, 1 Jan 2024 at 09:00, Shop <hello@shop.example.com> wrote:";

const placement: [string, string, string][] = [
  [
    "greeting above, answers between the quotes",
    `Hi Shop,\n\n${ATTRIBUTION}\n> Did it arrive?\nYes, on Tuesday.\n> Do you like it?\nVery much.\n\nJane`,
    "Hi Shop,\n\nYes, on Tuesday.\nVery much.\n\nJane",
  ],
  ["bottom-posted under the quote", `${ATTRIBUTION}\n\n> Did it arrive?\n\nYes, thanks!`, "Yes, thanks!"],
  [
    "top and bottom",
    `Short answer: yes.\n\n${ATTRIBUTION}\n> Did it arrive?\n\nLonger answer: it came on Tuesday.`,
    "Short answer: yes.\n\nLonger answer: it came on Tuesday.",
  ],
  [
    "inline answers without any attribution",
    "> Did it arrive?\n> It was sent on Monday.\n> Tracking: 123\nYes it did.\n\n> Do you like it?\nVery much.",
    "Yes it did.\n\nVery much.",
  ],
  [
    "attribution directly under the reply (Gmail for Android)",
    `Thanks, all good\n${ATTRIBUTION}\n> Did it arrive?`,
    "Thanks, all good",
  ],
  [
    "reply and attribution share a line",
    "Thanks On Mon, 1 Jan 2024 at 09:00, hello@shop.example.com wrote:\n> Did it arrive?",
    "Thanks",
  ],
  [
    "Outlook style: unquoted history under the attribution",
    `Yes please.\n\n${ATTRIBUTION}\n\nWould you like a new one?`,
    "Yes please.",
  ],
  [
    "quoted attribution (Apple Mail)",
    "Love it\n> On 1 Jan 2024, at 09:00, Shop <hello@shop.example.com> wrote:\n>\n> Thank you!",
    "Love it",
  ],
  [
    "nested history after the first attribution",
    `Fine.\n\n${ATTRIBUTION}\n> Ok?\n>\n> ${ATTRIBUTION}\n>> Earlier`,
    "Fine.",
  ],
  [
    "a short trailing quote with no attribution is the person's (talon)",
    "Message\n> My name is William Shakespeare.",
    "Message\nMy name is William Shakespeare.",
  ],
  [
    "a one-line quote above the attribution is the person's quotation",
    `Reply\n\n> Regular\n\n${ATTRIBUTION}\n> Nested`,
    "Reply\n\nRegular",
  ],
  [
    "a short quote the person answers below is history",
    "message\n\n> Quote\n\ndisclaimer",
    "message\n\ndisclaimer",
  ],
  [
    "link wrapped inside a quote is not an answer",
    `Blah\n\n${ATTRIBUTION}\n\n> View the ticket (http://example.com/a\n_nonce=3dd518)\n>\n`,
    "Blah",
  ],
  [
    "link fragment between quoted lines is not an answer",
    `Blah\n\n${ATTRIBUTION}\n\n> Post a reply\n (http://example.com/c/YzOTYzMmE) >\n> life (http://example.com/c/YzMmE)`,
    "Blah",
  ],
];

describe("where the person's words stand", () => {
  it.each(placement)("%s", (_name, input, expected) => {
    expect(extractNewText(input)).toBe(expected);
  });
});

const notMarkers: [string, string][] = [
  ["'On the form I wrote:' (no date, no address)", "On the form I wrote:\nmy old address by mistake."],
  ["a sentence starting with On", "On Friday it arrived.\nAll good."],
  [
    "'On' text above a real attribution stays",
    `On your remote host you can run:\n\n    telnet 127.0.0.1 52698`,
  ],
  ["'wrote' in prose with a time but no quote below", "At 9:00 my husband wrote:\nplease cancel the order."],
  [
    "Date: line in an appointment",
    "Invitation:\n\nDate: Wednesday 3, October 2011\nTime: 7:00am\nAddress: 130 Fox St",
  ],
  ["From: line without a second field", "From: foo\nBar baz.\n\nMore text here."],
  ["'--' inside a line", "Here is a fix -- this is not a signature.\n\nkthxbai"],
  [
    "'Sent from my' prose",
    "Here is another email\n\nSent from my desk, is much easier then my mobile phone.",
  ],
  ["a list with dashes", "I need:\n\n- two cables\n- one charger\n- a manual"],
  ["a dash rule in the text", "Part one\n\n----------\n\nPart two"],
  ["decorative > line in an advert", "Visit us now...\n>>> >>>  http://www.example.com <<<\nVisit our site"],
  ["two links in angle brackets", "<http://link1.example> <http://link2.example>"],
];

describe("text that only looks like a marker stays", () => {
  it.each(notMarkers)("%s", (_name, input) => {
    expect(extractNewText(input).replace(/\s+/g, " ")).toBe(input.trim().replace(/\s+/g, " "));
  });
});

const signatures: [string, string, string][] = [
  ["'-- ' delimiter", "Great, thanks.\n\n-- \nJane Buyer\nACME Corp", "Great, thanks."],
  ["'--' without the space", "Great, thanks.\n\n--\nJane Buyer", "Great, thanks."],
  [
    "'-Name' sign-off",
    "Having the function would be great.\n\n-Jane Buyer",
    "Having the function would be great.",
  ],
  [
    "mailing list footer",
    "Question?\n\n_______________________________________________\nlist mailing list\nlist@lists.example.com",
    "Question?",
  ],
  [
    "signature then quote then more answers",
    `Yes.\n\n-- \nJane\n\n${ATTRIBUTION}\n> Another question?\nNo.`,
    "Yes.\n\nNo.",
  ],
  ["signature alone is kept (never empty)", "-- \nJane Buyer", "Jane Buyer"],
  ["client line alone is kept (never empty)", "Sent from my iPhone", "Sent from my iPhone"],
];

describe("signatures", () => {
  it.each(signatures)("%s", (_name, input, expected) => {
    expect(extractNewText(input)).toBe(expected);
  });
});

describe("never empty when the person wrote something", () => {
  const cases: [string, string, string][] = [
    [
      "text only under a header block",
      "From: Shop\nSent: Monday\nTo: Jane\n\nMy parcel is missing.",
      "My parcel is missing.",
    ],
    ["text only under an attribution", `${ATTRIBUTION}\nMy parcel is missing.`, "My parcel is missing."],
    ["everything quoted", "> My parcel\n> is missing.", "My parcel\nis missing."],
    ["nothing but an attribution", ATTRIBUTION, ""],
    ["empty", "", ""],
  ];
  it.each(cases)("%s", (_name, input, expected) => {
    expect(extractNewText(input)).toBe(expected);
  });
});

describe("hostile shapes come out right", () => {
  it("keeps 'hello' before 78 KiB of spaces", () => {
    expect(extractNewText(`hello${" ".repeat(78 * 1024)}`)).toBe("hello");
    expect(extractNewText(`hello${" \t".repeat(40 * 1024)}x`)).toBe(`hello${" \t".repeat(40 * 1024)}x`);
  });

  it("handles a 1 MiB line, also one that looks like an attribution", () => {
    const long = `On ${"a".repeat(1024 * 1024)} wrote:`;
    expect(extractNewText(`Hi\n${long}\n> q\n> q\n> q`)).toBe(`Hi\n${long}`);
    const spaces = `x${" ".repeat(1024 * 1024)}y`;
    expect(extractNewText(spaces)).toBe(spaces);
  });

  it("handles 100,000 lines of quotes, colons, dashes and attributions", () => {
    const quotes = Array.from({ length: 100_000 }, () => "> quoted").join("\n");
    expect(extractNewText(`Answer\n${quotes}`)).toBe("Answer");
    const colons = Array.from({ length: 100_000 }, (_, i) => `line ${i}:`).join("\n");
    expect(extractNewText(colons)).toBe(colons);
    const attributions = Array.from({ length: 20_000 }, () => `${ATTRIBUTION}\n> q`).join("\n");
    expect(extractNewText(`Top\n${attributions}`)).toBe("Top");
    const froms = Array.from({ length: 50_000 }, () => "From: x").join("\n");
    expect(extractNewText(froms)).toBe(froms);
  });

  it("handles 100,000 alternating quote and answer lines", () => {
    const lines = Array.from({ length: 50_000 }, (_, i) => `> q${i}\na${i}`).join("\n");
    const answers = Array.from({ length: 50_000 }, (_, i) => `a${i}`).join("\n");
    expect(extractNewText(lines)).toBe(answers);
  });

  it("handles many blank lines and many '@' signs", () => {
    expect(extractNewText(`a${"\n".repeat(200_000)}b`)).toBe("a\n\nb");
    const ats = `${"@".repeat(300)} wrote:`;
    expect(extractNewText(`Hi\n${ats}\n> q\n> q\n> q`)).toBe(`Hi\n${ats}`);
  });
});
