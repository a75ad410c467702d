import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { packageVersion } from "../../../src/cli/package-root.js";

describe("rapport --version", () => {
  it("is package.json's version", () => {
    expect(packageVersion()).toBe(JSON.parse(readFileSync("package.json", "utf8")).version);
  });

  it.each(["1.2", "v1.2.3", undefined])("refuses %s, naming the file and field", (version) => {
    const dir = `${mkdtempSync(join(tmpdir(), "rapport-version-"))}/`;
    writeFileSync(`${dir}package.json`, JSON.stringify({ version }));
    expect(() => packageVersion(dir)).toThrow(/package\.json: version: expected a semantic version/);
  });
});
