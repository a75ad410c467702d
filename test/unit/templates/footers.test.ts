/**
 * Every shipped email template to a customer carries, in its HTML and its plain-text part,
 * the postal address, a "Manage your emails" link to `preferencesUrl` and, when the message
 * is not transactional (`unsubscribeUrl` set), an "Unsubscribe" link; in transactional mail
 * (`unsubscribeUrl` null) no unsubscribe link. Team notifications carry neither link.
 * A new template without the footer fails here, not in a customer's inbox.
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadTemplate } from "../../../src/templates/load.js";
import { previewData } from "../../../src/templates/preview-data.js";
import { renderMessage } from "../../../src/templates/render.js";
import { configTemplatesDir } from "./fixtures.js";

const PREFS = "https://mail.lyra-audio.example/p/PREFS-TOKEN";
const UNSUB = "https://mail.lyra-audio.example/u/UNSUB-TOKEN";
/** Notes to the brand's own team (notify steps): not to a customer, so no consent links. */
const TEAM = ["owner-message-to-team", "reply-to-team"];

const emailTemplates = readdirSync(configTemplatesDir)
  .filter((name) => existsSync(join(configTemplatesDir, name, "body.mjml")))
  .sort();

async function render(name: string, unsubscribeUrl: string | null) {
  const { template, errors } = await loadTemplate(configTemplatesDir, name);
  if (!template || errors.length > 0) throw new Error(`${name}: ${JSON.stringify(errors)}`);
  const data = previewData({
    preferencesUrl: PREFS,
    unsubscribeUrl,
    event: { type: "broadcast", properties: { headline: "A new platter mat", body: "Cork." } },
  });
  const { html, text } = renderMessage(template, data);
  return { html, text, postal: data.brand.postalAddress as string };
}

describe("the footers of the shipped email templates", () => {
  it("finds the shipped email templates, the team notes among them", () => {
    expect(emailTemplates.length).toBeGreaterThan(10);
    expect(emailTemplates).toEqual(expect.arrayContaining(TEAM));
  });

  it.each(emailTemplates.filter((n) => !TEAM.includes(n)))(
    "%s: postal address, manage link, and the unsubscribe link only when there is one",
    async (name) => {
      const relationship = await render(name, UNSUB);
      expect(relationship.html).toMatch(new RegExp(`<a href="${PREFS}"[^>]*>Manage your emails</a>`));
      expect(relationship.html).toMatch(new RegExp(`<a href="${UNSUB}"[^>]*>Unsubscribe</a>`));
      expect(relationship.text).toMatch(new RegExp(`^Manage your emails: ${PREFS}$`, "m"));
      expect(relationship.text).toMatch(new RegExp(`^Unsubscribe: ${UNSUB}$`, "m"));
      for (const part of [relationship.html, relationship.text]) expect(part).toContain(relationship.postal);

      const transactional = await render(name, null);
      expect(transactional.html).toContain(`href="${PREFS}"`);
      expect(transactional.text).toContain(PREFS);
      for (const part of [transactional.html, transactional.text]) {
        expect(part).not.toContain("/u/");
        expect(part).not.toMatch(/>Unsubscribe<|^Unsubscribe:/m);
        expect(part).toContain(transactional.postal);
      }
    },
  );

  it.each(TEAM)("%s (to the team): the postal address, no consent links", async (name) => {
    const note = await render(name, null);
    for (const part of [note.html, note.text]) {
      expect(part).not.toContain(PREFS);
      expect(part).not.toContain("/u/");
      expect(part).toContain(note.postal);
    }
  });
});
