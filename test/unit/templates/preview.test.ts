import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { TemplateCompileError } from "../../../src/templates/errors.js";
import { previewTemplate, sampleTemplateData } from "../../../src/templates/preview.js";
import { mergeOverSample } from "../../../src/templates/sample-data.js";
import { configTemplatesDir } from "./fixtures.js";

let out: string;
beforeEach(async () => {
  out = await mkdtemp(join(tmpdir(), "rapport-preview-"));
});
afterEach(async () => {
  await rm(out, { recursive: true, force: true });
});

describe("previewTemplate", () => {
  it("renders with the sample data and writes the HTML", async () => {
    const file = join(out, "nested", "thank-you.html");
    const result = await previewTemplate(configTemplatesDir, "thank-you", {}, file);
    expect(result).toEqual({ file, subject: "Thank you for registering your Lyra RD 2780" });
    expect(await readFile(file, "utf8")).toContain("Thank you, Ada.");
  });

  it("lays partial data over the sample", async () => {
    const file = join(out, "check-in.html");
    const data = { customer: { firstName: "Grace" }, product: { name: "Lyra Vela" } };
    const result = await previewTemplate(configTemplatesDir, "check-in", data, file);
    expect(result.subject).toBe("How is your Lyra Vela treating you?");
    const html = await readFile(file, "utf8");
    expect(html).toContain("How's it going, Grace?");
    expect(html).toContain("lyra-audio.example");
  });

  it("throws the template's problems with their positions", async () => {
    const dir = join(out, "templates");
    await mkdir(join(dir, "broken"), { recursive: true });
    await writeFile(join(dir, "broken", "subject.hbs"), "Hi {{customer.frstName}}");
    await writeFile(join(dir, "broken", "body.mjml"), "<mjml><mj-body></mj-body></mjml>");
    await writeFile(join(dir, "broken", "text.hbs"), "Hi");
    const err = await previewTemplate(dir, "broken", {}, join(out, "x.html")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TemplateCompileError);
    expect((err as Error).message).toContain(
      `${join(dir, "broken", "subject.hbs")}:1:6: unknown variable "customer.frstName" (did you mean "customer.firstName"?)`,
    );
  });

  it("says which template is missing and refuses bad data", async () => {
    await expect(previewTemplate(configTemplatesDir, "nope", {}, join(out, "x.html"))).rejects.toThrow(
      /no template "nope"/,
    );
    await expect(previewTemplate(configTemplatesDir, "thank-you", [], join(out, "x.html"))).rejects.toThrow(
      /must be a JSON object/,
    );
  });
});

describe("sample data", () => {
  it("is a fresh, realistic copy each time", () => {
    const a = sampleTemplateData();
    a.customer.name = "changed";
    expect(sampleTemplateData().customer.name).toBe("Ada Lovelace");
    expect(sampleTemplateData().product?.name).toBe("Lyra RD 2780");
    expect(sampleTemplateData().brand.name).toBe("Lyra Audio");
  });

  it("merges objects, replaces the rest, and lets null through", () => {
    const merged = mergeOverSample({ product: null, customer: { attributes: { vip: true } } });
    expect(merged.product).toBeNull();
    expect(merged.customer.attributes).toEqual({ newsletter: true, vip: true });
    expect(merged.customer.email).toBe("ada@example.com");
  });
});
