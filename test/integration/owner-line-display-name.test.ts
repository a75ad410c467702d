/**
 * The owner line as a person sees and uses it, end to end on real parts (SMTP sink, SMTP
 * listener, Redis, SQLite): the thank-you that rapport sends shows the owner-only address
 * with its display name, "Lyra RD 2780 owners' desk <reply+o…@…>", in the text part and as
 * the link text of the HTML part's mailto link; and mail written to that mailbox as a mail
 * program puts it in To (name and all) reaches the owners' desk as the owner's.
 */
import { afterEach, describe, expect, inject, it } from "vitest";
import { silentLogger } from "../../src/infra/logger.js";
import { type Rapport, startRapport } from "../../src/main.js";
import type { Store } from "../../src/store/store.js";
import { sendToListener } from "../support/mail-in.js";
import { type SmtpSink, startSmtpSink } from "../support/smtp-sink.js";
import { eventually, postEvent, registration, testEnv } from "../support/test-env.js";
import { openTestStore } from "../support/test-store.js";

const DAY = 24 * 3600_000;
const NAME = "Lyra RD 2780 owners' desk";
/** The owner line's mailbox: its display name, then the short signed address. */
const MAILBOX = /Lyra RD 2780 owners' desk <(reply\+o[a-z2-7]{23}@reply\.lyra-audio\.example)>/;

/** The HTML entities Handlebars writes for what it escapes. */
function unescapeHtml(s: string): string {
  return s
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#x27;|&#39;/g, "'")
    .replace(/&#x3D;/g, "=")
    .replace(/&#x60;/g, "`")
    .replace(/&amp;/g, "&");
}

describe("the owner line's display name, end to end", () => {
  let sink: SmtpSink | null = null;
  let rapport: Rapport | null = null;
  let store: Store | null = null;
  afterEach(async () => {
    await rapport?.close();
    await sink?.close();
    await store?.close();
    rapport = sink = store = null;
  });

  it("shows 'Lyra RD 2780 owners' desk <…>' in the thank-you, and mail to that mailbox is the owner's", async () => {
    sink = await startSmtpSink();
    const t = testEnv(
      inject("redisUrl"),
      { SMTP_URL: sink.url, RAPPORT_WAIT_SCALE: String(1000 / DAY), RAPPORT_RETRY_BASE_MS: "300" },
      { flows: ["thank-you", "owner-line"] },
    );
    rapport = await startRapport({ settings: t.settings, role: "all", logger: silentLogger });
    store = await openTestStore(t.settings);
    await postEvent(rapport.httpPort as number, registration({ id: "owner-name-1" }));
    const [thanks] = await sink.waitFor(1);

    // The text part: the mailbox on a line of its own, ready to copy.
    const text = thanks?.parsed.text ?? "";
    const inText = MAILBOX.exec(text);
    expect(inText, `no owner line with its name in:\n${text}`).not.toBeNull();
    const address = inText?.[1] as string;
    expect(text).toMatch(new RegExp(`^\\s*${NAME} <${address.replace(/[+.]/g, "\\$&")}>\\s*$`, "m"));

    // The HTML part: a mailto link to the bare address whose text is the whole mailbox.
    const html = typeof thanks?.parsed.html === "string" ? thanks.parsed.html : "";
    const link = new RegExp(`<a href="mailto:${address.replace(/[+.]/g, "\\$&")}"[^>]*>([^<]*)</a>`).exec(
      html,
    );
    expect(link, "no mailto link to the owner line in the HTML part").not.toBeNull();
    expect(unescapeHtml(link?.[1] ?? "").trim()).toBe(`${NAME} <${address}>`);

    // Ada copies the mailbox into her mail program's To, name and all.
    await sendToListener(rapport.inboundSmtpPort as number, {
      from: "ada.private@example.org",
      to: address,
      raw: [
        "From: Ada <ada.private@example.org>",
        `To: ${NAME} <${address}>`,
        "Subject: Which belt?",
        "Message-ID: <owner-name-1@mail.example.org>",
        "Date: Sun, 22 Nov 2026 12:00:00 +0000",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
        "",
        "Which belt fits my RD 2780?",
        "",
      ].join("\r\n"),
    });
    const all = await sink.waitFor(3);
    const team = all.find((m) => m.envelopeTo.includes("owners@lyra-audio.example"));
    expect(team?.parsed.text).toContain("Which belt fits my RD 2780?");
    const s = store;
    const interaction = await eventually(
      async () => (await s.timeline("ada@example.com"))?.interactions[0],
      "the owner message on Ada's timeline",
    );
    expect(interaction).toMatchObject({
      kind: "human_reply",
      toOwnerAddress: true,
      attributedBy: "owner-address",
      text: "Which belt fits my RD 2780?",
    });
  });
});
