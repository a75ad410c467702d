/** `rapport trigger`: posts one event to a running rapport, the way a registration form would. */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describeIssues, type EventBody, eventBodySchema } from "../events/event-body.js";

export interface TriggerOptions {
  email?: string;
  name?: string;
  sku?: string;
  productName?: string;
  serial?: string;
  category?: string;
  id?: string;
  file?: string;
  url: string;
  apiKey?: string;
}

export async function resolveApiKey(given: string | undefined): Promise<string> {
  if (given) return given;
  const fromEnv = process.env.RAPPORT_API_KEYS?.split(",")[0]?.trim();
  if (fromEnv) return fromEnv;
  const file = join(process.env.RAPPORT_DATA_DIR ?? "./var", "api-key");
  try {
    return (await readFile(file, "utf8")).trim();
  } catch {
    throw new Error(
      `no API key: pass --api-key, set RAPPORT_API_KEYS, or start rapport once so it writes ${file}`,
    );
  }
}

/** The event from --file (if any) with the command-line options laid over it. */
export async function buildEventBody(type: string | undefined, o: TriggerOptions): Promise<EventBody> {
  const raw: Record<string, unknown> = o.file ? JSON.parse(await readFile(o.file, "utf8")) : {};
  if (type) raw.type = type;
  if (o.id) raw.id = o.id;
  if (o.email || o.name) raw.customer = { ...(raw.customer as object), email: o.email, name: o.name };
  if (o.sku) {
    raw.product = {
      ...(raw.product as object),
      sku: o.sku,
      name: o.productName,
      serial: o.serial,
      category: o.category,
    };
  }
  // Round-trip through JSON drops the options left undefined.
  const parsed = eventBodySchema.safeParse(JSON.parse(JSON.stringify(raw)));
  if (!parsed.success) {
    const lines = describeIssues(parsed.error).map((i) => `  ${i.field}: ${i.message}`);
    throw new Error(`the event is not valid:\n${lines.join("\n")}`);
  }
  return parsed.data;
}

export async function trigger(type: string | undefined, o: TriggerOptions): Promise<void> {
  const body = await buildEventBody(type, o);
  const key = await resolveApiKey(o.apiKey);
  const res = await fetch(new URL("/v1/events", o.url), {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
    body: JSON.stringify(body),
  }).catch((err: Error) => {
    throw new Error(`could not reach rapport at ${o.url} (${err.message}); is \`rapport start\` running?`);
  });
  const text = await res.text();
  if (res.status !== 202) throw new Error(`rapport answered ${res.status}: ${text}`);
  process.stdout.write(`${text}\n`);
}
