import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadProject } from "../../../src/project.js";
import { formatTemplateError, loadTemplates } from "../../../src/templates/load.js";
import { configTemplatesDir, mjml } from "./fixtures.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "rapport-templates-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function writeTemplate(
  name: string,
  parts: Partial<Record<"subject.hbs" | "body.mjml" | "text.hbs", string>>,
) {
  await mkdir(join(dir, name), { recursive: true });
  for (const [file, content] of Object.entries(parts)) await writeFile(join(dir, name, file), content);
}

const complete = {
  "subject.hbs": "Hi {{customer.firstName}}\n",
  "body.mjml": mjml("<mj-text>Hi {{customer.name}}</mj-text>"),
  "text.hbs": "Hi {{customer.name}}\n",
};

describe("loadTemplates", () => {
  it("loads the config templates without problems", async () => {
    const { templates, errors } = await loadTemplates(configTemplatesDir);
    expect(errors.map(formatTemplateError)).toEqual([]);
    expect([...templates.keys()]).toEqual([
      "accessory-offer",
      "anniversary",
      "birthday",
      "care-tips",
      "check-in",
      "former-owner-thanks",
      "get-to-know-you",
      "one-time-thanks",
      "owner-message-received",
      "owner-message-to-team",
      "product-news",
      "reply-to-team",
      "thank-you",
      "thanks-for-answer",
      "what-do-you-use-it-for",
    ]);
  });

  it("compiles each folder; hidden entries and loose files are ignored", async () => {
    await writeTemplate("welcome", complete);
    await writeTemplate(".drafts", complete);
    await writeFile(join(dir, "README.md"), "notes");
    const { templates, errors } = await loadTemplates(dir);
    expect(errors).toEqual([]);
    expect([...templates.keys()]).toEqual(["welcome"]);
  });

  it("names the file a template is missing", async () => {
    await writeTemplate("welcome", {
      "subject.hbs": complete["subject.hbs"],
      "text.hbs": complete["text.hbs"],
    });
    const { templates, errors } = await loadTemplates(dir);
    expect(templates.size).toBe(0);
    expect(errors.map(formatTemplateError)).toEqual([
      `${join(dir, "welcome", "body.mjml")}:1:1: missing: a template needs subject.hbs, body.mjml, text.hbs`,
    ]);
  });

  it("refuses folder names that are not template names", async () => {
    await writeTemplate("Thank You", complete);
    const { errors } = await loadTemplates(dir);
    expect(errors).toHaveLength(1);
    expect(formatTemplateError(errors[0] as (typeof errors)[number])).toContain('template name "Thank You"');
  });

  it("runs the variable check and collects every template's problems", async () => {
    await writeTemplate("a", { ...complete, "text.hbs": "Hi\n{{customer.frstName}}\n" });
    await writeTemplate("b", { ...complete, "body.mjml": mjml("<mj-buton>x</mj-buton>") });
    const { templates, errors } = await loadTemplates(dir);
    expect(errors.map(formatTemplateError)).toEqual([
      `${join(dir, "a", "text.hbs")}:2:3: unknown variable "customer.frstName" (did you mean "customer.firstName"?)`,
      `${join(dir, "b", "body.mjml")}:5:1: MJML: <mj-buton> is not an MJML element; did you mean <mj-button>?`,
    ]);
    // A template with only variable problems compiles; start-up refuses on `errors` anyway.
    expect([...templates.keys()]).toEqual(["a"]);
  });

  it("lists a template that exists but did not compile as broken, so flows naming it are not told it is missing", async () => {
    await writeTemplate("b", { ...complete, "body.mjml": mjml("<mj-txt>x</mj-txt>") });
    await writeTemplate("Bad Name", complete);
    const { templates, broken } = await loadTemplates(dir);
    expect(templates.size).toBe(0);
    expect([...broken]).toEqual(["b"]);
  });

  it("reports a missing templates folder", async () => {
    const { errors } = await loadTemplates(join(dir, "nope"));
    expect(errors.map((e) => e.message)).toEqual(["missing: the templates folder"]);
  });
});

describe("loadProject with an unknown MJML element", () => {
  it("reports one problem, at the element, with a suggestion; not a second 'no template' for the flow", async () => {
    const config = join(dir, "config");
    await cp(resolve("config"), config, { recursive: true });
    const body = join(config, "templates", "thank-you", "body.mjml");
    const source = await readFile(body, "utf8");
    await writeFile(body, source.replace("<mj-text>", "<mj-txt>").replace("</mj-text>", "</mj-txt>"));
    const result = await loadProject(config);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toEqual([
      expect.stringMatching(
        /thank-you\/body\.mjml:\d+:\d+: MJML: <mj-txt> is not an MJML element; did you mean <mj-text>\?$/,
      ),
    ]);
  });
});
