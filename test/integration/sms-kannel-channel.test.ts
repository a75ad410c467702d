/**
 * The SMS channel (src/channels/kannel.ts) against a real Kannel with fakesmsc as the
 * operator: plain and UCS-2 texts arrive as written, the signed dlr-url comes back with
 * the delivery status, and Kannel's refusal (wrong credentials) is a permanent error.
 */
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isPermanentChannelError } from "../../src/channels/channel.js";
import { createKannelChannel } from "../../src/channels/kannel.js";
import { dlrUrlFor } from "../../src/channels/sms-links.js";
import { createDlrTokens } from "../../src/channels/sms-tokens.js";
import { kannelProblem, startKannel, type TestKannel } from "../support/kannel.js";
import { eventually } from "../support/test-env.js";

const problem = kannelProblem();
if (problem) console.warn(`test/integration/sms-kannel-channel.test.ts skipped: ${problem}`);

describe.skipIf(problem !== null)("SMS channel through Kannel", () => {
  let kannel: TestKannel;
  let http: Server;
  const hits: URL[] = [];
  let base = "";
  const tokens = createDlrTokens("k".repeat(40));

  beforeAll(async () => {
    http = createServer((req, res) => {
      hits.push(new URL(req.url ?? "/", "http://127.0.0.1"));
      res.end("");
    });
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    const address = http.address();
    base = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
    kannel = await startKannel({ incomingUrl: `${base}/in?from=%p&text=%a` });
  });
  afterAll(async () => {
    await kannel?.close();
    await new Promise((resolve) => http?.close(resolve));
  });

  const channel = (password?: string) =>
    createKannelChannel({
      url: kannel.sendsmsUrl,
      username: kannel.username,
      password: password ?? kannel.password,
      dlrUrl: dlrUrlFor(() => base, tokens),
      deadlineMs: 10_000,
    });

  it("sends GSM-7 and UCS-2 texts that reach the operator as written, and gets delivery reports", async () => {
    const sms = channel();
    const plain = await sms.send({
      messageId: "m-plain",
      to: "+447700900123",
      from: "4040",
      text: "Care tip: dust the stylus {weekly} for €0",
    });
    expect(plain.response).toMatch(/^202 /);
    await sms.send({ messageId: "m-emoji", to: "+447700900123", from: "4040", text: "Merci 👍 à bientôt" });
    const got = await eventually(
      async () => (kannel.sent().length >= 2 ? kannel.sent() : null),
      "two texts at the operator",
    );
    expect(got.map((s) => s.text)).toEqual([
      "Care tip: dust the stylus {weekly} for €0",
      "Merci 👍 à bientôt",
    ]);
    expect(got.map((s) => s.type)).toEqual(["text", "ucs-2"]);
    expect(got[0]).toMatchObject({ from: "4040", to: "+447700900123" });

    for (const id of ["m-plain", "m-emoji"]) {
      const dlr = await eventually(
        async () =>
          hits.find((h) => h.pathname.startsWith(`/sms/dlr/${id}/`) && h.searchParams.get("status") === "1"),
        `the delivery report of ${id}`,
      );
      const token = dlr.pathname.split("/").pop() ?? "";
      expect(tokens.verify(id, token)).toBe(true);
    }
  });

  it("treats Kannel's refusal of wrong credentials as permanent", async () => {
    const err = await channel("wrong-password")
      .send({ messageId: "m-x", to: "+447700900123", from: "4040", text: "never" })
      .catch((e: unknown) => e);
    expect(isPermanentChannelError(err)).toBe(true);
    expect((err as Error).message).toMatch(/^sms refused the message for good: 403 /);
  });
});
