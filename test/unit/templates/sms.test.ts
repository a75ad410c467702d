import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadProject } from "../../../src/project.js";
import { formatTemplateError, loadTemplates } from "../../../src/templates/load.js";
import { sampleTemplateData } from "../../../src/templates/sample-data.js";
import { loadSmsTemplates, smsReport } from "../../../src/templates/sms.js";
import { configTemplatesDir } from "./fixtures.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "rapport-sms-templates-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function writeSms(name: string, source: string) {
  await mkdir(join(dir, name), { recursive: true });
  await writeFile(join(dir, name, "sms.hbs"), source);
}

describe("SMS templates", () => {
  it("renders text without escaping, trimmed", async () => {
    await writeSms("tip", "Hi {{customer.firstName}} & welcome to {{brand.name}} <3\n");
    const { templates, errors } = await loadSmsTemplates(dir);
    expect(errors).toEqual([]);
    expect(templates.get("tip")?.text(sampleTemplateData())).toBe("Hi Ada & welcome to Lyra Audio <3");
  });

  it("is not an email template: a folder with only sms.hbs asks for no subject or body", async () => {
    await writeSms("tip", "Hi\n");
    const { templates, errors } = await loadTemplates(dir);
    expect(errors).toEqual([]);
    expect(templates.size).toBe(0);
  });

  it("reports a Handlebars error at its line and column, and an empty template", async () => {
    await writeSms("broken", "Hi {{customer.firstName}\n");
    await writeSms("empty", "  \n");
    const { errors } = await loadSmsTemplates(dir);
    expect(errors.map(formatTemplateError)).toEqual([
      expect.stringMatching(/broken\/sms\.hbs:1:\d+: /),
      `${join(dir, "empty", "sms.hbs")}:1:1: empty: an SMS template needs a text`,
    ]);
  });

  it("reports encoding and parts, and warns above three parts", async () => {
    await writeSms("short", "Hi {{customer.firstName}}, thanks! Reply 4040 for tips.");
    await writeSms("emoji", "Merci {{customer.firstName}} 👍");
    await writeSms("long", `${"All about your turntable. ".repeat(20)}`);
    const { templates } = await loadSmsTemplates(dir);
    const report = (name: string) => {
      const t = templates.get(name);
      if (!t) throw new Error(name);
      return smsReport(t, sampleTemplateData());
    };
    expect(report("short")).toMatchObject({ encoding: "GSM-7", segments: 1, warning: null });
    expect(report("short").summary).toMatch(
      /short\/sms\.hbs: GSM-7, 1 part\(s\), 36 septets with the sample data$/,
    );
    expect(report("emoji")).toMatchObject({ encoding: "UCS-2", segments: 1, units: 12 });
    expect(report("emoji").summary).toMatch(/UCS-2 \(not GSM-7: "👍"\), 1 part\(s\), 12 UCS-2 units/);
    const long = report("long");
    expect(long).toMatchObject({ encoding: "GSM-7", segments: 4 });
    expect(long.warning).toMatch(/long\/sms\.hbs: warning: 4 SMS parts with the sample data \(more than 3/);
  });

  it("counts links as the short links they go out as, and says so", async () => {
    const long = `https://lyra.example/care/turntables/rd-2780/stylus?utm_source=sms&utm_campaign=${"x".repeat(120)}`;
    await writeSms("link", `Hi {{customer.firstName}}, your care guide: ${long}`);
    const { templates } = await loadSmsTemplates(dir);
    const t = templates.get("link");
    if (!t) throw new Error("link");
    // As written: two parts; as sent (https://r.lyra.example/s/ + 10): one.
    expect(smsReport(t, sampleTemplateData()).segments).toBe(2);
    const short = smsReport(t, sampleTemplateData(), { shortLinkBase: "https://r.lyra.example" });
    expect(short).toMatchObject({
      segments: 1,
      units: "Hi Ada, your care guide: https://r.lyra.example/s/".length + 10,
    });
    expect(short.summary).toMatch(/, its link counted short \(https:\/\/r\.lyra\.example\/s\/xxxxxxxxxx\)$/);
  });

  it("ships care-tip as an SMS template", async () => {
    const { templates, errors } = await loadSmsTemplates(configTemplatesDir);
    expect(errors).toEqual([]);
    const careTip = templates.get("care-tip");
    expect(careTip && smsReport(careTip, sampleTemplateData())).toMatchObject({
      encoding: "GSM-7",
      segments: 1,
    });
  });

  it("validate reports each SMS template beside ok", async () => {
    const result = await loadProject(join(configTemplatesDir, ".."));
    if (!result.ok) throw new Error(result.problems.join("\n"));
    expect(result.notes).toEqual([expect.stringMatching(/care-tip\/sms\.hbs: GSM-7, 1 part\(s\)/)]);
    expect(result.summary).toMatch(/, 1 SMS template\(s\)$/);
  });
});
