/**
 * A flow edited while runs wait (real Redis, SMTP, SQLite): runs in flight finish on the
 * version they started on; new runs start on the new one; both versions are on record.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, inject, it } from "vitest";
import { silentLogger } from "../../src/infra/logger.js";
import { type Rapport, startRapport } from "../../src/main.js";
import { type SmtpSink, startSmtpSink } from "../support/smtp-sink.js";
import { postEvent, registration, testEnv } from "../support/test-env.js";
import { openTestStore } from "../support/test-store.js";

const DAY = 24 * 3600_000;

const V1 = `name: Edited
trigger: { event: registration }
topic: check_ins
steps:
  - send: thank-you
  - wait: 14 days
  - send: check-in
`;

// Marketing inserts a step at the top and changes the last one: index 1 is no longer the wait.
const V2 = `name: Edited
trigger: { event: registration }
topic: check_ins
steps:
  - send: thanks-for-answer
  - send: thank-you
  - wait: 14 days
  - send: get-to-know-you
`;

describe("a flow edited while runs wait", () => {
  let sink: SmtpSink | null = null;
  let rapport: Rapport | null = null;
  afterEach(async () => {
    await rapport?.close();
    await sink?.close();
    rapport = sink = null;
  });

  it("keeps runs in flight on their version and starts new runs on the new one", async () => {
    sink = await startSmtpSink();
    const t = testEnv(
      inject("redisUrl"),
      { SMTP_URL: sink.url, RAPPORT_WAIT_SCALE: String(3000 / (14 * DAY)), RAPPORT_RETRY_BASE_MS: "300" },
      { flows: [] },
    );
    const file = join(t.dir, "config", "flows", "edited.yaml");
    writeFileSync(file, V1);
    rapport = await startRapport({ settings: t.settings, role: "all", logger: silentLogger });
    await postEvent(rapport.httpPort as number, registration({ id: "v-1", email: "first@example.com" }));
    await sink.waitFor(1);
    await rapport.close();

    writeFileSync(file, V2);
    rapport = await startRapport({ settings: t.settings, role: "all", logger: silentLogger });
    await postEvent(rapport.httpPort as number, registration({ id: "v-2", email: "second@example.com" }));

    const all = await sink.waitFor(5, 20_000);
    const to = (email: string) =>
      all.filter((m) => m.envelopeTo.includes(email)).map((m) => m.parsed.subject);
    expect(to("first@example.com")).toEqual([
      "Thank you for registering your Lyra RD 2780",
      "How is your Lyra RD 2780 treating you?",
    ]);
    // The new version's first two sends leave in one step and are delivered side by side:
    // which reaches the server first is not part of the contract.
    expect(to("second@example.com").sort()).toEqual([
      "Thank you for registering your Lyra RD 2780",
      "Thank you for your answer",
      "What will you play first on your Lyra RD 2780?",
    ]);

    const store = await openTestStore(t.settings);
    try {
      const first = (await store.timeline("first@example.com"))?.runs[0];
      const second = (await store.timeline("second@example.com"))?.runs[0];
      expect(first?.flowVersion).not.toBe(second?.flowVersion);
      expect(await store.getFlowVersion("edited", first?.flowVersion as string)).toMatchObject({
        steps: [{ template: "thank-you" }, { type: "wait" }, { template: "check-in" }],
      });
      // Nothing new to record when the same files load again.
      expect(await store.recordFlowVersions([], Date.now())).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it("moves runs in flight to the new version when the flow says runs_in_flight: move", async () => {
    sink = await startSmtpSink();
    const t = testEnv(
      inject("redisUrl"),
      { SMTP_URL: sink.url, RAPPORT_WAIT_SCALE: String(3000 / (14 * DAY)), RAPPORT_RETRY_BASE_MS: "300" },
      { flows: [] },
    );
    const file = join(t.dir, "config", "flows", "edited.yaml");
    const named = (yaml: string) =>
      `${yaml.replace("trigger:", "runs_in_flight: move\ntrigger:").replace("  - wait: 14 days", "  - wait: 14 days\n    id: pause")}`;
    writeFileSync(file, named(V1));
    rapport = await startRapport({ settings: t.settings, role: "all", logger: silentLogger });
    await postEvent(rapport.httpPort as number, registration({ id: "m-1", email: "first@example.com" }));
    await sink.waitFor(1);
    await rapport.close();

    writeFileSync(file, named(V2));
    rapport = await startRapport({ settings: t.settings, role: "all", logger: silentLogger });
    const all = await sink.waitFor(2, 20_000);
    // The run moved: after the wait it takes V2's next step, not V1's check-in.
    expect(all[1]?.parsed.subject).toBe("What will you play first on your Lyra RD 2780?");
    const store = await openTestStore(t.settings);
    try {
      const run = (await store.timeline("first@example.com"))?.runs[0];
      const moved = run?.steps.find((s) => s.stepType === "version");
      expect(moved).toMatchObject({
        stepId: "pause",
        detail: expect.stringMatching(/^moved from version \w+ to \w+$/),
      });
      expect(run?.flowVersion).toBe((await store.listFlowVersions("edited")).at(-1)?.version);
    } finally {
      await store.close();
    }
  });
});
