/**
 * With the SMS channel configured, `rapport start` and `worker` ask Kannel's smsbox at start
 * whether it answers and takes our credentials (src/channels/kannel-probe.ts), on a real
 * Kannel: right credentials start; a wrong password or a port where nothing listens stop
 * the start with a StartupError naming SMS_GATEWAY_URL and the way out (SMS_VERIFY=false),
 * which turns the failure into one warning. The CLI's exit code 1 for it: fail-loud.test.ts.
 */

import { pino } from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { freePort } from "../../src/infra/embedded-redis.js";
import { silentLogger } from "../../src/infra/logger.js";
import { type Rapport, StartupError, startRapport } from "../../src/main.js";
import { kannelProblem, startKannel, type TestKannel } from "../support/kannel.js";
import { testEnv } from "../support/test-env.js";

const problem = kannelProblem();
if (problem) console.warn(`test/integration/sms-startup-check.test.ts skipped: ${problem}`);

describe.skipIf(problem !== null)("Kannel checked at start", () => {
  let kannel: TestKannel;
  const started: Rapport[] = [];
  beforeAll(async () => {
    kannel = await startKannel({ incomingUrl: "http://127.0.0.1:9/unused?from=%p" });
  });
  afterAll(async () => {
    await kannel?.close();
  });
  afterEach(async () => {
    for (const r of started.splice(0)) await r.close();
  });

  const env = (over: Record<string, string>) =>
    testEnv(
      inject("redisUrl"),
      {
        SMS_GATEWAY_URL: kannel.sendsmsUrl,
        SMS_GATEWAY_USERNAME: kannel.username,
        SMS_GATEWAY_PASSWORD: kannel.password,
        SMS_FROM: "4040",
        ...over,
      },
      { flows: ["thank-you"] },
    ).settings;

  const start = async (settings: ReturnType<typeof env>, role: "all" | "worker", logger = silentLogger) => {
    const r = await startRapport({ settings, role, logger });
    started.push(r);
    return r;
  };

  it("starts when smsbox answers and takes the credentials", async () => {
    const r = await start(env({}), "worker");
    expect(r.httpPort).toBeNull();
  });

  it.each([
    {
      what: "a wrong password",
      over: () => ({ SMS_GATEWAY_PASSWORD: "not-the-password" }),
      says: /refused the credentials \(403 Authorization failed for sendsms\)/,
    },
    {
      what: "a port where nothing listens",
      over: async () => ({ SMS_GATEWAY_URL: `http://127.0.0.1:${await freePort()}/cgi-bin/sendsms` }),
      says: /cannot connect \(ECONNREFUSED\)/,
    },
  ])("stops the start on $what, naming SMS_GATEWAY_URL and SMS_VERIFY", async ({ over, says }) => {
    const failed = await start(env(await over()), "all").then(
      () => null,
      (err: unknown) => err,
    );
    expect(failed).toBeInstanceOf(StartupError);
    const message = (failed as Error).message;
    expect(message).toMatch(
      /^cannot use Kannel's smsbox at http:\/\/127\.0\.0\.1:\d+\/cgi-bin\/sendsms \(SMS_GATEWAY_URL\)/,
    );
    expect(message).toMatch(says);
    expect(message).toContain("SMS_VERIFY=false");
    // The password is never shown.
    expect(message).not.toContain("not-the-password");
  });

  it("SMS_VERIFY=false: a wrong password is one warning, and rapport runs", async () => {
    const lines: Array<{ level: number; msg: string }> = [];
    const logger = pino({ level: "warn" }, { write: (s: string) => void lines.push(JSON.parse(s)) });
    await start(env({ SMS_GATEWAY_PASSWORD: "not-the-password", SMS_VERIFY: "false" }), "worker", logger);
    const warnings = lines.filter((l) => l.msg.includes("SMS_VERIFY=false"));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.level).toBe(40);
    expect(warnings[0]?.msg).toContain("(SMS_GATEWAY_URL)");
  });
});
