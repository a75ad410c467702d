import { beforeAll, describe, expect, it } from "vitest";
import { type CompiledTemplate, compileTemplate } from "../../../src/templates/compile.js";
import { TemplateRenderError } from "../../../src/templates/errors.js";
import { loadTemplates } from "../../../src/templates/load.js";
import { cleanSubject, renderMessage } from "../../../src/templates/render.js";
import { sampleTemplateData } from "../../../src/templates/sample-data.js";
import { configTemplatesDir, files, mjml, sources } from "./fixtures.js";

function renderError(fn: () => unknown): TemplateRenderError {
  try {
    fn();
  } catch (err) {
    if (err instanceof TemplateRenderError) return err;
    throw err;
  }
  throw new Error("expected a TemplateRenderError");
}

describe("the config templates", () => {
  let templates: Map<string, CompiledTemplate>;
  beforeAll(async () => {
    const loaded = await loadTemplates(configTemplatesDir);
    expect(loaded.errors).toEqual([]);
    templates = loaded.templates;
  });

  const get = (name: string): CompiledTemplate => {
    const t = templates.get(name);
    if (!t) throw new Error(`no template ${name}`);
    return t;
  };

  it("thank-you: personal subject, body and text", () => {
    const out = renderMessage(get("thank-you"), sampleTemplateData());
    expect(out.subject).toBe("Thank you for registering your Lyra RD 2780");
    expect(out.html).toContain("Thank you, Ada.");
    expect(out.html).toContain("RD-000123");
    expect(out.html).toContain('href="https://lyra-audio.example"');
    // The owner line: the customer's own address, shown in both parts.
    const owner = sampleTemplateData().ownerAddress as string;
    expect(out.html).toContain(`mailto:${owner}`);
    expect(out.text).toContain(owner);
    // Shown with its display name, so it can be copied into a To: line as is.
    expect(out.text).toContain(`Lyra RD 2780 owners' desk <${owner}>`);
    expect(out.html).toContain(`Lyra RD 2780 owners&#x27; desk &lt;${owner}&gt;`);
    expect(out.html).toContain("Hauptstraße 12");
    expect(out.html).not.toContain("{{");
    expect(out.text).toMatch(/^Hi Ada,\n/);
    expect(out.text).toContain("Serial number:  RD-000123");
    expect(out.text).toContain("Lyra Audio GmbH");
  });

  it("check-in: a different subject, a reply invitation, tips and the brand link", () => {
    const out = renderMessage(get("check-in"), sampleTemplateData());
    expect(out.subject).toBe("How is your Lyra RD 2780 treating you?");
    expect(out.html).toContain("How's it going, Ada?");
    expect(out.html).toContain("reply to this email");
    expect(out.html).toContain("stylus");
    // The button writes to this message's own reply address, so a click comes back as a reply.
    expect(out.html).toContain(`href="mailto:${sampleTemplateData().replyAddress}"`);
    expect(out.html).not.toContain("mailto:care@");
    expect(out.html).toContain('href="https://lyra-audio.example"');
    expect(out.text).toContain("https://lyra-audio.example");
    expect(out.text).toContain("Lyra Audio GmbH");
  });

  it("reads well without a first name, a serial, a support address or an owner line", () => {
    const data = sampleTemplateData();
    data.customer.firstName = null;
    data.ownerAddress = null;
    data.ownerMailbox = null;
    data.brand.supportAddress = null;
    if (data.product) data.product.serial = null;
    const thanks = renderMessage(get("thank-you"), data);
    expect(thanks.html).toContain("Thank you, there.");
    expect(thanks.html).not.toContain("Serial number");
    expect(thanks.text).not.toContain("Serial number");
    expect(thanks.text).toContain("Simply reply to this email");
    const checkIn = renderMessage(get("check-in"), data);
    // Without a support address the button still works: it writes to the reply address.
    expect(checkIn.html).toContain(`mailto:${data.replyAddress}`);
  });

  it("escapes markup in a customer's name in the HTML", () => {
    const data = sampleTemplateData();
    data.customer.firstName = "<script>alert(1)</script>";
    const out = renderMessage(get("thank-you"), data);
    expect(out.html).not.toContain("<script>alert(1)</script>");
    expect(out.html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    // The text part is plain text: nothing to escape, nothing executed.
    expect(out.text).toContain("Hi <script>alert(1)</script>,");
  });
});

describe("renderMessage", () => {
  it("collapses CR/LF and other control characters in the subject and trims it", async () => {
    const t = await compileTemplate("t", sources({ subject: "  Hello {{customer.name}}\n" }), files);
    const data = sampleTemplateData();
    data.customer.name = "Ada\r\nBcc: victim@example.com\u2028\t\u0000x";
    expect(renderMessage(t, data).subject).toBe("Hello Ada Bcc: victim@example.com x");
    expect(cleanSubject("\r\n a \n\n b \u0085")).toBe("a b");
  });

  it("throws a TemplateRenderError naming template, part and variable when the data lacks a path", async () => {
    const t = await compileTemplate(
      "shoes",
      sources({ text: "Hi,\nyour size: {{customer.attributes.shoeSize}}" }),
      files,
    );
    const err = renderError(() => renderMessage(t, sampleTemplateData()));
    expect(err.template).toBe("shoes");
    expect(err.part).toBe("text");
    expect(err.variable).toBe("customer.attributes.shoeSize");
    expect(err.message).toContain('"customer.attributes.shoeSize" is missing from the data');
  });

  it("names the null on the way and the guard to use", async () => {
    const t = await compileTemplate(
      "t",
      sources({ body: mjml("<mj-text>{{product.name}}</mj-text>") }),
      files,
    );
    const data = { ...sampleTemplateData(), product: null };
    const err = renderError(() => renderMessage(t, data));
    expect(err.part).toBe("html");
    expect(err.variable).toBe("product.name");
    expect(err.message).toContain("product is null; guard it with {{#if product}}");
  });

  it("renders each message from its own data, helpers reading the customer's locale included, and escapes every time", async () => {
    // The per-call setup is done once per part (compile.ts); nothing of one message may reach the next.
    const t = await compileTemplate(
      "t",
      sources({
        subject: "Hello {{customer.name}}",
        body: mjml("        <mj-text>{{customer.name}} {{formatDate customer.birthday}}</mj-text>"),
        text: "{{#each customer.attributes.items}}{{this}};{{/each}} {{formatDate customer.birthday}} {{customer.attributes.code}}",
      }),
      files,
    );
    const messages = ["de-DE", "en-US", "fr-FR"].map((locale, i) => {
      const data = sampleTemplateData();
      data.customer.name = `<b>${i}</b>`;
      data.customer.locale = locale;
      data.customer.birthday = "1990-12-10";
      data.customer.attributes.items = [`a${i}`, `b${i}`];
      data.customer.attributes.code = `c${i}`;
      return renderMessage(t, data);
    });
    expect(messages.map((m) => m.subject)).toEqual(["Hello <b>0</b>", "Hello <b>1</b>", "Hello <b>2</b>"]);
    expect(messages[0]?.html).toContain("&lt;b&gt;0&lt;/b&gt; 10. Dezember 1990");
    expect(messages[1]?.html).toContain("&lt;b&gt;1&lt;/b&gt; December 10, 1990");
    expect(messages[2]?.text).toBe("a2;b2; 10 décembre 1990 c2");
    // A missing variable still fails after good messages went through.
    const data = sampleTemplateData();
    data.customer.attributes = { items: [] };
    expect(renderError(() => renderMessage(t, data)).variable).toBe("customer.attributes.code");
  });

  it("never sends an empty subject", async () => {
    const t = await compileTemplate("t", sources({ subject: "{{customer.attributes.blank}}" }), files);
    const data = sampleTemplateData();
    data.customer.attributes.blank = " \r\n ";
    expect(renderError(() => renderMessage(t, data)).message).toContain("the subject rendered empty");
  });

  it("turns a helper's refusal into a TemplateRenderError", async () => {
    const t = await compileTemplate("t", sources({ text: "{{formatDate customer.name}}" }), files);
    const err = renderError(() => renderMessage(t, sampleTemplateData()));
    expect(err.part).toBe("text");
    expect(err.variable).toBeNull();
    expect(err.message).toContain('formatDate: expected an ISO date like "2026-12-06", got "Ada Lovelace"');
  });
});
