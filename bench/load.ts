/**
 * The registration load for the benchmark, in its own process: a registration form is
 * an external client, so its HTTP requests (building, sending, reading the answers) do
 * not compete with the measured rapport for the same event loop. The parent sends one
 * "run" message and gets "done" with the time the posts took, or "error".
 */
import http from "node:http";
import { benchPhone } from "./phones.js";

interface RunMessage {
  type: "run";
  url: string;
  apiKey: string;
  count: number;
  width: number;
  /** The first registration's number (ids and addresses are numbered). */
  from: number;
  /** Set: each customer also gives a phone (numbered) and SMS consent, in this time zone (bench/sms.ts). */
  sms?: { timezone: string };
}

/**
 * node:http with keep-alive sockets, not fetch: undici's fetch cost this process about
 * 0.45 ms of CPU per post, taken from the same two cores the measured rapport runs on
 * (a real form's posts come from elsewhere). One socket per lane of the run.
 */
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

function post(url: string, apiKey: string, i: number, sms?: RunMessage["sms"]): Promise<void> {
  const body = JSON.stringify({
    id: `bench-${i}`,
    type: "registration",
    customer: {
      email: `owner${i}@example.com`,
      name: `Owner ${i}`,
      ...(sms
        ? { phone: benchPhone(i), timezone: sms.timezone, consent: { sms: true, source: "bench" } }
        : {}),
    },
    product: { sku: "LYRA-RD-2780", name: "Lyra RD 2780", serial: `RD-${i}`, category: "turntable" },
  });
  return new Promise((ok, fail) => {
    const req = http.request(
      url,
      {
        method: "POST",
        agent,
        headers: {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(body),
          authorization: `Bearer ${apiKey}`,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          if (res.statusCode === 202) ok();
          else fail(new Error(`POST answered ${res.statusCode}: ${Buffer.concat(chunks).toString()}`));
        });
        res.on("error", fail);
      },
    );
    req.on("error", fail);
    req.end(body);
  });
}

process.on("message", async (msg: RunMessage | { type: "stop" }) => {
  if (msg.type === "stop") process.exit(0);
  if (msg.type !== "run") return;
  const started = performance.now();
  try {
    let next = msg.from;
    const end = msg.from + msg.count;
    await Promise.all(
      Array.from({ length: Math.min(msg.width, msg.count) }, async () => {
        while (next < end) await post(msg.url, msg.apiKey, next++, msg.sms);
      }),
    );
    process.send?.({ type: "done", ms: performance.now() - started });
  } catch (err) {
    process.send?.({ type: "error", message: err instanceof Error ? err.message : String(err) });
  }
});
process.send?.({ type: "ready" });
