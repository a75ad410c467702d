import { describe, expect, it } from "vitest";
import { htmlToText } from "../../../src/mail/html-text.js";
import { extractNewText } from "../../../src/mail/reply-text.js";

describe("htmlToText", () => {
  it("keeps paragraphs, line breaks and entities", () => {
    expect(
      htmlToText(
        "<html><head><style>p{}</style></head><body><p>Hi&nbsp;there &amp; thanks</p><div>Line<br>two</div></body></html>",
      ),
    ).toBe("Hi there & thanks\n\nLine\ntwo");
  });

  it("turns blockquotes into > lines so quoted history can be cut", () => {
    const html =
      '<div>Works for me.</div><div class="gmail_quote"><div>On Mon, 1 Jan 2024 at 09:00, Shop &lt;hello@shop.example.com&gt; wrote:</div><blockquote><p>Thank you!</p></blockquote></div>';
    expect(extractNewText(htmlToText(html))).toBe("Works for me.");
  });
});
