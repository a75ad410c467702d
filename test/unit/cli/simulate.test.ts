import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
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

  it("starts the shipped birthday flow on the birthday every year, in the window, with tags and preferences from the file", async () => {
    const { flows } = await loadFlows(resolve("config/flows"));
    const flow = flows.find((f) => f.id === "birthday");
    if (!flow) throw new Error("no birthday flow");
    const config = await loadSimulationConfig(resolve("config"));
    const dir = mkdtempSync(join(tmpdir(), "rapport-sim-"));
    const write = (name: string, body: unknown) => {
      writeFileSync(join(dir, name), JSON.stringify(body));
      return readCustomerFile(join(dir, name));
    };
    const customer = {
      email: "nia@example.com",
      name: "Nia Park",
      timezone: "America/New_York",
      birthday: "03-14",
    };
    const file = await write("nia.json", { customer, tags: ["vip"], start: "2026-12-01T09:00:00Z" });
    const report = simulateForCustomer(flow, file, config, { days: 800, now: 0 });
    // 09:00 New York on Sunday 2027-03-14 is 13:00 UTC (DST); no Sundays in the window: Monday 09:00.
    expect(report.entries.filter((e) => e.kind === "send").map((e) => [e.at, e.deliveredAt])).toEqual([
      [Date.parse("2027-03-14T13:00:00Z"), Date.parse("2027-03-15T13:00:00Z")],
      [Date.parse("2028-03-14T13:00:00Z"), Date.parse("2028-03-14T13:00:00Z")],
    ]);
    expect(report.text).toContain("2027-03-15 09:00 America/New_York");

    const off = await write("off.json", {
      customer,
      preferences: { topics: { birthday: false } },
      start: "2026-12-01T09:00:00Z",
    });
    const held = simulateForCustomer(flow, off, config, { days: 200, now: 0 });
    expect(held.entries.filter((e) => e.kind === "send")).toEqual([]);
    expect(held.text).toMatch(/email held back: birthday: held back: Nia turned off Birthday wishes/);
  });

  it("times a text by the SMS quiet hours and holds it back without SMS consent, as delivery does", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rapport-sim-"));
    mkdirSync(join(dir, "flows"));
    writeFileSync(
      join(dir, "flows", "tip.yaml"),
      [
        "name: Tip by text",
        "trigger: { event: registration }",
        "steps:",
        "  - send: { template: care-tip, channel: sms }",
        "    id: tip",
        "  - send: care-tip",
        "    id: same-tip-by-email",
        "",
      ].join("\n"),
    );
    const { flows } = await loadFlows(join(dir, "flows"));
    const [flow] = flows;
    if (!flow) throw new Error("no flow");
    const config = await loadSimulationConfig(resolve("config"));
    const customer = {
      email: "grace@example.com",
      name: "Grace Hopper",
      timezone: "Europe/Copenhagen",
      phone: "+4520123456",
    };
    const write = (name: string, body: unknown) => {
      writeFileSync(join(dir, name), JSON.stringify(body));
      return readCustomerFile(join(dir, name));
    };
    // Tuesday 09:30 in Copenhagen: inside the email window (09:00-20:00), before the texts' 10:00.
    const start = "2026-12-01T08:30:00Z";
    const consenting = await write("yes.json", {
      customer: { ...customer, consent: { sms: true, source: "registration form" } },
      start,
    });
    const sent = simulateForCustomer(flow, consenting, config, { days: 2, now: 0 });
    expect(sent.entries.filter((e) => e.kind === "send").map((e) => [e.stepId, e.deliveredAt])).toEqual([
      ["tip", Date.parse("2026-12-01T09:00:00Z")],
      ["same-tip-by-email", Date.parse("2026-12-01T08:30:00Z")],
    ]);

    const silent = await write("no.json", { customer, start });
    const held = simulateForCustomer(flow, silent, config, { days: 2, now: 0 });
    expect(held.entries.filter((e) => e.kind === "send").map((e) => e.stepId)).toEqual(["same-tip-by-email"]);
    expect(held.text).toMatch(/text held back: care-tip: held back: Grace has not agreed to marketing SMS/);
  });

  it.each([
    ['{"customer": {}}', /customer\.email/],
    [
      '{"customer": {"email": "a@b.example"}, "events": [{"type": "purchase", "at": "later"}]}',
      /events\.0\.at: expected a duration/,
    ],
    ['{"customer": {"email": "a@b.example"}, "replies": ["soon"]}', /replies\.0: expected a duration/],
    ['{"customer": {"email": "a@b.example"}, "colour": 1}', /colour/],
    ["{not json", /JSON/],
  ])("names what is wrong in %s", async (content, message) => {
    const file = join(mkdtempSync(join(tmpdir(), "rapport-sim-")), "c.json");
    writeFileSync(file, content);
    await expect(readCustomerFile(file)).rejects.toThrow(message);
  });
});
