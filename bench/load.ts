/**
 * The registration load for the benchmark, in its own process: a registration form is
 * an external client, so its HTTP requests (building, sending, reading the answers) do
 * not compete with the measured rapport for the same event loop. The parent sends one
 * "run" message and gets "done" with the time the posts took, or "error".
 */
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

async function post(url: string, apiKey: string, i: number, sms?: RunMessage["sms"]) {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${apiKey}` },
    body: JSON.stringify({
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
    }),
  });
  if (res.status !== 202) throw new Error(`POST answered ${res.status}: ${await res.text()}`);
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
