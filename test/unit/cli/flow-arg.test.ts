/**
 * `rapport graph` takes a flow id or the path of a flow file (a path was "no flow of that
 * name", issue 11).
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { findFlow, isFlowPath } from "../../../src/cli/flow-arg.js";

describe("findFlow", () => {
  it("finds a flow by id in the config's flows folder", async () => {
    expect((await findFlow("thank-you", "config")).id).toBe("thank-you");
  });

  it("reads a flow file by path, relative or absolute, inside the config or not", async () => {
    expect((await findFlow("config/flows/thank-you.yaml", "elsewhere")).id).toBe("thank-you");
    const dir = mkdtempSync(join(tmpdir(), "rapport-flow-arg-"));
    const file = join(dir, "draft.yml");
    writeFileSync(file, "name: Draft\ntrigger:\n  event: registration\nsteps:\n  - exit\n");
    expect((await findFlow(file, "config")).name).toBe("Draft");
  });

  it("says what is wrong: a missing file, a file's problems, an unknown id with a suggestion", async () => {
    await expect(findFlow("config/flows/nope.yaml", "config")).rejects.toThrow(
      "config/flows/nope.yaml: no such flow file",
    );
    const dir = mkdtempSync(join(tmpdir(), "rapport-flow-arg-"));
    const file = join(dir, "broken.yaml");
    writeFileSync(file, "name: Broken\ntrigger:\n  event: registration\nsteps:\n  - wiat: 3 days\n");
    await expect(findFlow(file, "config")).rejects.toThrow(/broken\.yaml:5:5: .*wait/);
    await expect(findFlow("thank-yuo", "config")).rejects.toThrow(
      /^no flow "thank-yuo" in config\/flows \(flows: .*thank-you, what-do-you-use-it-for; or give the path of a flow file\); did you mean "thank-you"\?$/,
    );
  });

  it("tells paths from ids", () => {
    expect(isFlowPath("thank-you")).toBe(false);
    expect(isFlowPath("thank-you.yaml")).toBe(true);
    expect(isFlowPath("flows/thank-you")).toBe(true);
  });
});
