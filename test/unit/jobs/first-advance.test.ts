/**
 * planFirstAdvance: a new run's first step decided from the facts the events job holds,
 * so it is written in the ingest transaction; null wherever that needs a store read or
 * cannot be decided, leaving the step to advanceRun after the commit.
 */
import { describe, expect, it } from "vitest";
import type { Brand } from "../../../src/config/brand.js";
import { parseFlow } from "../../../src/flows/parse.js";
import { runStart } from "../../../src/flows/run-start.js";
import type { Flow } from "../../../src/flows/types.js";
import { type KnownFacts, planFirstAdvance } from "../../../src/jobs/process-step.js";
import type { IngestedEvent, RunRow } from "../../../src/store/store.js";

const NOW = Date.UTC(2026, 10, 28, 12);
const DAY = 86_400_000;

function flowOf(id: string, yaml: string): Flow {
  const parsed = parseFlow(yaml, `${id}.yaml`);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.flow;
}

const flows = [
  flowOf(
    "thanks",
    "name: Thanks\ntrigger: { event: registration }\nexit_when: { ownership.status: disposed }\nsteps:\n" +
      "  - send: thank-you\n    id: thank-you\n    transactional: true\n  - wait: 14 days\n  - send: check-in\n",
  ),
  flowOf(
    "vip",
    "name: VIP\ntrigger: { event: registration }\nsteps:\n" +
      "  - branch:\n      - if: { customer.tags: { contains: vip } }\n        then: [ { send: vip-welcome } ]\n" +
      "  - send: everyone\n",
  ),
  flowOf(
    "offer",
    "name: Offer\ntrigger: { event: registration }\nsteps:\n" +
      "  - branch:\n      - if: { owns: { category: mat } }\n        then: [ { send: thanks-again } ]\n",
  ),
];

function ingested(tags: string[]): IngestedEvent {
  return {
    customer: {
      id: "c1",
      email: "ada@example.com",
      name: "Ada",
      timezone: null,
      locale: null,
      birthday: null,
      attributes: {},
      tags,
      preferences: {},
      phone: null,
      smsConsent: null,
      smsConsentSource: null,
      smsConsentAt: null,
      createdAt: NOW,
      updatedAt: NOW,
    },
    ownership: {
      id: "o1",
      customerId: "c1",
      productId: "p1",
      kind: "registration",
      status: "active",
      serial: null,
      startedAt: NOW,
      endedAt: null,
    },
    product: { id: "p1", sku: "LYRA", name: null, category: null, relationship: null },
  };
}

function newRunOf(flow: Flow): RunRow {
  const start = runStart(
    flow,
    { kind: "event", eventId: "e1" },
    { customerId: "c1", ownershipId: "o1" },
    NOW,
  );
  return {
    id: `run-${flow.id}`,
    flowId: start.flowId,
    flowVersion: start.flowVersion,
    customerId: "c1",
    ownershipId: "o1",
    eventId: "e1",
    entryKey: start.entryKey,
    state: start.state,
    status: start.state.status,
    wakeAt: null,
    seq: 0,
    error: null,
    createdAt: NOW,
    updatedAt: NOW,
    completedAt: null,
  };
}

function plan(run: RunRow, tags: string[] = [], flowsByName = flows) {
  let n = 0;
  const deps = {
    flows: new Map(flowsByName.map((f) => [f.id, f])),
    brand: { replyDomain: "reply.example", defaultTimezone: "UTC" } as Brand,
    newId: () => `m${++n}`,
    waitScale: 1,
  };
  const known: KnownFacts = {
    event: { type: "registration", body: { type: "registration", customer: { email: "ada@example.com" } } },
    ingested: ingested(tags),
  };
  return planFirstAdvance(run, deps, known, NOW);
}

const byId = (id: string) => flows.find((f) => f.id === id) as Flow;

describe("planFirstAdvance", () => {
  it("decides a flow whose conditions read only the run's own facts: sends, then waits", () => {
    const run = newRunOf(byId("thanks"));
    const planned = plan(run);
    expect(planned?.wakeAt).toBe(NOW + 14 * DAY);
    expect(planned?.advance).toMatchObject({
      runId: run.id,
      expectedSeq: 0,
      now: NOW,
      state: { status: "waiting", wakeAt: NOW + 14 * DAY },
      messages: [
        { id: "m1", messageIdHeader: "<m1@reply.example>", template: "thank-you", transactional: true },
      ],
    });
  });

  it.each([
    { tags: ["vip"], sent: ["vip-welcome", "everyone"] },
    { tags: [], sent: ["everyone"] },
  ])("decides `if` on the customer as just ingested (tags $tags)", ({ tags, sent }) => {
    const planned = plan(newRunOf(byId("vip")), tags);
    expect(planned?.advance.messages.map((m) => m.template)).toEqual(sent);
    expect(planned?.advance.state.status).toBe("completed");
    expect(planned?.wakeAt).toBeNull();
  });

  it.each([
    { why: "the flow tests the customer's other ownerships (a store read)", run: newRunOf(byId("offer")) },
    { why: "the run's flow is no longer loaded", run: { ...newRunOf(byId("thanks")), flowId: "gone" } },
    { why: "the run started on another version", run: { ...newRunOf(byId("thanks")), flowVersion: "old" } },
    { why: "the run has taken a step already", run: { ...newRunOf(byId("thanks")), seq: 1 } },
  ])("leaves the step for after the commit when $why", ({ run }) => {
    expect(plan(run)).toBeNull();
  });

  it("leaves the step for after the commit when deciding throws (there it goes to the steps queue)", () => {
    // A notify step with no team address throws in collectEffects.
    const notify = flowOf(
      "note",
      "name: Note\ntrigger: { event: registration }\nsteps:\n  - notify: team-note\n",
    );
    expect(plan(newRunOf(notify), [], [notify])).toBeNull();
  });
});
