/**
 * The Twilio channel (src/channels/twilio.ts) on its own, against the local stand-in for
 * Twilio (test/support/twilio.ts) and a server that answers as Twilio does when it is busy
 * or down: which answers are permanent, which blame the number, which are retried.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isPermanentChannelError, PermanentChannelError } from "../../src/channels/channel.js";
import { createTwilioChannel } from "../../src/channels/twilio.js";
import { SEND_DEADLINE_CODE } from "../../src/mail/sender-protocol.js";
import { type FakeTwilio, startFakeTwilio } from "../support/twilio.js";

const SMS = { messageId: "m-1", to: "+447700900123", from: "+447700900999", text: "Merci 👍 à bientôt" };

describe("SMS channel through Twilio's API (a local server)", () => {
  let twilio: FakeTwilio;
  let other: Server;
  let otherUrl = "";
  let answer: { status: number; body: string; hang?: boolean } = { status: 500, body: "" };

  beforeAll(async () => {
    twilio = await startFakeTwilio();
    other = createServer((req, res) => {
      req.resume();
      if (answer.hang) return;
      res.writeHead(answer.status, { "content-type": "application/json" });
      res.end(answer.body);
    });
    await new Promise<void>((resolve) => other.listen(0, "127.0.0.1", resolve));
    otherUrl = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await twilio?.close();
    other?.closeAllConnections();
    await new Promise((resolve) => other?.close(resolve));
  });

  const channel = (
    o: { apiUrl?: string; authToken?: string; messagingServiceSid?: string; deadlineMs?: number } = {},
  ) =>
    createTwilioChannel({
      apiUrl: o.apiUrl ?? twilio.apiUrl,
      accountSid: twilio.accountSid,
      authToken: o.authToken ?? twilio.authToken,
      ...(o.messagingServiceSid ? { messagingServiceSid: o.messagingServiceSid } : {}),
      statusCallback: (id) => `https://rapport.example/sms/twilio/status/${id}/TOKEN`,
      deadlineMs: o.deadlineMs ?? 5000,
    });

  const failure = (p: Promise<unknown>) =>
    p.then(
      () => null,
      (err: unknown) => err,
    );

  it("sends the text as written, from our number or a Messaging Service, with its StatusCallback", async () => {
    const sent = await channel().send(SMS);
    const [first] = twilio.messages();
    expect(sent.response).toBe(`201 ${first?.sid} queued`);
    expect(first).toMatchObject({
      to: SMS.to,
      from: SMS.from,
      messagingServiceSid: null,
      body: SMS.text,
      statusCallback: "https://rapport.example/sms/twilio/status/m-1/TOKEN",
    });
    const mg = `MG${"b".repeat(32)}`;
    await channel({ messagingServiceSid: mg }).send({ ...SMS, messageId: "m-2" });
    expect(twilio.messages()[1]).toMatchObject({ from: null, messagingServiceSid: mg });
  });

  it.each([
    ["a wrong Auth Token", { authToken: "0".repeat(32) }, "+447700900123", /^Twilio 401 20003 /, null],
    ["an invalid number", {}, "+44", /^Twilio 400 21211 /, "number"],
  ] as const)("refuses for good: %s", async (_, o, to, response, refusal) => {
    const err = await failure(channel(o).send({ ...SMS, to }));
    expect(isPermanentChannelError(err)).toBe(true);
    expect((err as PermanentChannelError).response).toMatch(response);
    expect((err as PermanentChannelError).numberRefusal).toBe(refusal);
  });

  it.each([
    [
      "429 Too Many Requests",
      429,
      '{"code":20429,"message":"Too Many Requests","status":429}',
      /answered 429 20429 Too Many Requests$/,
    ],
    [
      "500",
      500,
      '{"code":20500,"message":"Internal Server Error","status":500}',
      /answered 500 20500 Internal Server Error$/,
    ],
    ["503 without JSON", 503, "Service Unavailable", /answered 503 Service Unavailable$/],
  ])("tries again after %s", async (_, status, body, message) => {
    answer = { status, body };
    const err = await failure(channel({ apiUrl: otherUrl }).send(SMS));
    expect(err).toBeInstanceOf(Error);
    expect(isPermanentChannelError(err)).toBe(false);
    expect((err as Error).message).toMatch(message);
  });

  it("gives up at the deadline with the uncertain-send code (Twilio may have the message)", async () => {
    answer = { status: 201, body: "{}", hang: true };
    const err = await failure(channel({ apiUrl: otherUrl, deadlineMs: 200 }).send(SMS));
    expect((err as Error).message).toMatch(/did not answer within 200 ms \(it may have the message\)/);
    expect((err as { code?: string }).code).toBe(SEND_DEADLINE_CODE);
    expect(err).not.toBeInstanceOf(PermanentChannelError);
  });
});
