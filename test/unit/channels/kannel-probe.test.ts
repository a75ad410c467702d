import { describe, expect, it } from "vitest";
import { probeKannel } from "../../../src/channels/kannel-probe.js";

const URL_ = "http://kannel:13013/cgi-bin/sendsms";

/** A fetch that answers `status body`, or throws `error`, and records what it was asked. */
function fakeFetch(answer: { status: number; body: string } | { error: Error }, asked: URL[] = []) {
  return (async (input: URL) => {
    asked.push(input);
    if ("error" in answer) throw answer.error;
    return new Response(answer.body, { status: answer.status });
  }) as unknown as typeof fetch;
}

const refused = Object.assign(new TypeError("fetch failed"), { cause: { code: "ECONNREFUSED" } });
const timedOut = Object.assign(new Error("The operation was aborted due to timeout"), {
  name: "TimeoutError",
});

describe("probeKannel", () => {
  it.each([
    {
      what: "smsbox took the credentials",
      answer: { status: 400, body: "Missing receiver number, rejected" },
      ok: true,
      reason: null,
    },
    {
      what: "wrong credentials",
      answer: { status: 403, body: "Authorization failed for sendsms" },
      ok: false,
      reason: /refused the credentials.*SMS_GATEWAY_PASSWORD/,
    },
    {
      what: "not sendsms",
      answer: { status: 404, body: "Unknown request." },
      ok: false,
      reason: /answered 404 "Unknown request\."/,
    },
    {
      what: "a web server that says OK",
      answer: { status: 200, body: "hello" },
      ok: false,
      reason: /answered 200/,
    },
    {
      what: "nothing listens",
      answer: { error: refused },
      ok: false,
      reason: /cannot connect \(ECONNREFUSED\)/,
    },
    { what: "no answer in time", answer: { error: timedOut }, ok: false, reason: /no answer within 500 ms/ },
  ])("$what", async ({ answer, ok, reason }) => {
    const asked: URL[] = [];
    const probe = await probeKannel({
      url: URL_,
      username: "rapport",
      password: "s3cret",
      timeoutMs: 500,
      fetch: fakeFetch(answer, asked),
    });
    expect(probe.ok).toBe(ok);
    if (!probe.ok && reason) expect(probe.reason).toMatch(reason);
    // Credentials and nothing else: no receiver, no text, so nothing can be sent.
    expect([...(asked[0]?.searchParams.keys() ?? [])]).toEqual(["username", "password"]);
  });
});
