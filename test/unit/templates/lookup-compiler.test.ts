/**
 * The inline-lookup compiler (src/templates/lookup-compiler.ts) must render and fail
 * exactly as Handlebars' own: same output, same error (message and location), for own,
 * inherited, prototype, null and primitive cases, strict and not.
 */
import Handlebars from "handlebars";
import { describe, expect, it } from "vitest";
import { templateHandlebars } from "../../../src/templates/environment.js";
import { inlineLookupCompiler } from "../../../src/templates/lookup-compiler.js";

interface Internals {
  parse(source: string, options: CompileOptions): unknown;
  Compiler: new () => { compile(ast: unknown, options: CompileOptions): unknown };
  JavaScriptCompiler: new () => {
    compile(environment: unknown, options: CompileOptions, context: undefined, asObject: true): unknown;
  };
  template(spec: unknown): (data: unknown) => string;
}
const hb = templateHandlebars as unknown as Internals;
const Inline = inlineLookupCompiler(hb.JavaScriptCompiler) as Internals["JavaScriptCompiler"];

function build(Compiler: Internals["JavaScriptCompiler"], source: string, options: CompileOptions) {
  const environment = new hb.Compiler().compile(hb.parse(source, options), options);
  return hb.template(new Compiler().compile(environment, options, undefined, true));
}

type Outcome = { ok: string } | { error: string; name: string; lineNumber: unknown; column: unknown };
function outcome(render: () => string): Outcome {
  try {
    return { ok: render() };
  } catch (err) {
    const e = err as Error & { lineNumber?: unknown; column?: unknown };
    return { error: e.message, name: e.constructor.name, lineNumber: e.lineNumber, column: e.column };
  }
}

class Person {
  first = "Ada";
  get shout() {
    return "ADA";
  }
}

const data = {
  customer: { name: "Ada", firstName: null, attributes: { n: 0, empty: "", list: ["a", "b"] } },
  product: null,
  person: new Person(),
  text: "plain",
  html: "<b>&</b>",
  zero: 0,
};

const sources = [
  "{{customer.name}}",
  "{{customer.firstName}}",
  "{{customer.attributes.n}} {{customer.attributes.empty}}",
  "{{customer.attributes.list.length}} {{customer.attributes.list.[1]}}",
  "{{customer.missing}}",
  "{{customer.attributes.deep.er}}",
  "{{product.name}}",
  "{{text.length}}",
  "{{zero.x}}",
  "{{person.first}}",
  "{{person.shout}}",
  "{{customer.constructor}}",
  "{{customer.__proto__}}",
  "{{customer.toString}}",
  "{{customer.hasOwnProperty}}",
  "{{html}}",
  "{{#if product}}yes{{else}}no{{/if}} {{#with customer}}{{name}}{{/with}}",
  "{{#each customer.attributes.list}}{{this}}{{@index}}{{/each}}",
  "{{#customer}}{{name}}{{/customer}}",
  '{{default customer.firstName "there"}} {{default product.name "turntable"}}',
  "{{@root.customer.name}} {{@root.nope}}",
  "{{lookup customer 'name'}} {{lookup customer 'constructor'}}",
  "{{address}}",
  "{{nope customer.name}}",
  "{{#each customer.attributes.list as |item|}}{{item}}{{item.length}}{{/each}}",
];

describe("inline lookups", () => {
  for (const strict of [true, false]) {
    for (const noEscape of [true, false]) {
      it(`render and fail as Handlebars does (strict: ${strict}, noEscape: ${noEscape})`, () => {
        for (const source of sources) {
          const options: CompileOptions = { strict, noEscape, data: true };
          const stock = build(hb.JavaScriptCompiler, source, options);
          const inline = build(Inline, source, options);
          expect(
            outcome(() => inline(data)),
            source,
          ).toEqual(outcome(() => stock(data)));
        }
      });
    }
  }

  it("are what the delegates use", () => {
    // A missing variable in strict mode still names itself and its place.
    const inline = build(Inline, "\n  {{customer.missing}}", { strict: true, data: true });
    const failed = outcome(() => inline(data));
    expect(failed).toMatchObject({
      error: expect.stringContaining('"missing" not defined in'),
      lineNumber: 2,
    });
    expect(Handlebars.VERSION).toMatch(/^4\./);
  });
});
