/**
 * What the Handlebars speed-ups of src/templates/compile.ts save per message: the
 * inline-lookup compiler (lookup-compiler.ts) and the `_setup` patch, against
 * Handlebars' public compile() with the same options (strict, noEscape, data, knownHelpers).
 * Renders subject, HTML and text of every shipped template with its sample data, as
 * renderMessage does; per message, fastest of 5 rounds after a warm-up.
 *
 *   npx tsx bench/template-internals.ts [messages per round, default 20000] [variant number]
 *
 * Give a variant number (0-3) to measure one alone, in its own process: variants run in
 * one process share Handlebars' runtime functions, so the first ones' object shapes slow
 * the later ones down.
 */
import { resolve } from "node:path";
import type { TemplateData } from "../src/templates/data.js";
import { templateHandlebars, templateHelperNames } from "../src/templates/environment.js";
import { loadTemplates } from "../src/templates/load.js";
import { inlineLookupCompiler } from "../src/templates/lookup-compiler.js";
import { sampleTemplateData } from "../src/templates/preview.js";

type Render = (data: TemplateData) => string;
interface Internals {
  parse(source: string, options: CompileOptions): unknown;
  Compiler: new () => { compile(ast: unknown, options: CompileOptions): unknown };
  JavaScriptCompiler: new () => {
    compile(environment: unknown, options: CompileOptions, context: undefined, asObject: true): unknown;
  };
  template(spec: unknown): ((data: unknown, options?: object) => string) & { _setup(options: object): void };
}
const hb = templateHandlebars as unknown as Internals;
const Inline = inlineLookupCompiler(hb.JavaScriptCompiler) as Internals["JavaScriptCompiler"];
const knownHelpers = Object.fromEntries([...templateHelperNames].map((n) => [n, true]));

function internal(source: string, noEscape: boolean, inline: boolean, setupOnce: boolean): Render {
  const options: CompileOptions = { strict: true, noEscape, data: true, knownHelpers };
  const env = new hb.Compiler().compile(hb.parse(source, options), options);
  const Js = inline ? Inline : hb.JavaScriptCompiler;
  const template = hb.template(new Js().compile(env, options, undefined, true));
  if (setupOnce) {
    const setup = template._setup;
    let ready = false;
    template._setup = (o) => {
      if (ready) return;
      setup(o);
      ready = true;
    };
  }
  const none = Object.freeze({});
  return (data) => template(data, none);
}

function publicCompile(source: string, noEscape: boolean): Render {
  const t = templateHandlebars.compile<TemplateData>(source, {
    strict: true,
    noEscape,
    data: true,
    knownHelpers,
  });
  return (data) => t(data);
}

const VARIANTS = {
  "inline lookups + _setup patch (rapport today)": (s: string, e: boolean) => internal(s, e, true, true),
  "inline lookups only": (s: string, e: boolean) => internal(s, e, true, false),
  "_setup patch only": (s: string, e: boolean) => internal(s, e, false, true),
  "Handlebars.compile (public API, same options)": publicCompile,
};

const n = Number(process.argv[2] ?? 20000);
const { templates, errors } = await loadTemplates(resolve("config/templates"));
if (errors.length) throw new Error(JSON.stringify(errors));
const sample = sampleTemplateData();
const all = [...templates.values()];

const only = process.argv[3] === undefined ? null : Number(process.argv[3]);
for (const [k, [name, make]] of Object.entries(VARIANTS).entries()) {
  if (only !== null && k !== only) continue;
  const parts = all.map((c) => [
    make(c.sources.subject, true),
    make(c.sources.html, false),
    make(c.sources.text, true),
  ]);
  const message = (i: number) => {
    const set = parts[i % parts.length] ?? [];
    const data = { ...sample, message: { id: `m${i}` } } as TemplateData;
    let len = 0;
    for (const r of set) len += r(data).length;
    return len;
  };
  const warmUntil = performance.now() + 1000;
  for (let i = 0; i < 5000 || performance.now() < warmUntil; i++) message(i);
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 5; round++) {
    const started = performance.now();
    for (let i = 0; i < n; i++) message(i);
    best = Math.min(best, ((performance.now() - started) * 1000) / n);
  }
  console.log(`${name.padEnd(48)} ${best.toFixed(2)} µs per message (${all.length} templates, 3 parts each)`);
}
