/**
 * A realistic TemplateData for previews, tests and the benchmark:
 * `sampleTemplateData()` (a fresh copy each call, so callers may change it), and
 * `deepMerge(base, over)`, which lays a partial JSON object over it (preview-data.ts).
 */
import type { TemplateData } from "./data.js";

export function sampleTemplateData(): TemplateData {
  return {
    customer: {
      email: "ada@example.com",
      name: "Ada Lovelace",
      firstName: "Ada",
      locale: "en-GB",
      timezone: "Europe/London",
      birthday: "1990-12-10",
      attributes: { newsletter: true },
      preferences: { topics: { product_news: true }, frequency: null, stayInTouch: false, all: true },
    },
    product: { sku: "LYRA-RD-2780", name: "Lyra RD 2780", category: "turntable", serial: "RD-000123" },
    brand: {
      name: "Lyra Audio",
      fromAddress: "Lyra Audio <hello@lyra-audio.example>",
      postalAddress: "Lyra Audio GmbH · Hauptstraße 12 · 10115 Berlin · Germany",
      publicUrl: "https://lyra-audio.example",
      supportAddress: "Lyra Audio Care <care@lyra-audio.example>",
    },
    event: { type: "registration", properties: { store: "Berlin" } },
    message: { id: "0f6b7c1e-5d2a-4c7e-9a51-3b8f0e2d4a96" },
    ownerAddress: "reply+ou7z4fym3judxkqnxd3vxhps@reply.lyra-audio.example",
    ownerMailbox: "Lyra RD 2780 owners' desk <reply+ou7z4fym3judxkqnxd3vxhps@reply.lyra-audio.example>",
    replyAddress: "reply+mb5wfwhc6luht43u4rnpxj5bnfu7pwg5cphohzb4e@reply.lyra-audio.example",
    preferencesUrl: "https://mail.lyra-audio.example/p/EA9rfB5dKkx-mlE7jw4tSpZHJCtSOx91ZB522Wt1SmQu",
    unsubscribeUrl: "https://mail.lyra-audio.example/u/EA9rfB5dKkx-mlE7jw4tSpZHJCtSOx91ZB522Wt1SmQu",
  };
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Objects merge key by key; anything else (a string, an array, null) replaces. `"product": null` works. */
export function deepMerge(base: unknown, over: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(over)) return over;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    if (key === "__proto__" || key === "constructor" || key === "prototype") continue;
    out[key] = key in base ? deepMerge(base[key], value) : value;
  }
  return out;
}
