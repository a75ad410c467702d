/**
 * Conditions on real facts (store → facts → pure interpreter): `owns` sees every product
 * the customer has registered by the time the branch is reached, `exit_when` ends a
 * product flow when the product is sold (the customer stays), and `relationship` picks
 * the flow that suits the product.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, inject, it } from "vitest";
import { silentLogger } from "../../src/infra/logger.js";
import { type Rapport, startRapport } from "../../src/main.js";
import type { Store } from "../../src/store/store.js";
import { type SmtpSink, startSmtpSink } from "../support/smtp-sink.js";
import { eventually, postEvent, testEnv } from "../support/test-env.js";
import { openTestStore } from "../support/test-store.js";

const DAY = 24 * 3600_000;

const CLUB = `name: Owners club
trigger: { event: registration, where: { product.category: turntable } }
topic: check_ins
entry: once_per_product
exit_when: { ownership.status: disposed }
steps:
  - wait: 2 days
  - branch:
      - if: { owns: { category: amplifier } }
        then: [ { send: thanks-for-answer } ]
      - else: [ { send: check-in } ]
`;

const ONE_TIME = `name: One-time
trigger: { event: purchase }
topic: check_ins
relationship: one_time
steps: [ { send: thank-you } ]
`;

const event = (id: string, type: string, product: Record<string, string>) => ({
  id,
  type,
  customer: { email: "ada@example.com", name: "Ada Lovelace" },
  product,
});
const turntable = { sku: "LYRA-RD-2780", name: "Lyra RD 2780", serial: "RD-1", category: "turntable" };
const amplifier = { sku: "LYRA-AMP-1", name: "Lyra Amp", serial: "A-1", category: "amplifier" };

describe("conditions on real facts", () => {
  let sink: SmtpSink | null = null;
  let rapport: Rapport | null = null;
  let store: Store | null = null;
  afterEach(async () => {
    await rapport?.close();
    await sink?.close();
    await store?.close();
    rapport = sink = store = null;
  });

  async function boot(flows: Record<string, string>, dayMs: number) {
    sink = await startSmtpSink();
    const t = testEnv(
      inject("redisUrl"),
      { SMTP_URL: sink.url, RAPPORT_WAIT_SCALE: String(dayMs / DAY), RAPPORT_RETRY_BASE_MS: "300" },
      { flows: [] },
    );
    for (const [name, yaml] of Object.entries(flows))
      writeFileSync(join(t.dir, "config", "flows", `${name}.yaml`), yaml);
    rapport = await startRapport({ settings: t.settings, role: "all", logger: silentLogger });
    store = await openTestStore(t.settings);
    return { sink, port: rapport.httpPort as number, store };
  }

  it("owns: a product registered during the wait counts at the branch", async () => {
    const { sink, port } = await boot({ club: CLUB }, 1000);
    await postEvent(port, event("c-1", "registration", turntable));
    await postEvent(port, event("c-2", "registration", amplifier));
    const [mail] = await sink.waitFor(1);
    expect(mail?.parsed.subject).toBe("Thank you for your answer");
  });

  it("exit_when: selling the product ends its flow early; the customer stays", async () => {
    const { sink, port, store } = await boot({ club: CLUB }, 1000);
    await postEvent(port, event("c-3", "registration", turntable));
    await eventually(
      async () => (await store.timeline("ada@example.com"))?.runs[0]?.status === "waiting",
      "the wait",
    );
    await postEvent(port, event("c-4", "disposition", turntable));
    const run = await eventually(async () => {
      const r = (await store.timeline("ada@example.com"))?.runs[0];
      return r?.status === "completed" ? r : null;
    }, "the run to end");
    expect(run.steps.at(-1)).toMatchObject({ stepType: "exit_when" });
    expect(sink.received).toHaveLength(0);
    expect((await store.timeline("ada@example.com"))?.customer.email).toBe("ada@example.com");
  });

  it("relationship: a flow for one-time purchases starts only for such products", async () => {
    const { sink, port } = await boot({ "one-time": ONE_TIME }, DAY);
    await postEvent(port, event("r-1", "purchase", { ...amplifier, relationship: "repeat" }));
    await postEvent(
      port,
      event("r-2", "purchase", { sku: "LYRA-CABLE", name: "Lyra cable", relationship: "one_time" }),
    );
    const [mail] = await sink.waitFor(1);
    expect(mail?.parsed.subject).toBe("Thank you for registering your Lyra cable");
    await new Promise((ok) => setTimeout(ok, 500));
    expect(sink.received).toHaveLength(1);
  });
});
