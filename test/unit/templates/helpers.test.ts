import { describe, expect, it } from "vitest";
import { templateVariables } from "../../../src/templates/data.js";
import { templateHandlebars, templateHelperNames } from "../../../src/templates/environment.js";
import { sampleTemplateData } from "../../../src/templates/sample-data.js";
import { closest } from "../../../src/templates/suggest.js";

const render = (source: string, data: unknown = sampleTemplateData()) =>
  templateHandlebars.compile(source, { strict: true, noEscape: true })(data);

describe("template helpers", () => {
  it("default: the fallback for null, missing or blank values", () => {
    const data = sampleTemplateData();
    expect(render('{{default customer.firstName "there"}}', data)).toBe("Ada");
    data.customer.firstName = null;
    expect(render('{{default customer.firstName "there"}}', data)).toBe("there");
    data.customer.firstName = "  ";
    expect(render('{{default customer.firstName "there"}}', data)).toBe("there");
    // Helper arguments are not strict: an absent attribute falls back instead of failing.
    expect(render('{{default customer.attributes.nickname "friend"}}', data)).toBe("friend");
    expect(() => render("{{default customer.firstName}}", data)).toThrow(
      /default takes a value and a fallback/,
    );
  });

  it("formatDate: a calendar date in the customer's locale, never shifted by time zones", () => {
    const data = sampleTemplateData();
    data.customer.attributes.delivered = "2026-12-06";
    expect(render("{{formatDate customer.attributes.delivered}}", data)).toBe("6 December 2026");
    data.customer.locale = "de-DE";
    expect(render("{{formatDate customer.attributes.delivered}}", data)).toBe("6. Dezember 2026");
    data.customer.locale = "en-US";
    expect(render("{{formatDate customer.attributes.delivered}}", data)).toBe("December 6, 2026");
    expect(render('{{formatDate customer.attributes.delivered locale="fr-FR" style="full"}}', data)).toBe(
      "dimanche 6 décembre 2026",
    );
    data.customer.timezone = "Pacific/Kiritimati";
    expect(render("{{formatDate customer.attributes.delivered}}", data)).toBe("December 6, 2026");
  });

  it("formatDate: a timestamp in the customer's time zone; bad locales fall back to en-GB", () => {
    const data = sampleTemplateData();
    data.customer.attributes.at = "2026-12-06T23:30:00Z";
    data.customer.timezone = "Europe/Berlin";
    expect(render("{{formatDate customer.attributes.at}}", data)).toBe("7 December 2026");
    data.customer.locale = "not a locale!";
    data.customer.timezone = "Mars/Olympus";
    expect(render("{{formatDate customer.attributes.at}}", data)).toBe("6 December 2026");
  });

  it("formatDate: refuses what is not a date", () => {
    const data = sampleTemplateData();
    data.customer.attributes.bad = "2026-02-31";
    expect(() => render("{{formatDate customer.attributes.bad}}", data)).toThrow(/not a real date/);
    expect(() => render("{{formatDate customer.name}}", data)).toThrow(/expected an ISO date/);
    expect(() => render('{{formatDate customer.birthday style="huge"}}', data)).toThrow(/style must be/);
  });

  it("address: the bare address of a mailbox", () => {
    expect(render("{{address brand.supportAddress}}")).toBe("care@lyra-audio.example");
    expect(render("{{address customer.email}}")).toBe("ada@example.com");
  });

  it("live in an isolated environment", async () => {
    const { default: Handlebars } = await import("handlebars");
    expect(Handlebars.helpers.formatDate).toBeUndefined();
    expect([...templateHelperNames].sort()).toEqual(
      ["address", "default", "each", "formatDate", "if", "log", "lookup", "unless", "with"].sort(),
    );
  });
});

describe("suggestions", () => {
  it("finds near typos, ignores case, and stays quiet when nothing is close", () => {
    expect(closest("frstName", ["firstName", "name"])).toBe("firstName");
    expect(closest("emial", ["email", "name"])).toBe("email");
    expect(closest("firstname", ["firstName"])).toBe("firstName");
    expect(closest("title", ["name", "sku"])).toBeNull();
  });

  it("the known-variable tree has every root of the data", () => {
    expect(Object.keys(templateVariables)).toEqual(Object.keys(sampleTemplateData()));
  });
});
