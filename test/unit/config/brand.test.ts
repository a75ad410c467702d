import { describe, expect, it } from "vitest";
import { addressOf, BrandConfigError, parseBrand } from "../../../src/config/brand.js";

const good = `brand:
  name: Lyra Audio
  from: "Lyra Audio <hello@lyra-audio.example>"
  replyDomain: reply.lyra-audio.example
  postalAddress: "Lyra Audio GmbH, Berlin"
  publicUrl: https://lyra-audio.example
`;

function problems(source: string): string[] {
  try {
    parseBrand(source, "config/rapport.yaml");
  } catch (err) {
    if (err instanceof BrandConfigError) return err.message.split("\n");
    throw err;
  }
  return [];
}

describe("brand settings", () => {
  it("parses the example", () => {
    expect(parseBrand(good, "x.yaml")).toMatchObject({ name: "Lyra Audio", defaultTimezone: "UTC" });
  });

  it.each([
    [
      good.replace("replyDomain: reply.lyra-audio.example", "replyDomain: nope"),
      "config/rapport.yaml:4:16: brand.replyDomain:",
    ],
    [
      good.replace("  name: Lyra Audio\n", "  name: Lyra Audio\n  colour: red\n"),
      'config/rapport.yaml:3:3: brand.colour: unknown setting "colour"',
    ],
    [good.replace("publicUrl: https://", "publicUrl: ftp://"), "config/rapport.yaml:6:14: brand.publicUrl:"],
    [
      good.replace('  from: "Lyra Audio <hello@lyra-audio.example>"\n', ""),
      "config/rapport.yaml:2:3: brand.from: missing",
    ],
    ["brand: [\n", "config/rapport.yaml:2:1: (yaml): YAML syntax"],
  ])("reports problem %# with its position", (source, expected) => {
    expect(problems(source).join("\n")).toContain(expected);
  });

  it("fills in the default colours, and takes the brand's own (each one alone too)", () => {
    expect(parseBrand(good, "x.yaml").colors).toEqual({
      primary: "#8c4a2f",
      background: "#fffdfa",
      text: "#26211d",
    });
    const own = parseBrand(`${good}  colors:\n    primary: "#1d4ed8"\n`, "x.yaml");
    expect(own.colors).toEqual({ primary: "#1d4ed8", background: "#fffdfa", text: "#26211d" });
  });

  it("reads the topics customers can choose, none when absent", () => {
    expect(parseBrand(good, "x.yaml").topics).toEqual({});
    const withTopics = `${good}topics:\n  product_news:\n    title: Product news\n    description: Updates.\n  birthday:\n    title: Birthday wishes\n`;
    expect(parseBrand(withTopics, "x.yaml").topics).toEqual({
      product_news: { title: "Product news", description: "Updates." },
      birthday: { title: "Birthday wishes" },
    });
  });

  it.each([
    [
      `  colors:\n    primary: 8c4a2f\n`,
      "config/rapport.yaml:8:14: brand.colors.primary: expected a hex colour",
    ],
    [
      `  colors:\n    primary: "#8c4a2f"\n    accent: "#000"\n`,
      'config/rapport.yaml:9:5: brand.colors.accent: unknown setting "accent"',
    ],
    [
      `  colors:\n    background: "#ffffff"\n    text: "#aaaaaa"\n`,
      "config/rapport.yaml:9:11: brand.colors.text: text #aaaaaa on background #ffffff has a contrast of 2.3:1; readable text needs at least 4.5:1 (WCAG AA)",
    ],
    [
      `  colors:\n    primary: "#ffcc00"\n`,
      "config/rapport.yaml:8:14: brand.colors.primary: links in primary #ffcc00 on background #fffdfa has a contrast of 1.4:1",
    ],
  ])("refuses colours that are not hex or not readable (%#), with the position", (colors, expected) => {
    expect(problems(`${good}${colors}`).join("\n")).toContain(expected);
  });

  it.each([
    [
      "topics:\n  Care-Tips:\n    title: Care tips\n",
      'config/rapport.yaml:8:3: topics.Care-Tips: expected a topic name of lowercase letters, digits and "_", starting with a letter (at most 40), like product_news',
    ],
    [
      "topics:\n  birthday: Birthday wishes\n",
      'config/rapport.yaml:8:13: topics.birthday: expected { title: "Product news", description: "…" }, found "Birthday wishes"',
    ],
    [
      "topics:\n  birthday:\n    titel: Birthday wishes\n",
      'config/rapport.yaml:9:5: topics.birthday.titel: unknown setting "titel"',
    ],
    [
      'topics:\n  birthday:\n    title: ""\n',
      'config/rapport.yaml:9:12: topics.birthday.title: the title customers see, e.g. Product news, found ""',
    ],
  ])("reports a bad topic with its position: %j", (topics, expected) => {
    expect(problems(`${good}${topics}`)).toContain(expected);
  });

  it("takes the address out of a mailbox", () => {
    expect(addressOf("Lyra Audio <hello@lyra-audio.example>")).toBe("hello@lyra-audio.example");
    expect(addressOf("care@lyra-audio.example")).toBe("care@lyra-audio.example");
  });
});
