import { describe, expect, it } from "vitest";
import { capNesting, htmlToText } from "../../../src/mail/html-text.js";
import { parseInbound } from "../../../src/mail/parse-inbound.js";
import { extractNewText } from "../../../src/mail/reply-text.js";
import { eml } from "./fixtures.js";

const LONG =
  "Thank you for the quick delivery, the kettle works well and the colour is exactly what I expected from the photos.";

describe("htmlToText", () => {
  it("keeps paragraphs, line breaks and entities; &nbsp; becomes a space", () => {
    expect(
      htmlToText(
        "<html><head><style>p{}</style><title>t</title></head><body><p>Hi&nbsp;there &amp; thanks</p><div>Line<br>two</div><script>x()</script></body></html>",
      ),
    ).toBe("Hi there & thanks\n\nLine\ntwo");
  });

  it("does not wrap long sentences", () => {
    expect(htmlToText(`<p>${LONG}</p>`)).toBe(LONG);
  });

  it("turns <hr> into a paragraph break, not a row of dashes", () => {
    expect(htmlToText("<div>Reply</div><hr><div>Below</div>")).toBe("Reply\n\nBelow");
  });

  it("keeps link text only", () => {
    expect(htmlToText('<p>Write to <a href="mailto:bob@example.com">Bob</a></p>')).toBe("Write to Bob");
  });

  it("marks blockquotes with one '> ', however deeply nested", () => {
    expect(htmlToText("<p>Top</p><blockquote>q1<blockquote>q2</blockquote>q3</blockquote><p>After</p>")).toBe(
      "Top\n\n> q1\n> q2\n> q3\n\nAfter",
    );
  });
});

describe("HTML replies through extractNewText", () => {
  const cases: [string, string, string][] = [
    [
      "Gmail quote",
      '<div dir="ltr">Works for me.</div><br><div class="gmail_quote"><div dir="ltr" class="gmail_attr">On Mon, 1 Jan 2024 at 09:00, Shop &lt;<a href="mailto:hello@shop.example.com">hello@shop.example.com</a>&gt; wrote:<br></div><blockquote class="gmail_quote"><p>Thank you!</p></blockquote></div>',
      "Works for me.",
    ],
    [
      "Outlook header block under a border",
      '<div><p>Yes please.</p><p>Jane</p><div style="border:none;border-top:solid #E1E1E1 1.0pt"><p><b>From:</b> Shop &lt;hello@shop.example.com&gt;<br><b>Sent:</b> Monday, January 1, 2024 9:00 AM<br><b>To:</b> Jane<br><b>Subject:</b> Your order</p></div><p>Would you like a new one?</p></div>',
      "Yes please.\n\nJane",
    ],
    [
      "Date-first block after <hr>",
      "<div>message<br><div><hr>Date: Mon, 1 Jan 2024 09:00:00 +0100<br>To: jane@example.com<br>From: hello@shop.example.com<br>Subject: Order<br><br>text</div></div>",
      "message",
    ],
    [
      "Thunderbird cite prefix and blockquote",
      '<p>Fine, thanks.</p><div class="moz-cite-prefix">On 01.01.2024 09:00, Shop\n wrote:<br></div><blockquote type="cite"><p>How is it?</p></blockquote>',
      "Fine, thanks.",
    ],
    [
      "inline answer after a blockquote",
      "<div>Hi</div><blockquote>Did it arrive?</blockquote><div>Yes, on Tuesday.</div>",
      "Hi\n\nYes, on Tuesday.",
    ],
    ["a long sentence stays whole", `<div>${LONG}</div>`, LONG],
  ];
  it.each(cases)("%s", (_name, html, expected) => {
    expect(extractNewText(htmlToText(html))).toBe(expected);
  });
});

describe("bounded on hostile HTML", () => {
  it("10,000 nested blockquotes give one quote level, not depth × lines", () => {
    const html = `<div>hello</div>${"<blockquote>x".repeat(10_000)}${"</blockquote>".repeat(10_000)}<p>after</p>`;
    const text = htmlToText(html);
    expect(text.startsWith("hello\n\n> x")).toBe(true);
    expect(text).not.toContain("> >");
    expect(text.endsWith("after")).toBe(true);
    expect(text.length).toBeLessThan(html.length);
    expect(extractNewText(text)).toBe("hello\n\nafter");
  });

  it("10,000 nested divs keep their text", () => {
    const html = `${"<div>".repeat(10_000)}deep${"</div>".repeat(10_000)}`;
    expect(htmlToText(html)).toBe("deep");
  });

  it("unclosed tags and a stray '<' do not break the scan", () => {
    expect(htmlToText(`<p>a < b ${"<span>".repeat(5000)}c`)).toBe("a < b c");
  });
});

describe("capNesting", () => {
  it("drops tags deeper than the limit and their closing tags, keeping the text", () => {
    expect(capNesting("<b><i><u>x</u></i></b>", 2)).toBe("<b><i>x</i></b>");
    expect(capNesting("<div><div><div>a</div>b</div>c</div>", 1)).toBe("<div>abc</div>");
  });
  it("leaves shallow HTML untouched and ignores void and self-closing tags", () => {
    const html = "<div><p>a<br>b<img src=x /></p><hr></div>";
    expect(capNesting(html, 2)).toBe(html);
  });
});

describe("parseInbound picks the HTML for an HTML-only reply", () => {
  it("converts it without wrapping, with quotes marked", async () => {
    const raw = eml(
      {
        From: "jane@customer.example.org",
        To: "reply@shop.example.com",
        Subject: "Re: Order",
        "Content-Type": "text/html; charset=utf-8",
      },
      `<div>${LONG}</div><hr><div>On Mon, 1 Jan 2024 at 09:00, Shop &lt;hello@shop.example.com&gt; wrote:</div><blockquote>Thank you!</blockquote>`,
    );
    const parsed = await parseInbound(raw);
    expect(parsed.text).toContain(LONG);
    expect(parsed.text).toContain("> Thank you!");
    expect(extractNewText(parsed.text)).toBe(LONG);
  });

  it("prefers the text part when there is one", async () => {
    const raw = eml(
      {
        From: "jane@customer.example.org",
        "Content-Type": 'multipart/alternative; boundary="b"',
      },
      "--b\nContent-Type: text/plain; charset=utf-8\n\nPlain answer\n--b\nContent-Type: text/html; charset=utf-8\n\n<p>HTML answer</p>\n--b--\n",
    );
    expect((await parseInbound(raw)).text.trim()).toBe("Plain answer");
  });

  it("reads an HTML part inside multipart/mixed", async () => {
    const raw = eml(
      { From: "jane@customer.example.org", "Content-Type": 'multipart/mixed; boundary="m"' },
      "--m\nContent-Type: text/html; charset=utf-8\n\n<p>Only HTML here</p>\n--m--\n",
    );
    expect((await parseInbound(raw)).text).toBe("Only HTML here");
  });
});
