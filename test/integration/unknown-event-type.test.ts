/**
 * An event type nothing knows (a typo, most often) is accepted, since events are data,
 * but the 202 says so with a did-you-mean and the known types, and the log says it once
 * per type, however often it is sent. On a real rapport (Redis, SQLite).
 */
import { pino } from "pino";
import { afterEach, describe, expect, inject, it } from "vitest";
import { startRapport } from "../../src/main.js";
import { postEvent, registration, testEnv } from "../support/test-env.js";

type LogLine = { level: number; msg: string } & Record<string, unknown>;

describe("unknown event types", () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn().catch(() => {});
  });

  it("are accepted with warnings naming the type and the known ones, logged once per type", async () => {
    const t = testEnv(inject("redisUrl"), {}, { flows: ["thank-you", "one-time-purchase"] });
    const lines: LogLine[] = [];
    const logger = pino({ level: "info" }, { write: (s: string) => lines.push(JSON.parse(s) as LogLine) });
    const rapport = await startRapport({ settings: t.settings, role: "all", logger });
    cleanup.push(() => rapport.close());
    const port = rapport.httpPort as number;
    const customer = { email: "ada@example.com" };

    const typo = async (id: string) => {
      const res = await postEvent(port, { id, type: "registraton", customer });
      expect(res.status).toBe(202);
      return (await res.json()) as { eventId: string; duplicate: boolean; warnings?: string[] };
    };
    const first = await typo("typo-1");
    expect(first).toMatchObject({ eventId: "typo-1", duplicate: false });
    expect(first.warnings).toHaveLength(1);
    expect(first.warnings?.[0]).toContain('event type "registraton" is not known');
    expect(first.warnings?.[0]).toContain('did you mean "registration"?');
    expect(first.warnings?.[0]).toContain("Known types: disposition, purchase, registration.");
    expect((await typo("typo-2")).warnings).toEqual(first.warnings);

    const other = await postEvent(port, { id: "other-1", type: "newsletter_signup", customer });
    expect(((await other.json()) as { warnings: string[] }).warnings[0]).toContain('"newsletter_signup"');

    // A known type: the answer as it always was.
    const known = await postEvent(port, registration({ id: "known-1" }));
    expect(await known.json()).toEqual({ eventId: "known-1", duplicate: false });

    const warned = (type: string) => lines.filter((l) => l.level === 40 && l.type === type);
    expect(warned("registraton")).toHaveLength(1);
    expect(warned("registraton")[0]?.msg).toContain('did you mean "registration"?');
    expect(warned("newsletter_signup")).toHaveLength(1);
    expect(warned("registration")).toHaveLength(0);
  });
});
