/**
 * Where a template reads a field of `product` without first making sure there is one.
 *
 * `product` is null when a message has no product (a reply known only by its sender's
 * address, an event that names none), and templates render in strict mode: any read of
 * `product.name`, including `{{default product.name "…"}}` and `{{#if product.serial}}`,
 * then throws and the message fails. A read is guarded when it sits in the body of
 * `{{#if product}}`, in the `{{else}}` of `{{#unless product}}`, or inside
 * `{{#with product}}` / `{{#product}}` (which render only when there is one).
 *
 * Contract: unguardedProductUses(source, file) → ProductUse[] (positions in `file`, in
 * order; none for a source that does not parse, compile reports that), and
 * templateProductUses(sources, files) for a template's three parts (body.mjml positions,
 * not MJML's output). Pure. Flows decide whether a template can be reached without a
 * product (flows/product-presence.ts); this only says where it reads one.
 */
import type { TemplateFiles, TemplateSources } from "./compile.js";
import { parseTemplateSource } from "./parse.js";

export interface ProductUse {
  file: string;
  line: number;
  col: number;
  /** The path as written, e.g. "product.name" or "@root.product.sku". */
  variable: string;
}

type Node = hbs.AST.Node;
type Path = hbs.AST.PathExpression;

interface Scope {
  /** Context frames pushed since the root ({{#with}}, {{#each}}, sections, other block helpers). */
  frames: number;
  /** Inside a block that renders only when there is a product. */
  guarded: boolean;
  /** Block param names in scope: they shadow `product` as a first path segment. */
  params: ReadonlySet<string>;
}

const CONTEXT_KEEPING = new Set(["if", "unless"]);

function isPath(node: Node): node is Path {
  return node.type === "PathExpression";
}

/** The root `product` object itself (not a field of it): what a guard tests. */
function isRootProduct(path: Node, scope: Scope): boolean {
  if (!isPath(path)) return false;
  if (path.data) return path.parts.length === 2 && path.parts[0] === "root" && path.parts[1] === "product";
  return (
    path.parts.length === 1 &&
    path.parts[0] === "product" &&
    path.depth === scope.frames &&
    !(path.depth === 0 && scope.params.has("product") && !/^(\.|this\b)/.test(path.original))
  );
}

/** A field read of the root `product` (product.name, ../product.sku, @root.product.serial). */
function isProductField(path: Path, scope: Scope): boolean {
  if (path.data) return path.parts.length > 2 && path.parts[0] === "root" && path.parts[1] === "product";
  if (path.parts.length < 2 || path.parts[0] !== "product" || path.depth !== scope.frames) return false;
  // A block param named product is something else.
  return !(path.depth === 0 && scope.params.has("product") && !/^(\.|this\b)/.test(path.original));
}

class Finder {
  readonly uses: ProductUse[] = [];
  constructor(private readonly file: string) {}

  program(program: hbs.AST.Program | undefined, scope: Scope): void {
    for (const statement of program?.body ?? []) this.statement(statement, scope);
  }

  private statement(node: hbs.AST.Statement, scope: Scope): void {
    if (node.type === "MustacheStatement") {
      const m = node as hbs.AST.MustacheStatement;
      this.expression(m.path, scope);
      this.all(m.params, m.hash, scope);
    } else if (node.type === "BlockStatement") {
      this.block(node as hbs.AST.BlockStatement, scope);
    }
  }

  private all(params: hbs.AST.Expression[], hash: hbs.AST.Hash | undefined, scope: Scope): void {
    for (const p of params) this.expression(p, scope);
    for (const pair of hash?.pairs ?? []) this.expression(pair.value, scope);
  }

  private expression(node: Node, scope: Scope): void {
    if (isPath(node)) {
      if (!scope.guarded && isProductField(node, scope)) {
        this.uses.push({
          file: this.file,
          line: node.loc.start.line,
          col: node.loc.start.column + 1,
          variable: node.original,
        });
      }
    } else if (node.type === "SubExpression") {
      const sub = node as hbs.AST.SubExpression;
      this.expression(sub.path, scope);
      this.all(sub.params, sub.hash, scope);
    }
  }

  private block(node: hbs.AST.BlockStatement, scope: Scope): void {
    this.expression(node.path, scope);
    this.all(node.params, node.hash, scope);
    const helper = isPath(node.path) && node.path.parts.length === 1 ? node.path.parts[0] : undefined;
    const [first] = node.params;
    const testsProduct = first !== undefined && node.params.length === 1 && isRootProduct(first, scope);
    // `{{#product}}…{{/product}}`: a section, rendered with product as context only when there is one.
    const section = node.params.length === 0 && isRootProduct(node.path, scope);

    const keeps = helper !== undefined && CONTEXT_KEEPING.has(helper) && !section;
    const params = node.program?.blockParams ?? [];
    const inner: Scope = {
      frames: keeps ? scope.frames : scope.frames + 1,
      guarded: scope.guarded || section || (testsProduct && (helper === "if" || helper === "with")),
      params: params.length > 0 ? new Set([...scope.params, ...params]) : scope.params,
    };
    this.program(node.program, inner);
    // {{else}} renders in the outer context; after {{#unless product}} it means there is one.
    this.program(node.inverse, { ...scope, guarded: scope.guarded || (testsProduct && helper === "unless") });
  }
}

export function unguardedProductUses(source: string, file: string): ProductUse[] {
  const parsed = parseTemplateSource(source, file);
  if (!parsed.ok) return [];
  const finder = new Finder(file);
  finder.program(parsed.ast, { frames: 0, guarded: false, params: new Set() });
  return finder.uses;
}

export function templateProductUses(sources: TemplateSources, files: TemplateFiles): ProductUse[] {
  return [
    ...unguardedProductUses(sources.subject, files.subject),
    ...unguardedProductUses(sources.body, files.body),
    ...unguardedProductUses(sources.text, files.text),
  ];
}
