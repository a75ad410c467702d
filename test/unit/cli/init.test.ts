import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { formatInit, initProject } from "../../../src/cli/init.js";
import { packageRoot } from "../../../src/cli/package-root.js";
import { loadProject } from "../../../src/project.js";

const fresh = () => mkdtempSync(join(tmpdir(), "rapport-init-"));

describe("rapport init", () => {
  it("lays out config/ and schema/ from the package, which then validate as a project", async () => {
    const to = fresh();
    const result = await initProject({ from: packageRoot(), to, force: false });
    if (!result.ok) throw new Error(`refused: ${result.existing.join(", ")}`);
    expect(result.written).toEqual(
      expect.arrayContaining([
        "config/rapport.yaml",
        "config/flows/thank-you.yaml",
        "config/templates/thank-you/body.mjml",
        "config/examples/ada.json",
        "schema/flow.schema.json",
      ]),
    );
    for (const file of result.written)
      expect(readFileSync(join(to, file), "utf8")).toBe(readFileSync(resolve(file), "utf8"));
    // The flows' editor hint resolves in the new layout as it does in the repository.
    expect(existsSync(join(to, "config/flows", "../../schema/flow.schema.json"))).toBe(true);
    const project = await loadProject(join(to, "config"));
    expect(project.ok).toBe(true);
    expect(formatInit(result, to, to)).toMatch(
      /^wrote \d+ file\(s\) in \.:\n {2}config\/examples\/ada\.json\n/,
    );
  });

  it("refuses to overwrite an existing file and writes nothing; --force overwrites", async () => {
    const to = fresh();
    await mkdir(join(to, "config"), { recursive: true });
    writeFileSync(join(to, "config/rapport.yaml"), "brand: mine\n");
    const refused = await initProject({ from: packageRoot(), to, force: false });
    expect(refused).toEqual({ ok: false, existing: ["config/rapport.yaml"] });
    expect(existsSync(join(to, "config/flows"))).toBe(false);
    expect(formatInit(refused, join(to, "brand"), to)).toContain(
      "1 file(s) already exist in brand, nothing written:\n  config/rapport.yaml\nRun `rapport init --force`",
    );

    const forced = await initProject({ from: packageRoot(), to, force: true });
    if (!forced.ok) throw new Error("refused with force");
    expect(forced.overwritten).toEqual(["config/rapport.yaml"]);
    expect(readFileSync(join(to, "config/rapport.yaml"), "utf8")).not.toBe("brand: mine\n");
    expect(formatInit(forced, to, to)).toContain("  config/rapport.yaml (overwritten)");
  });

  it("names the package's missing defaults", async () => {
    await expect(initProject({ from: fresh(), to: fresh(), force: false })).rejects.toThrow(
      /the package's defaults are incomplete: .*config\/rapport\.yaml, .*config\/flows, .*config\/templates, .*config\/examples, .*schema\/flow\.schema\.json are missing/,
    );
  });
});
