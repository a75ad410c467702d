/**
 * MJML runs when a template is compiled, never per message: a counter on our MJML step
 * (mjml.ts, the only caller of mjml2html) stays at one through a thousand renders.
 */
import { describe, expect, it, vi } from "vitest";
import { compileTemplate } from "../../../src/templates/compile.js";
import { mjmlToHtml } from "../../../src/templates/mjml.js";
import { renderMessage } from "../../../src/templates/render.js";
import { sampleTemplateData } from "../../../src/templates/sample-data.js";
import { files, sources } from "./fixtures.js";

vi.mock("../../../src/templates/mjml.js", async (importOriginal) => {
  const real = await importOriginal<typeof import("../../../src/templates/mjml.js")>();
  return { ...real, mjmlToHtml: vi.fn(real.mjmlToHtml) };
});

describe("rendering", () => {
  it("does not call MJML per message", async () => {
    const template = await compileTemplate("t", sources(), files);
    expect(mjmlToHtml).toHaveBeenCalledTimes(1);

    const data = sampleTemplateData();
    for (let i = 0; i < 1000; i++) {
      const out = renderMessage(template, { ...data, message: { id: `m${i}` } });
      expect(out.subject).toBe("Hello Ada");
    }
    expect(mjmlToHtml).toHaveBeenCalledTimes(1);
  });
});
