import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { loadSimulationConfig, readCustomerFile, simulateForCustomer } from "../../../src/cli/simulate.js";
import { loadFlows } from "../../../src/flows/load.js";

describe("rapport simulate", () => {
  it("prints the dated emails of the shipped example customer, subjects rendered", async () => {
    const { flows } = await loadFlows(resolve("config/flows"));
    const file = await readCustomerFile(resolve("config/examples/ada.json"));
    const flow = flows.find((f) => f.id === "thank-you");
    if (!flow) throw new Error("no thank-you flow");
    const config = await loadSimulationConfig(resolve("config"));
    const report = simulateForCustomer(flow, file, config, { days: 30, now: 0 });
    expect(report.text).toContain(
      '2026-12-01 09:00  send    [thank-you] email to the customer: thank-you "Thank you for registering your Lyra RD 2780"',
    );
    expect(report.text).toContain("2026-12-15 09:00  send    [check-in]");
    expect(report.text).toContain("not waiting for a reply");
    expect(report.text).toMatch(/2 email\(s\) to the customer\.$/);
  });

  it.each([
    ['{"customer": {}}', /customer\.email/],
    ['{"customer": {"email": "a@b.example"}, "replies": ["soon"]}', /replies\.0: expected a duration/],
    ['{"customer": {"email": "a@b.example"}, "colour": 1}', /colour/],
    ["{not json", /JSON/],
  ])("names what is wrong in %s", async (content, message) => {
    const file = join(mkdtempSync(join(tmpdir(), "rapport-sim-")), "c.json");
    writeFileSync(file, content);
    await expect(readCustomerFile(file)).rejects.toThrow(message);
  });
});
