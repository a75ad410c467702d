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

  it("takes the address out of a mailbox", () => {
    expect(addressOf("Lyra Audio <hello@lyra-audio.example>")).toBe("hello@lyra-audio.example");
    expect(addressOf("care@lyra-audio.example")).toBe("care@lyra-audio.example");
  });
});
