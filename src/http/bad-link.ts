/**
 * What a customer sees when the link they opened from an email is not one of ours (cut
 * short by a mail program, changed on the way): what to do instead, never why the token
 * failed (that would help someone forging them). Shared by /u/TOKEN and /p/TOKEN.
 */
import type { Brand } from "../config/brand.js";
import { html, type SafeHtml } from "./page.js";

/** The address in a mailbox like `Lyra Audio Care <care@lyra-audio.example>`. */
function bareAddress(mailbox: string): string {
  return (/<([^<>]+)>/.exec(mailbox)?.[1] ?? mailbox).trim();
}

export const BAD_LINK_TITLE = "This link doesn't work";

export function badLinkBody(brand: Pick<Brand, "name" | "supportAddress">): SafeHtml {
  const support = brand.supportAddress ? bareAddress(brand.supportAddress) : null;
  return html`<h1>This link doesn't work</h1>
<p>It may have been cut short or changed on its way here. Open the link in the email again, or copy
all of it into your browser's address bar.</p>
<p>You can also reply to any email from ${brand.name} with the word “unsubscribe”.${
    support
      ? html` Or write to <a href="mailto:${support}">${support}</a> and we'll take you off by hand.`
      : ""
  }</p>`;
}
