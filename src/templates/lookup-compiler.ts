/**
 * Handlebars' JavaScriptCompiler with every property read of a template written out
 * at its own place in the generated code, instead of through the one shared
 * `lookupProperty(parent, name)` (and `container.strict(parent, name)`) of Handlebars'
 * runtime. Same results, same errors; only where V8 keeps what it learns changes.
 *
 * Why: the runtime's `lookupProperty` is one function for every read of every template
 * (the data root, customer, product, brand, the helper table, ...). Its `parent[name]`
 * goes megamorphic at the second name it sees (V8's IC log: `KeyedLoadIC … 1->N` at
 * runtime.js lookupProperty), and from then on every read of every message goes
 * through V8's process-wide megamorphic stub cache, and `strict`'s `name in obj` alike.
 * Written out per site with a constant name, each read sees one or two object shapes and
 * V8 caches it right there: strict reads render about twice as fast.
 *
 * Semantics kept exactly (runtime.js `lookupProperty` and `strict`):
 *  - an own property of a non-null value is returned as is (`Object.hasOwn`, as
 *    lookupProperty's hasOwnProperty); anything else goes to the runtime's
 *    `lookupProperty` (prototype-access rules, its log line, the TypeError on
 *    null/undefined);
 *  - "constructor" and "__proto__" are always left to the runtime (its prototype
 *    constructor rule);
 *  - strict mode's terminal read checks `obj && name in obj` inline (`in` on a primitive
 *    throws the same TypeError), and anything but an own property goes to the runtime's
 *    `container.strict`, which throws the usual `"name" not defined in …` with its
 *    location (render.ts relies on both) or reads through lookupProperty.
 *
 * The generated code uses one register, `lookupTarget`: a lookup is complete before the
 * next assigns it (a nested lookup is the parent expression, evaluated first).
 */

type Code = unknown;

interface JavaScriptCompilerInstance {
  options: { strict?: boolean };
  lookupPropertyFunctionIsUsed: boolean;
  nameLookup(parent: Code, name: string, type?: string): Code;
  resolvePath(type: string, parts: string[], startPartIndex: number, falsy?: boolean, strict?: boolean): void;
  quotedString(value: string): Code;
  useRegister(name: string): void;
  popStack(): Code;
  push(code: Code): void;
  pushStackLiteral(code: string): void;
  aliasable(name: string): Code;
}

export type JavaScriptCompilerClass = new () => unknown;

const TARGET = "lookupTarget";
/** Names whose reads go to the runtime unchanged (its prototype-constructor rule). */
const RUNTIME_ONLY = new Set(["constructor", "__proto__"]);

export function inlineLookupCompiler(Base: JavaScriptCompilerClass): JavaScriptCompilerClass {
  const base = Base.prototype as JavaScriptCompilerInstance;

  function InlineLookupCompiler(this: unknown) {}
  const proto: JavaScriptCompilerInstance & { compiler: unknown } = Object.create(base);
  InlineLookupCompiler.prototype = proto;
  // Child programs ({{#if}} bodies, …) are compiled with `new this.compiler()`.
  proto.compiler = InlineLookupCompiler;

  proto.nameLookup = function nameLookup(parent, name, type) {
    if (RUNTIME_ONLY.has(name)) return base.nameLookup.call(this, parent, name, type);
    this.useRegister(TARGET);
    const key = this.quotedString(name);
    // Not null and its own: the value. Otherwise the runtime decides (and throws on null/undefined as ever).
    const runtime = base.nameLookup.call(this, TARGET, name, type);
    return [
      "((",
      TARGET,
      " = ",
      parent,
      ") != null && ",
      this.aliasable("Object.hasOwn"),
      "(",
      TARGET,
      ", ",
      key,
      ") ? ",
      TARGET,
      "[",
      key,
      "] : ",
      runtime,
      ")",
    ];
  };

  proto.resolvePath = function resolvePath(type, parts, startPartIndex, falsy, strict) {
    const last = parts.length - 1;
    const name = parts[last];
    if (
      !this.options.strict ||
      !strict ||
      name === undefined ||
      last < startPartIndex ||
      RUNTIME_ONLY.has(name)
    ) {
      base.resolvePath.call(this, type, parts, startPartIndex, falsy, strict);
      return;
    }
    let stack = this.popStack();
    for (let i = startPartIndex; i < last; i++) stack = this.nameLookup(stack, parts[i] as string, type);
    this.useRegister(TARGET);
    // The runtime's strict lookup on TARGET (`container.strict(TARGET, name, loc)`), as Handlebars writes it.
    this.pushStackLiteral(TARGET);
    base.resolvePath.call(this, type, [name], 0, falsy, strict);
    const runtimeStrict = this.popStack();
    const key = this.quotedString(name);
    // `name in TARGET` first, as the runtime does: on a primitive it throws the same TypeError.
    this.push([
      "((",
      TARGET,
      " = ",
      stack,
      ") && ",
      key,
      " in ",
      TARGET,
      " && ",
      this.aliasable("Object.hasOwn"),
      "(",
      TARGET,
      ", ",
      key,
      ") ? ",
      TARGET,
      "[",
      key,
      "] : ",
      runtimeStrict,
      ")",
    ]);
  };

  return InlineLookupCompiler as unknown as JavaScriptCompilerClass;
}
