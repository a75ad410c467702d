import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readPreviewData } from "../../../src/cli/preview-data-arg.js";
import { parseBrand } from "../../../src/config/brand.js";
import { TemplateCompileError } from "../../../src/templates/errors.js";
import { previewTemplate, sampleTemplateData } from "../../../src/templates/preview.js";
import { previewData } from "../../../src/templates/preview-data.js";
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
    const merged = previewData({ product: null, customer: { attributes: { vip: true } } });
    expect(merged.product).toBeNull();
    expect(merged.customer.attributes).toEqual({ newsletter: true, vip: true });
    expect(merged.customer.email).toBe("ada@example.com");
    // Without a product there is no owner line, as in a real message.
    expect(merged.ownerAddress).toBeNull();
    expect(merged.ownerMailbox).toBeNull();
  });

  it("derives what a real message derives from what was given: the first name, the owner line's name", () => {
    const data = previewData({ customer: { name: "Grace Hopper" }, product: { name: "Lyra Vela" } });
    expect(data.customer.firstName).toBe("Grace");
    expect(data.ownerMailbox).toMatch(/^Lyra Vela owners' desk <reply\+o/);
    expect(previewData({ customer: { name: "Grace Hopper", firstName: "Amazing" } }).customer.firstName).toBe(
      "Amazing",
    );
  });

  it("uses the config's brand: its name, addresses, reply domain and website", () => {
    const brand = parseBrand(
      `brand:
  name: Vela Sound
  from: "Vela Sound <hi@vela.example>"
  replyDomain: reply.vela.example
  postalAddress: "Vela Sound · 1 Road · Oslo"
  publicUrl: https://vela.example/
`,
      "rapport.yaml",
    );
    const data = previewData({}, brand);
    expect(data.brand).toEqual({
      name: "Vela Sound",
      fromAddress: "Vela Sound <hi@vela.example>",
      postalAddress: "Vela Sound · 1 Road · Oslo",
      publicUrl: "https://vela.example/",
      supportAddress: null,
    });
    expect(data.ownerAddress).toMatch(/^reply\+o\w+@reply\.vela\.example$/);
    expect(data.replyAddress).toMatch(/@reply\.vela\.example$/);
    expect(data.preferencesUrl).toMatch(/^https:\/\/vela\.example\/p\//);
    expect(JSON.stringify(data)).not.toContain("lyra");
  });
});

describe("previewTemplate with a brand and a name", () => {
  it("greets Grace in the config's brand (issue 11: it said Lyra Audio and Ada)", async () => {
    const brand = parseBrand(
      `brand:
  name: Vela Sound
  from: "Vela Sound <hi@vela.example>"
  replyDomain: reply.vela.example
  postalAddress: "Vela Sound · 1 Road · Oslo"
  publicUrl: https://vela.example
`,
      "rapport.yaml",
    );
    const file = join(out, "thank-you.html");
    await previewTemplate(configTemplatesDir, "thank-you", { customer: { name: "Grace" } }, file, brand);
    const html = await readFile(file, "utf8");
    expect(html).toContain("Thank you, Grace.");
    expect(html).toContain("Vela Sound");
    expect(html).not.toContain("Lyra Audio");
  });
});

describe("readPreviewData", () => {
  it("takes JSON itself or a JSON file, and names what is wrong", async () => {
    expect(await readPreviewData('{"customer":{"name":"Grace"}}')).toEqual({ customer: { name: "Grace" } });
    const file = join(out, "data.json");
    await writeFile(file, '{"product": null}');
    expect(await readPreviewData(file)).toEqual({ product: null });
    await expect(readPreviewData('{"customer":')).rejects.toThrow(/^--data: not valid JSON/);
    await expect(readPreviewData(join(out, "nope.json"))).rejects.toThrow(/^--data: no file .*nope\.json/);
  });
});
