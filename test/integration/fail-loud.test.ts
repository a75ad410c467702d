/**
 * Start-up fails loud and fast: a real `rapport start` whose Redis, Postgres or mail
 * server cannot be had exits with code 1 and one message naming the setting and the fix,
 * instead of running on with every part retrying (or exiting 0 without a word).
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, inject, it } from "vitest";
import { freePort } from "../../src/infra/embedded-redis.js";
import { type ChildRapport, startChildRapport } from "../support/child-rapport.js";
import { runCli } from "../support/run-cli.js";
import { testEnv } from "../support/test-env.js";

/** An address where nothing listens (a port just found free). */
const closedPort = () => freePort();

describe("start-up failures", () => {
  const children: ChildRapport[] = [];
  afterEach(async () => {
    for (const c of children.splice(0)) if (c.child.exitCode === null) await c.kill();
  });

  it("no redis-server on PATH and no REDIS_URL: says what to install or set, exit 1", async () => {
    const t = testEnv(inject("redisUrl"), { LOG_LEVEL: "info" }, { flows: ["thank-you"] });
    // A PATH with nothing on it: node is started by its full path, tsx from node_modules.
    const emptyPath = mkdtempSync(join(tmpdir(), "rapport-no-path-"));
    const run = await runCli(["start"], { ...t.env, REDIS_URL: undefined, PATH: emptyPath });
    expect(run.output).toContain("redis-server was not found on PATH");
    expect(run.output).toContain("apt-get install -y redis-server");
    expect(run.output).toContain("REDIS_URL=redis://");
    expect(run.code).toBe(1);
  }, 60_000);

  it("REDIS_URL where nothing listens: names REDIS_URL, exit 1, no flood of connection errors", async () => {
    const url = `redis://127.0.0.1:${await closedPort()}`;
    const t = testEnv(url, { LOG_LEVEL: "info", REDIS_STARTUP_TIMEOUT_MS: "1500" }, { flows: ["thank-you"] });
    const run = await runCli(["start"], t.env);
    expect(run.output).toContain(`cannot reach Redis at ${url} (REDIS_URL)`);
    expect(run.output).toContain("ECONNREFUSED");
    expect(run.output).not.toContain("rapport is running");
    // One message, not a line per retry of every connection.
    expect(run.output.split("\n").filter((l) => l.includes("ECONNREFUSED")).length).toBe(1);
    expect(run.code).toBe(1);
  }, 60_000);

  it("DATABASE_URL where no Postgres listens: names DATABASE_URL, exit 1", async () => {
    const url = `postgres://postgres@127.0.0.1:${await closedPort()}/test`;
    const t = testEnv(inject("redisUrl"), { LOG_LEVEL: "info", DATABASE_URL: url }, { flows: ["thank-you"] });
    const run = await runCli(["start"], t.env);
    expect(run.output).toContain("cannot connect to Postgres at");
    expect(run.output).toContain("(DATABASE_URL)");
    expect(run.output).toContain("ECONNREFUSED");
    expect(run.output).not.toContain("rapport is running");
    expect(run.code).toBe(1);
  }, 60_000);

  it("SMTP_URL where no mail server listens: names SMTP_URL and SMTP_VERIFY, exit 1", async () => {
    const url = `smtp://127.0.0.1:${await closedPort()}`;
    const t = testEnv(inject("redisUrl"), { LOG_LEVEL: "info", SMTP_URL: url }, { flows: ["thank-you"] });
    const run = await runCli(["start"], t.env);
    expect(run.output).toContain(`cannot use the mail server at ${url} (SMTP_URL)`);
    expect(run.output).toContain("SMTP_VERIFY=false");
    expect(run.output).not.toContain("rapport is running");
    // The one message and nothing else: no stack of a Redis connection closed mid-setup.
    expect(run.output).not.toMatch(/Unhandled error|EPIPE|^\s+at /m);
    expect(run.code).toBe(1);
  }, 60_000);

  it("SMS_GATEWAY_URL where no smsbox listens: names SMS_GATEWAY_URL and SMS_VERIFY, exit 1", async () => {
    const url = `http://127.0.0.1:${await closedPort()}/cgi-bin/sendsms`;
    const t = testEnv(
      inject("redisUrl"),
      { SMS_GATEWAY_URL: url, SMS_GATEWAY_USERNAME: "rapport", SMS_GATEWAY_PASSWORD: "pw", SMS_FROM: "4040" },
      { flows: ["thank-you"] },
    );
    const run = await runCli(["worker"], t.env);
    expect(run.output).toContain(`cannot use Kannel's smsbox at ${url} (SMS_GATEWAY_URL)`);
    expect(run.output).toContain("SMS_VERIFY=false");
    expect(run.code).toBe(1);
  }, 60_000);

  it("SMTP_VERIFY=false: an unreachable mail server is a warning, and rapport runs", async () => {
    const url = `smtp://127.0.0.1:${await closedPort()}`;
    const t = testEnv(inject("redisUrl"), { SMTP_URL: url, SMTP_VERIFY: "false" }, { flows: ["thank-you"] });
    // A generous start limit: the machine running the suite may be busy.
    const child = await startChildRapport(t.env, "start", 60_000);
    children.push(child);
    const warning = child
      .output()
      .split("\n")
      .find((l) => l.includes("SMTP_VERIFY=false"));
    expect(warning).toBeDefined();
    expect(JSON.parse(warning as string).level).toBe(40);
    expect(await child.stop()).toBe(0);
  }, 60_000);
});
