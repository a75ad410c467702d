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
