/**
 * Rendering one message: Handlebars over MJML compiled once (what rapport does) against
 * MJML compiled per message (the naive way). Returns a rendered sample too: the message
 * the raw nodemailer baseline sends.
 */
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { templateHandlebars } from "../src/templates/environment.js";
import { loadTemplates } from "../src/templates/load.js";
import { mjmlToHtml } from "../src/templates/mjml.js";
import { sampleTemplateData } from "../src/templates/preview.js";
import { cleanSubject, renderMessage } from "../src/templates/render.js";
import { fmt, type Table } from "./table.js";

export interface RenderedSample {
  subject: string;
  html: string;
  text: string;
}

/**
 * Per-call time of `task` over n calls, split in 5 rounds; the fastest round counts
 * (other work on a shared machine only ever slows a round down). Both sides alike.
 */
async function fastestRound(n: number, task: (i: number) => unknown): Promise<number> {
  const per = Math.max(1, Math.ceil(n / 5));
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 5; round++) {
    const started = performance.now();
    for (let i = 0; i < per; i++) await task(round * per + i);
    best = Math.min(best, (performance.now() - started) / per);
  }
  return best;
}

/** The thank-you message as rapport renders it, for the baselines that send it. */
export async function thankYouSample(): Promise<RenderedSample> {
  const { templates, errors } = await loadTemplates(resolve("config/templates"));
  if (errors.length) throw new Error(`templates have errors: ${JSON.stringify(errors)}`);
  const compiled = templates.get("thank-you");
  if (!compiled) throw new Error("no thank-you template");
  return renderMessage(compiled, sampleTemplateData());
}

export async function benchRendering(table: Table, sizes: { renders: number; mjmlRenders: number }) {
  const { templates, errors } = await loadTemplates(resolve("config/templates"));
  if (errors.length) throw new Error(`templates have errors: ${JSON.stringify(errors)}`);
  const compiled = templates.get("thank-you");
  if (!compiled) throw new Error("no thank-you template");
  const data = sampleTemplateData();

  // Each message's data is built per message, as the delivery job does; the warm-up renders the
  // same kind of objects as the measured rounds (warming up on `data` itself left the JIT code
  // specialised for another object shape, to be thrown away and redone inside the measured rounds).
  const message = (i: number) => renderMessage(compiled, { ...data, message: { id: `m${i}` } });
  // Warm-up (let the JIT settle): V8 optimises the big generated template functions on a
  // background thread, which on a busy machine can take a few hundred ms; give it that.
  const warmUntil = performance.now() + 500;
  for (let i = 0; i < 5000 || performance.now() < warmUntil; i++) message(i);
  const precompiledMs = await fastestRound(sizes.renders, message);

  // The naive way: Handlebars over the MJML source, then MJML, for every message; with
  // rapport's own helpers and MJML options (src/templates/mjml.ts), and subject and text
  // rendered as rapport does, so only compiling MJML once differs.
  const dir = resolve("config/templates/thank-you");
  const [subjectSource, bodySource, textSource] = await Promise.all(
    ["subject.hbs", "body.mjml", "text.hbs"].map((f) => readFile(join(dir, f), "utf8")),
  );
  const hbSubject = templateHandlebars.compile(subjectSource, { strict: true, noEscape: true });
  const hbBody = templateHandlebars.compile(bodySource, { strict: true });
  const hbText = templateHandlebars.compile(textSource, { strict: true, noEscape: true });
  const mjmlOnce = async (i: number) => {
    const d = { ...data, message: { id: `m${i}` } };
    const subject = cleanSubject(hbSubject(d));
    const out = await mjmlToHtml(hbBody(d), "body.mjml");
    if (!out.ok) throw new Error(`MJML: ${JSON.stringify(out.errors)}`);
    return { subject, html: out.html, text: hbText(d) };
  };
  for (let i = 0; i < 5; i++) await mjmlOnce(i); // warm-up
  const mjmlMs = await fastestRound(sizes.mjmlRenders, mjmlOnce);

  const ratio = mjmlMs / precompiledMs;
  console.log("Rendering one message");
  console.log(`  MJML compiled once + Handlebars per message: ${fmt(precompiledMs * 1000, 1)} µs`);
  console.log(`  MJML compiled per message:                   ${fmt(mjmlMs * 1000, 1)} µs`);
  console.log(`  ${fmt(ratio)}× faster`);
  table.add({
    figure: "rendering one message",
    rapport: `${fmt(precompiledMs * 1000, 1)} µs`,
    baseline: `${fmt(mjmlMs * 1000, 1)} µs (MJML per message)`,
    ratio,
    aim: "≥ 500× faster",
    met: ratio >= 500,
  });
}
