import { describe, expect, it } from "vitest";
import { compileTemplate, templateVersion } from "../../../src/templates/compile.js";
import { formatTemplateError, TemplateCompileError } from "../../../src/templates/errors.js";
import { mjmlToHtml } from "../../../src/templates/mjml.js";
import { renderMessage } from "../../../src/templates/render.js";
import { sampleTemplateData } from "../../../src/templates/sample-data.js";
import { files, mjml, sources } from "./fixtures.js";

async function compileProblems(over: Parameters<typeof sources>[0]): Promise<string[]> {
  try {
    await compileTemplate("t", sources(over), files);
  } catch (err) {
    if (err instanceof TemplateCompileError) return err.errors.map(formatTemplateError);
    throw err;
  }
  return [];
}

describe("mjml v5", () => {
  it("is async, and keeps Handlebars in text, blocks and attributes", async () => {
    const pending = mjmlToHtml(
      mjml(`<mj-text>Hi {{customer.firstName}} {{#if product}}your {{product.name}}{{else}}friend{{/if}}</mj-text>
<mj-text>{{default customer.firstName "there"}}</mj-text>
<mj-button href="{{brand.publicUrl}}?m={{message.id}}">Go</mj-button>`),
      files.body,
    );
    expect(pending).toBeInstanceOf(Promise);
    const result = await pending;
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(result.html).toContain(
      "Hi {{customer.firstName}} {{#if product}}your {{product.name}}{{else}}friend{{/if}}",
    );
    expect(result.html).toContain('{{default customer.firstName "there"}}');
    expect(result.html).toContain('href="{{brand.publicUrl}}?m={{message.id}}"');
  });
});

describe("compileTemplate", () => {
  it("compiles each part at load: a problem only Handlebars' compiler sees fails the load, not a message", async () => {
    await expect(compileTemplate("t", sources({ text: "Hi {{> card a b}}" }), files)).rejects.toThrow(
      "Unsupported number of partial arguments: 2",
    );
  });

  it("compiles to delegates that render, with a version from the sources", async () => {
    const t = await compileTemplate("t", sources(), files);
    expect(t.name).toBe("t");
    expect(t.version).toMatch(/^[0-9a-f]{16}$/);
    expect(t.version).toBe(templateVersion(sources()));
    expect(templateVersion(sources({ text: "changed" }))).not.toBe(t.version);
    // Moving text between parts is a different version too.
    expect(templateVersion({ subject: "ab", body: "", text: "" })).not.toBe(
      templateVersion({ subject: "a", body: "b", text: "" }),
    );
    expect(t.subject(sampleTemplateData())).toBe("Hello Ada");
    expect(t.html(sampleTemplateData())).toContain("Hi Ada Lovelace");
  });

  it("reports MJML validation errors at their line, pointing at the tag", async () => {
    const problems = await compileProblems({
      body: mjml(`        <mj-text>fine</mj-text>
        <mj-text colour="red">x</mj-text>
        <mj-buton>y</mj-buton>`),
    });
    expect(problems).toEqual([
      "config/templates/t/body.mjml:6:9: MJML: <mj-text>: Attribute colour is illegal",
      "config/templates/t/body.mjml:7:9: MJML: <mj-buton> is not an MJML element; did you mean <mj-button>?",
    ]);
  });

  it("reports Handlebars syntax errors with line and column in the file marketing edits", async () => {
    expect(await compileProblems({ subject: "Hi {{customer.name}" })).toEqual([
      'config/templates/t/subject.hbs:1:19: Handlebars syntax error: unexpected character (is a "}}" missing?)',
    ]);
    expect(await compileProblems({ text: "Hi\n\n{{#if product}}\n  {{product.name}}\n{{/each}}\n" })).toEqual(
      ["config/templates/t/text.hbs:3:4: {{#if}} is closed by {{/each}}; they must match"],
    );
    expect(await compileProblems({ body: mjml("        <mj-text>{{#if product}}x</mj-text>") })).toEqual([
      'config/templates/t/body.mjml:10:1: Handlebars syntax error: unexpected end of file (is a {{/…}} or "}}" missing?)',
    ]);
  });

  it("reports every problem at once, across files", async () => {
    const problems = await compileProblems({ subject: "{{", body: mjml("<mj-txt>{{x</mj-txt>") });
    expect(problems).toHaveLength(3);
    expect(problems.map((p) => p.split(":")[0])).toEqual([
      "config/templates/t/body.mjml",
      "config/templates/t/body.mjml",
      "config/templates/t/subject.hbs",
    ]);
  });

  it("refuses Handlebars that MJML would silently drop", async () => {
    const body = `<mjml>
  <mj-body>
    {{#if product}}
    <mj-section><mj-column><mj-text>{{#if customer.name}}Hi{{/if}}</mj-text></mj-column></mj-section>
    {{/if}}
  </mj-body>
</mjml>`;
    const problems = await compileProblems({ body });
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^config\/templates\/t\/body\.mjml:3:5: MJML drops \{\{#if product\}\} here/);
    expect(problems[1]).toMatch(
      /^config\/templates\/t\/body\.mjml:5:5: MJML drops \{\{\/if\}\} here.*most likely this one$/,
    );
  });

  it("accepts block tags between sections when they are wrapped in mj-raw", async () => {
    const body = `<mjml>
  <mj-body>
    <mj-raw>{{#if product}}</mj-raw>
    <mj-section><mj-column><mj-text>{{product.name}}</mj-text></mj-column></mj-section>
    <mj-raw>{{/if}}</mj-raw>
  </mj-body>
</mjml>`;
    const t = await compileTemplate("t", sources({ body }), files);
    expect(t.html(sampleTemplateData())).toContain("Lyra RD 2780");
    expect(renderMessage(t, { ...sampleTemplateData(), product: null }).html).not.toContain("<table");
  });

  it("keeps editor notes out of the HTML", async () => {
    const t = await compileTemplate(
      "t",
      sources({
        body: mjml("<!-- note: legal approved 2026-11 -->\n<mj-text>{{!-- and this --}}x</mj-text>"),
      }),
      files,
    );
    const html = t.html(sampleTemplateData());
    expect(html).not.toContain("legal approved");
    expect(html).not.toContain("and this");
  });
});
