import { existsSync, readdirSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkFlowReferences } from "../../../src/flows/check.js";
import { loadFlows } from "../../../src/flows/load.js";
import { formatFlowError } from "../../../src/flows/parse.js";

const GOOD = "name: Good\ntrigger:\n  event: registration\nsteps:\n  - send: a\n";

describe("loadFlows", () => {
  let dir = "";
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "rapport-flows-"));
    await writeFile(join(dir, "b-good.yaml"), GOOD);
    await writeFile(join(dir, "a-good.yml"), GOOD);
    await writeFile(join(dir, "bad.yaml"), `${GOOD}  - wiat: 2d\n`);
    await writeFile(join(dir, "b-good.yml"), GOOD); // same id as b-good.yaml
    await writeFile(join(dir, "notes.txt"), "not a flow");
    await mkdir(join(dir, "folder.yaml"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("reads every .yaml/.yml file, keeps the good ones and reports the rest", async () => {
    const { flows, errors } = await loadFlows(dir);
    expect(flows.map((f) => f.id)).toEqual(["a-good", "b-good"]);
    expect(errors.map(formatFlowError)).toEqual([
      `${join(dir, "b-good.yml")}:1:1: ${join(dir, "b-good.yaml")} already defines the flow "b-good"; rename or remove one of the two files`,
      `${join(dir, "bad.yaml")}:6:5: steps[1].wiat: unknown setting "wiat" (allowed here: branch, exit, id, keep_as, notify, on_event, on_reply, on_timeout, send, set, tag, topic, transactional, untag, wait, wait_for, wait_for_reply, wait_until); did you mean "wait"?`,
    ]);
  });

  it("reports a missing folder instead of throwing", async () => {
    const missing = join(dir, "nope");
    const { flows, errors } = await loadFlows(missing);
    expect(flows).toEqual([]);
    expect(errors.map(formatFlowError)).toEqual([
      `${missing}: the flows folder does not exist; create it and add flow files (*.yaml)`,
    ]);
  });
});

describe("config/flows (the shipped examples)", () => {
  it("all parse, and thank-you does what its comments say", async () => {
    const { flows, errors } = await loadFlows("config/flows");
    expect(errors.map(formatFlowError)).toEqual([]);
    const thankYou = flows.find((f) => f.id === "thank-you");
    expect(thankYou).toMatchObject({
      trigger: { event: "registration" },
      entry: "once_per_product",
      steps: [
        { type: "send", template: "thank-you" },
        { type: "wait", durationMs: 14 * 24 * 60 * 60 * 1000 },
        { type: "send", template: "check-in" },
        // Care tips offered by text to owners with a phone and SMS consent.
        {
          type: "branch",
          arms: [
            {
              steps: [
                { type: "wait" },
                { type: "send", template: "care-tips-offer", channel: "sms" },
                { type: "wait_for_reply", onReply: [{ type: "branch" }] },
              ],
            },
          ],
        },
      ],
    });
    // Every template a shipped flow names is a folder under config/templates.
    const templates = readdirSync(resolve("config/templates"), { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name);
    const sms = templates.filter((t) => existsSync(resolve("config/templates", t, "sms.hbs")));
    expect(checkFlowReferences(flows, new Set(templates), new Set(sms))).toEqual([]);
  });

  it("get-to-know-you asks, waits 10 days for a reply, and thanks only those who answer", async () => {
    const { flows } = await loadFlows("config/flows");
    expect(flows.find((f) => f.id === "get-to-know-you")).toMatchObject({
      trigger: { event: "registration" },
      steps: [
        { type: "wait" },
        { type: "send", template: "get-to-know-you", channel: "preferred" },
        {
          type: "wait_for_reply",
          timeoutMs: 10 * 24 * 60 * 60 * 1000,
          onReply: [{ type: "send", template: "thanks-for-answer", channel: "preferred" }],
          onTimeout: [],
        },
      ],
    });
  });

  it("owner-line tells the team, then the owner", async () => {
    const { flows } = await loadFlows("config/flows");
    expect(flows.find((f) => f.id === "owner-line")).toMatchObject({
      trigger: { event: "owner_message" },
      entry: "every_time",
      steps: [
        { type: "notify", template: "owner-message-to-team" },
        { type: "send", template: "owner-message-received" },
      ],
    });
  });
});
