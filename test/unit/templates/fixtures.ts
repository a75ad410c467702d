/** Shared by the template tests: where the real templates are, and small in-memory ones. */
import { fileURLToPath } from "node:url";
import type { TemplateFiles, TemplateSources } from "../../../src/templates/compile.js";

export const configTemplatesDir = fileURLToPath(new URL("../../../config/templates", import.meta.url));

export const files: TemplateFiles = {
  subject: "config/templates/t/subject.hbs",
  body: "config/templates/t/body.mjml",
  text: "config/templates/t/text.hbs",
};

/** An MJML document with `inner` inside one column; `inner` starts on line 5. */
export function mjml(inner: string): string {
  return `<mjml>
  <mj-body>
    <mj-section>
      <mj-column>
${inner}
      </mj-column>
    </mj-section>
  </mj-body>
</mjml>
`;
}

export function sources(over: Partial<TemplateSources> = {}): TemplateSources {
  return {
    subject: "Hello {{customer.firstName}}",
    body: mjml("        <mj-text>Hi {{customer.name}}</mj-text>"),
    text: "Hi {{customer.name}}",
    ...over,
  };
}
