/** The links and headers that carry consent tokens, and the pages they open. */
import { describe, expect, it } from "vitest";
import { createConsentLinks, unsubscribeUrlFor } from "../../../src/consent/links.js";
import { createConsentTokens } from "../../../src/consent/tokens.js";
import { html, htmlPage } from "../../../src/http/page.js";
import { listUnsubscribeHeaders } from "../../../src/jobs/process-delivery.js";
import { unsubscribeChannel } from "../../../src/mail/unsubscribe.js";

const tokens = createConsentTokens("l".repeat(40));
const id = "0f6b7c1e-5d2a-4c7e-9a51-3b8f0e2d4a96";

describe("consent links", () => {
  it("builds /u/ and /p/ on the public URL as it is when asked (the listening port may come later)", () => {
    let base = "http://127.0.0.1:0";
    const links = createConsentLinks(tokens, () => base);
    base = "https://mail.example/rapport/";
    expect(links.unsubscribeUrl(id)).toBe(`https://mail.example/rapport/u/${tokens.make(id)}`);
    expect(links.unsubscribeUrl(id, "birthday")).toBe(
      `https://mail.example/rapport/u/${tokens.make(id, "birthday")}`,
    );
    expect(links.preferencesUrl(id)).toBe(`https://mail.example/rapport/p/${tokens.make(id)}`);
  });

  it("gives an unsubscribe link to non-transactional customer mail only", () => {
    const links = createConsentLinks(tokens, () => "https://mail.example");
    const message = { customerId: id, transactional: false, audience: "customer" };
    expect(unsubscribeUrlFor(message, links)).toBe(links.unsubscribeUrl(id));
    expect(unsubscribeUrlFor({ ...message, transactional: true }, links)).toBeNull();
    expect(unsubscribeUrlFor({ ...message, audience: "team" }, links)).toBeNull();
  });
});

describe("List-Unsubscribe headers", () => {
  it("are RFC 8058's pair", () => {
    expect(listUnsubscribeHeaders("https://mail.example/u/AbC-_1", "reply+mabc@reply.example")).toEqual({
      "List-Unsubscribe":
        "<https://mail.example/u/AbC-_1>, <mailto:reply+mabc@reply.example?subject=unsubscribe>",
      "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    });
  });

  it("refuse anything that could end the bracket, the list or the header line", () => {
    for (const url of [
      "https://x.example/u/a>b",
      "https://x.example/u/a b",
      "https://x.example/u/a\r\nBcc: y",
      "https://x.example/a,b",
    ])
      expect(() => listUnsubscribeHeaders(url, "reply+m@reply.example")).toThrow(/refusing/);
    expect(() => listUnsubscribeHeaders("https://x.example/u/a", "a@b\r\nX: y")).toThrow(/refusing/);
  });
});

describe("unsubscribeChannel", () => {
  it("tells the List-Unsubscribe mailto from a reply", () => {
    const none: string[] = [];
    expect(unsubscribeChannel({ subject: "unsubscribe", inReplyTo: none, references: none })).toBe("mailto");
    expect(unsubscribeChannel({ subject: " Unsubscribe ", inReplyTo: none, references: none })).toBe(
      "mailto",
    );
    expect(
      unsubscribeChannel({ subject: "Re: How is it going?", inReplyTo: ["<a@b>"], references: none }),
    ).toBe("reply");
    expect(unsubscribeChannel({ subject: "unsubscribe", inReplyTo: ["<a@b>"], references: none })).toBe(
      "reply",
    );
    expect(unsubscribeChannel({ subject: "stop", inReplyTo: none, references: none })).toBe("reply");
  });
});

describe("customer pages", () => {
  it("escape every value put into them", () => {
    const name = `<script>alert("x")</script>&'`;
    const body = html`<p>${name}</p>${html`<b>${"<i>"}</b>`}${[html`<br>`, "<hr>"]}`;
    expect(body.value).toBe(
      "<p>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;</p><b>&lt;i&gt;</b><br>&lt;hr&gt;",
    );
    const page = htmlPage({ brandName: name, title: "T<", body });
    expect(page).not.toContain("<script>");
    expect(page).toContain('<html lang="en">');
    expect(page).toContain('name="viewport"');
  });
});
