/**
 * wait_for on real parts: a run parked on `wait_for: { event: review }` is resumed by the
 * customer's next `review` event (and tags them), or takes its timeout path.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, inject, it } from "vitest";
import { silentLogger } from "../../src/infra/logger.js";
import { type Rapport, startRapport } from "../../src/main.js";
import type { Store } from "../../src/store/store.js";
import { type SmtpSink, startSmtpSink } from "../support/smtp-sink.js";
import { eventually, postEvent, registration, testEnv } from "../support/test-env.js";
import { openTestStore } from "../support/test-store.js";

const DAY = 24 * 3600_000;

const FLOW = `name: Review nudge
trigger: { event: registration }
topic: check_ins
entry: once_per_product
steps:
  - wait_for: { event: review, timeout: 10 days }
    id: review
    on_event:
      - tag: reviewed
      - set: { customer.attributes.reviewed_via: flow }
      - send: thanks-for-answer
    on_timeout:
      - send: check-in
`;

describe("wait_for an event", () => {
  let sink: SmtpSink | null = null;
  let rapport: Rapport | null = null;
  let store: Store | null = null;
  afterEach(async () => {
    await rapport?.close();
    await sink?.close();
    await store?.close();
    rapport = sink = store = null;
  });

  async function boot(dayMs: number) {
    sink = await startSmtpSink();
    const t = testEnv(
      inject("redisUrl"),
      { SMTP_URL: sink.url, RAPPORT_WAIT_SCALE: String(dayMs / DAY), RAPPORT_RETRY_BASE_MS: "300" },
      { flows: [] },
    );
    writeFileSync(join(t.dir, "config", "flows", "review-nudge.yaml"), FLOW);
    rapport = await startRapport({ settings: t.settings, role: "all", logger: silentLogger });
    store = await openTestStore(t.settings);
    return { sink, rapport, store };
  }

  it("resumes on the awaited event, tags the customer and takes on_event", async () => {
    const { sink, rapport: r, store } = await boot(1000); // the 10-day window lasts 10 s
    await postEvent(r.httpPort as number, registration({ id: "wf-1" }));
    await eventually(
      async () => (await store.timeline("ada@example.com"))?.runs[0]?.status === "waiting",
      "the wait",
    );
    const res = await postEvent(r.httpPort as number, {
      id: "wf-review",
      type: "review",
      customer: { email: "ada@example.com" },
      properties: { stars: 5 },
    });
    expect(res.status).toBe(202);
    const [thanks] = await sink.waitFor(1);
    expect(thanks?.parsed.subject).toBe("Thank you for your answer");
    const tl = await eventually(async () => {
      const t = await store.timeline("ada@example.com");
      return t?.runs[0]?.status === "completed" ? t : null;
    }, "the run to complete");
    expect(tl.customer.tags).toEqual(["reviewed"]);
    expect(tl.customer.attributes.reviewed_via).toBe("flow");
    expect(
      tl.runs[0]?.steps.find((s) => s.stepType === "wait_for" && s.detail?.includes("on_event")),
    ).toBeTruthy();
  });

  it("takes on_timeout when the event does not come", async () => {
    const { sink, rapport: r, store } = await boot(50); // 10 days = 0.5 s
    await postEvent(r.httpPort as number, registration({ id: "wf-2" }));
    const [checkIn] = await sink.waitFor(1);
    expect(checkIn?.parsed.subject).toMatch(/How is your Lyra RD 2780/);
    const tl = await store.timeline("ada@example.com");
    expect(tl?.customer.tags).toEqual([]);
  });
});
