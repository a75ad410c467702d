/**
 * The test gateway itself (test/support/kannel.ts): Kannel's bearerbox + smsbox with
 * fakesmsc as the operator. A text sent to smsbox's sendsms reaches the operator and its
 * delivery report comes back to the dlr-url; a text typed at the operator reaches the
 * sms-service get-url. The rapport tests build on these three facts.
 */
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kannelProblem, parseOperatorLine, startKannel, type TestKannel } from "../support/kannel.js";
import { eventually } from "../support/test-env.js";

const problem = kannelProblem();
if (problem) console.warn(`test/integration/kannel-gateway.test.ts skipped: ${problem}`);

describe("fakesmsc's output", () => {
  it("reads text and UCS-2 lines", () => {
    expect(parseOperatorLine("DEBUG: Got message 1: <4040 +447700900123 text hello there>")).toEqual({
      from: "4040",
      to: "+447700900123",
      type: "text",
      text: "hello there",
    });
    expect(parseOperatorLine("Got message 2: <4040 +447700900123 ucs2 %D8%3D%DE%00>")?.text).toBe("😀");
    expect(parseOperatorLine("INFO: fakesmsc starting")).toBeNull();
  });
});

describe.skipIf(problem !== null)("Kannel with fakesmsc", () => {
  let kannel: TestKannel;
  let http: Server;
  const hits: URL[] = [];
  let base = "";

  beforeAll(async () => {
    http = createServer((req, res) => {
      hits.push(new URL(req.url ?? "/", "http://127.0.0.1"));
      res.end("");
    });
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    const address = http.address();
    base = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
    kannel = await startKannel({ incomingUrl: `${base}/in?from=%p&to=%P&text=%a&charset=%C` });
  });
  afterAll(async () => {
    await kannel?.close();
    await new Promise((resolve) => http?.close(resolve));
  });

  it("sends a text to the operator and reports its delivery", async () => {
    const url = new URL(kannel.sendsmsUrl);
    url.searchParams.set("username", kannel.username);
    url.searchParams.set("password", kannel.password);
    url.searchParams.set("from", "4040");
    url.searchParams.set("to", "+447700900123");
    url.searchParams.set("text", "Hello from the test");
    url.searchParams.set("dlr-mask", "3");
    url.searchParams.set("dlr-url", `${base}/dlr?status=%d&ref=abc`);
    const res = await fetch(url);
    expect(res.status).toBe(202);
    const got = await eventually(
      async () => kannel.sent().find((s) => s.text === "Hello from the test"),
      "the operator to get the text",
    );
    expect(got).toEqual({ from: "4040", to: "+447700900123", type: "text", text: "Hello from the test" });
    const dlr = await eventually(
      async () => hits.find((h) => h.pathname === "/dlr" && h.searchParams.get("status") === "1"),
      "a delivery report",
    );
    expect(dlr.searchParams.get("ref")).toBe("abc");
  });

  it("passes an incoming text, emoji and all, to the get-url", async () => {
    kannel.inject("+447700900123", "4040", "Yes please 👍");
    const hit = await eventually(
      async () => hits.find((h) => h.pathname === "/in"),
      "the incoming text at the get-url",
    );
    expect(hit.searchParams.get("from")).toBe("+447700900123");
    expect(hit.searchParams.get("to")).toBe("4040");
    expect(hit.searchParams.get("charset")).toBe("UTF-8");
    expect(hit.searchParams.get("text")).toBe("Yes please 👍");
  });
});
