/**
 * CLI errors that say what to do, from real processes: a busy port names the variable
 * that chose it; `rapport reply` to a listener that is not there asks whether rapport
 * runs and where it listens; `inspect-mail` on a missing file says so and exits 1.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, inject, it } from "vitest";
import { freePort } from "../../src/infra/embedded-redis.js";
import { runCli } from "../support/run-cli.js";
import { testEnv } from "../support/test-env.js";

async function occupy(): Promise<{ port: number; server: Server }> {
  const server = createServer();
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const address = server.address();
  return { port: typeof address === "object" && address ? address.port : 0, server };
}

describe("CLI errors", () => {
  const servers: Server[] = [];
  afterEach(async () => {
    for (const s of servers.splice(0)) await new Promise((ok) => s.close(ok));
  });

  it("a busy inbound SMTP port names INBOUND_SMTP_PORT, exit 1", async () => {
    const busy = await occupy();
    servers.push(busy.server);
    const t = testEnv(
      inject("redisUrl"),
      { LOG_LEVEL: "info", INBOUND_SMTP_PORT: String(busy.port) },
      { flows: ["thank-you"] },
    );
    const run = await runCli(["start"], t.env);
    expect(run.output).toContain(
      `the inbound SMTP listener cannot listen on 127.0.0.1:${busy.port}: the port is in use`,
    );
    expect(run.output).toContain("set INBOUND_SMTP_PORT to a free port (or off)");
    expect(run.output).not.toContain("inbound SMTP connection error");
    expect(run.output).not.toContain("rapport is running");
    expect(run.code).toBe(1);
  }, 60_000);

  it("a busy HTTP port names PORT, exit 1", async () => {
    const busy = await occupy();
    servers.push(busy.server);
    const t = testEnv(
      inject("redisUrl"),
      { LOG_LEVEL: "info", PORT: String(busy.port) },
      { flows: ["thank-you"] },
    );
    const run = await runCli(["start"], t.env);
    expect(run.output).toContain(`the HTTP API cannot listen on 127.0.0.1:${busy.port}: the port is in use`);
    expect(run.output).toContain("set PORT to a free port");
    expect(run.code).toBe(1);
  }, 60_000);

  it("`rapport reply` to a closed port: is rapport running, and where it listens", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rapport-cli-"));
    const eml = join(dir, "sent.eml");
    writeFileSync(
      eml,
      [
        "From: Lyra <hello@lyra-audio.example>",
        "To: Ada <ada@example.com>",
        "Reply-To: reply+abc@reply.lyra-audio.example",
        "Subject: Thank you",
        "Message-ID: <m1@reply.lyra-audio.example>",
        "",
        "Thanks!",
        "",
      ].join("\r\n"),
    );
    const port = await freePort();
    const run = await runCli(["reply", eml, "--text", "Hello", "--port", String(port)], {
      RAPPORT_DATA_DIR: dir,
    });
    expect(run.output).toContain(`could not reach rapport's inbound SMTP listener at 127.0.0.1:${port}`);
    expect(run.output).toContain("Is rapport running?");
    expect(run.output).toContain("INBOUND_SMTP_PORT");
    expect(run.code).toBe(1);
  }, 60_000);

  it("`inspect-mail` on a missing file: says so, exit 1", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rapport-cli-"));
    const missing = join(dir, "nowhere.eml");
    const run = await runCli(["inspect-mail", missing], { RAPPORT_DATA_DIR: dir });
    expect(run.output).toContain(`rapport: ${missing}: no such file`);
    expect(run.code).toBe(1);
  }, 60_000);
});
