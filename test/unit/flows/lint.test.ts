/**
 * Warnings `rapport validate` prints without failing: conditions on tags no flow sets (a
 * typo'd `answerd-check-in` passed silently, issue 11), event types that are near misses
 * of known ones, and mail rapport raises events for that no flow hears.
 */
import { cpSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { KNOWN_EVENT_TYPES } from "../../../src/events/known-types.js";
import { eventTypeWarnings, tagWarnings } from "../../../src/flows/lint.js";
import { formatFlowError, parseFlow } from "../../../src/flows/parse.js";
import type { Flow } from "../../../src/flows/types.js";
import { loadProject } from "../../../src/project.js";

function flowFrom(source: string, file: string): Flow {
  const result = parseFlow(source, file);
  if (!result.ok) throw new Error(result.errors.map(formatFlowError).join("\n"));
  return result.flow;
}

const setter = flowFrom(
  `name: Check-in
trigger:
  event: registration
steps:
  - wait_for_reply: 3 days
    on_reply:
      - tag: answered-check-in
      - tag: [vip]
`,
  "config/flows/check-in.yaml",
);

const reader = flowFrom(
  `name: Follow-up
trigger:
  event: registration
  where:
    customer.tags: { not: answerd-check-in }
exit_when:
  tagged: answerd-check-in
goal:
  any:
    - tagged: vip
    - tagged: gold
steps:
  - branch:
      - if: { tagged: answered-check-in }
        then: [exit]
      - if: { customer.tags: { in: [vipp, vip] } }
        then: [exit]
`,
  "config/flows/follow-up.yaml",
);

const all = [setter, reader];

describe("tagWarnings", () => {
  it("names each tag read but never set, where it is read, the tags flows set, and a did-you-mean", () => {
    expect(tagWarnings(all).map(formatFlowError)).toEqual([
      'config/flows/follow-up.yaml:5:5: trigger.where: the tag "answerd-check-in" is never set: no flow has a tag step that adds it, so this condition never sees it (tags flows set: answered-check-in, vip); did you mean "answered-check-in"?',
      'config/flows/follow-up.yaml:7:3: exit_when: the tag "answerd-check-in" is never set: no flow has a tag step that adds it, so this condition never sees it (tags flows set: answered-check-in, vip); did you mean "answered-check-in"?',
      'config/flows/follow-up.yaml:9:3: goal: the tag "gold" is never set: no flow has a tag step that adds it, so this condition never sees it (tags flows set: answered-check-in, vip)',
      'config/flows/follow-up.yaml:16:13: steps[0].branch[1].if: the tag "vipp" is never set: no flow has a tag step that adds it, so this condition never sees it (tags flows set: answered-check-in, vip); did you mean "vip"?',
    ]);
  });

  it("is quiet when every tag read is set by some flow", () => {
    expect(tagWarnings([setter])).toEqual([]);
  });
});

describe("eventTypeWarnings", () => {
  const on = (event: string, file: string, extra = "") =>
    flowFrom(`name: X\ntrigger:\n  event: ${event}\nsteps:\n  - exit${extra}\n`, file);
  const listeners = [on("reply", "config/flows/r.yaml"), on("owner_message", "config/flows/o.yaml")];

  it("flags a near miss of a known type, or of one another flow uses; a shop's own type passes", () => {
    const waits = flowFrom(
      `name: W
trigger:
  event: review
steps:
  - wait_for: { event: reviw, timeout: 3 days }
`,
      "config/flows/w.yaml",
    );
    const flows = [...listeners, on("purchse", "config/flows/p.yaml"), waits];
    expect(eventTypeWarnings(flows, KNOWN_EVENT_TYPES, "config/flows").map(formatFlowError)).toEqual([
      'config/flows/p.yaml:3:10: trigger.event: nothing is known to send "purchse" events (rapport and the shop send registration, purchase, disposition, reply, owner_message, preference_changed); did you mean "purchase", sent by registration forms and shops (POST /v1/events)? (If your own system sends "purchse", ignore this.)',
      'config/flows/w.yaml:3:10: trigger.event: nothing is known to send "review" events (rapport and the shop send registration, purchase, disposition, reply, owner_message, preference_changed); did you mean "reviw", which other flows use? (If your own system sends "review", ignore this.)',
      'config/flows/w.yaml:5:15: steps[0].wait_for.event: nothing is known to send "reviw" events (rapport and the shop send registration, purchase, disposition, reply, owner_message, preference_changed); did you mean "review", which other flows use? (If your own system sends "reviw", ignore this.)',
    ]);
    expect(
      eventTypeWarnings([...listeners, on("review", "config/flows/v.yaml")], KNOWN_EVENT_TYPES, "x"),
    ).toEqual([]);
  });

  it("says when mail from people raises an event no flow hears", () => {
    expect(
      eventTypeWarnings([on("registration", "config/flows/t.yaml")], KNOWN_EVENT_TYPES, "config/flows").map(
        formatFlowError,
      ),
    ).toEqual([
      'config/flows: no flow starts on or waits for "reply" (raised by rapport, when a person replies to one of our messages): such mail is kept on the customer\'s timeline, but unless a run waits for it (wait_for_reply), nobody is told. Add a flow with trigger: { event: reply } that notifies the team.',
      'config/flows: no flow starts on or waits for "owner_message" (raised by rapport, when an owner writes to their owner line): such mail is kept on the customer\'s timeline, but unless a run waits for it (wait_for_reply), nobody is told. Add a flow with trigger: { event: owner_message } that notifies the team.',
    ]);
  });
});

describe("loadProject", () => {
  it("passes the shipped config with no warnings", async () => {
    const result = await loadProject(resolve("config"));
    expect(result.warnings).toEqual([]);
  });

  it("warns about a typo'd tag but still loads", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rapport-lint-"));
    cpSync(resolve("config"), dir, { recursive: true });
    writeFileSync(
      join(dir, "flows", "nudge.yaml"),
      `name: Nudge
trigger:
  event: registration
  where:
    product.category: turntable
entry: once_per_product
topic: check_ins
steps:
  - wait: 30 days
  - branch:
      - if: { tagged: answerd-check-in }
        then: [exit]
  - send: check-in
`,
    );
    const result = await loadProject(dir);
    expect(result.ok).toBe(true);
    expect(result.warnings).toEqual([
      expect.stringMatching(
        /nudge\.yaml:11:13: steps\[1\]\.branch\[0\]\.if: the tag "answerd-check-in" is never set: .*\(tags flows set: care-tips-by-text\)$/,
      ),
    ]);
  });
});
