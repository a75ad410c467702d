/**
 * Shutdown has a deadline: a real rapport process whose mail server stops answering at
 * MAIL FROM gets SIGTERM, exits 0 within RAPPORT_SHUTDOWN_GRACE_MS and a margin, and
 * names the send it abandoned; the message is not lost: its claim's lease runs out and
 * the restarted process sends it, once.
 */
import { type SQL, sql } from "drizzle-orm";
import { simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";
import { afterEach, describe, expect, inject, it } from "vitest";
import { adhoc } from "../../src/store/sql/query.js";
import { type ChildRapport, startChildRapport } from "../support/child-rapport.js";
import { openTestDatabase } from "../support/test-database.js";
import { eventually, postEvent, registration, testEnv } from "../support/test-env.js";

const GRACE_MS = 1500;
/** What closing the rest may take after the grace period (CLOSE_REST_MS), plus process start-up slack. */
const MARGIN_MS = 5000 + 2000;

/** A mail server that, while `stalled`, takes the connection and then never answers MAIL FROM. */
async function startStallingServer() {
  const state = { stalled: true, mailFroms: 0, received: [] as string[] };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS", "AUTH"],
    logger: false,
    onMailFrom(_address, _session, callback) {
      state.mailFroms++;
      if (state.stalled) return; // never answers
      callback();
    },
    onData(stream, _session, callback) {
      simpleParser(stream).then((parsed) => {
        state.received.push(String(parsed.headers.get("x-rapport-message")));
        callback();
      }, callback);
    },
  });
  const port = await new Promise<number>((ok) => {
    server.listen(0, "127.0.0.1", () => {
      const addr = server.server.address();
      ok(typeof addr === "object" && addr ? addr.port : 0);
    });
  });
  return { state, url: `smtp://127.0.0.1:${port}`, close: () => new Promise<void>((ok) => server.close(ok)) };
}

describe("shutdown", () => {
  const children: ChildRapport[] = [];
  const cleanup: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const c of children.splice(0)) if (c.child.exitCode === null) await c.kill();
    for (const fn of cleanup.splice(0).reverse()) await fn().catch(() => {});
  });

  it("SIGTERM during an SMTP stall exits within the grace period and loses nothing", async () => {
    const smtp = await startStallingServer();
    cleanup.push(smtp.close);
    const t = testEnv(
      inject("redisUrl"),
      { SMTP_URL: smtp.url, RAPPORT_SHUTDOWN_GRACE_MS: String(GRACE_MS), RAPPORT_SWEEP_INTERVAL_MS: "300" },
      { flows: ["thank-you"] },
    );
    const first = await startChildRapport(t.env);
    children.push(first);
    expect((await postEvent(first.port, registration({ id: "stall-1" }))).status).toBe(202);
    await eventually(async () => smtp.state.mailFroms > 0, "the send stalled at MAIL FROM");

    const db = await openTestDatabase(t.settings);
    cleanup.push(() => db.close());
    const row = <T>(query: SQL) => db.read(async (h) => (await h.get(adhoc<T>(query))) as T);
    const message = await row<{ id: string; status: string }>(sql`select id, status from messages`);
    expect(message.status).toBe("sending");

    const started = Date.now();
    const code = await first.stop();
    const took = Date.now() - started;
    // On failure, the process's last lines say why it exited as it did.
    expect(code, first.output().slice(-4000)).toBe(0);
    expect(took).toBeLessThan(GRACE_MS + MARGIN_MS);
    // It says what it abandoned: the job, and the message whose send was in flight.
    // (A first send runs in the send pool, not in the events job that wrote it.)
    const abandoned = first
      .output()
      .split("\n")
      .filter((l) => l.includes("shutdown deadline passed"));
    expect(abandoned.some((l) => l.includes(message.id))).toBe(true);

    // The claim is still held (its lease, 5 minutes by default, has not run out). Let it run out
    // now rather than wait; the restarted rapport's sweeper then sends the message.
    expect(
      (await row<{ status: string }>(sql`select status from messages where id = ${message.id}`)).status,
    ).toBe("sending");
    await db.tx((h) =>
      h.run(adhoc(sql`update messages set lease_until = ${Date.now() - 1} where id = ${message.id}`)),
    );
    smtp.state.stalled = false;
    const second = await startChildRapport(t.env);
    children.push(second);
    await eventually(async () => smtp.state.received.length > 0, "the abandoned message sent after restart");
    await eventually(
      async () =>
        (await row<{ status: string }>(sql`select status from messages where id = ${message.id}`)).status ===
        "sent",
      "marked sent",
    );
    await new Promise((r) => setTimeout(r, 500)); // nothing more arrives
    expect(smtp.state.received).toEqual([message.id]);
    expect(await second.stop(), second.output().slice(-4000)).toBe(0);
  }, 90_000); // two process starts, each up to 20 s on a busy machine
});
