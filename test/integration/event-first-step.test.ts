/**
 * An events job writes a new run's first step in the transaction that ingests the event
 * and starts the run (one commit fewer per run), on real SQLite, Redis and SMTP with the
 * shipped flows: the thank-you goes out once, the run waits with its wake-up queued, and
 * only a flow whose first step needs a store read (`owns`) still takes it through
 * applyAdvance. A retried events job takes no step twice.
 */
import { describe, expect, it } from "vitest";
import { flowHasConditions, flowTestsOwnerships } from "../../src/flows/conditions.js";
import { processEvent } from "../../src/jobs/process-event.js";
import { jobIds } from "../../src/jobs/queues.js";
import type { Store } from "../../src/store/store.js";
import { harnessPerTest } from "../support/delivery-harness.js";
import { eventually } from "../support/test-env.js";

describe("an event's new runs take their first step in the ingest transaction", () => {
  const boot = harnessPerTest();

  it("sends the thank-you once and queues the wake-up, with no separate step write", async () => {
    const { sink, h } = await boot();
    const real = h.store;
    const advanced: string[] = [];
    // Counts the step writes that go through applyAdvance (a transaction of their own).
    const store = new Proxy(real, {
      get(target, key, receiver) {
        if (key === "applyAdvance")
          return (a: Parameters<Store["applyAdvance"]>[0]) => {
            advanced.push(a.runId);
            return target.applyAdvance(a);
          };
        return Reflect.get(target, key, receiver);
      },
    });
    const deps = { ...h.deps, store };
    const { eventId } = await real.recordEvent(
      {
        id: "reg-1",
        type: "registration",
        customer: { email: "ada@example.com", name: "Ada Lovelace" },
        product: { sku: "LYRA-RD-2780", name: "Lyra RD 2780", serial: "RD-1", category: "turntable" },
      },
      Date.now(),
    );
    const { runs } = await processEvent({ eventId }, deps);
    const timeline = await real.timeline("ada@example.com");
    const started = timeline?.runs ?? [];
    expect(started.length).toBeGreaterThan(1);
    expect(started.map((r) => r.flowId)).toContain("thank-you");
    // Every run started has taken its first step.
    for (const r of started) expect((await real.getRun(r.id))?.seq).toBeGreaterThanOrEqual(1);
    const needRead = started.filter((r) => {
      const flow = deps.flows.get(r.flowId);
      return flow && flowHasConditions(flow) && flowTestsOwnerships(flow);
    });
    expect(advanced.sort()).toEqual(needRead.map((r) => r.id).sort());
    expect(runs).toBe(started.length);

    const thanks = started.find((r) => r.flowId === "thank-you");
    const run = await real.getRun(thanks?.id as string);
    expect(run).toMatchObject({ status: "waiting", seq: 1 });
    const wakeUp = await h.deps.queues.steps.getJob(jobIds.step(run?.id as string, 1));
    expect(wakeUp?.data).toEqual({ runId: run?.id, seq: 1 });
    expect(await wakeUp?.isDelayed()).toBe(true);

    const [mail] = await sink.waitFor(1);
    expect(mail?.parsed.subject).toMatch(/Lyra RD 2780/);
    await eventually(async () => {
      const t = await real.timeline("ada@example.com");
      return t?.messages.some((m) => m.template === "thank-you" && m.status === "sent") ? t : null;
    }, "the thank-you recorded as sent");

    // The same events job again (a retry): nothing new is written or sent.
    const again = await processEvent({ eventId }, deps);
    // A retry re-queues only runs a crash left unstarted: none here.
    expect(again.runs).toBe(0);
    expect((await real.getRun(run?.id as string))?.seq).toBe(1);
    // The harness has no send pool: a send would have finished inside processEvent.
    expect(sink.received).toHaveLength(1);
  });
});
