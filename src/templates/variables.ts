/**
 * The variable check: every `{{path}}` a template uses must be one the data has
 * (data.ts `templateVariables`), else a TemplateError at its file:line:col with a
 * "did you mean". It reads the Handlebars AST of subject.hbs, text.hbs and the MJML
 * source itself, so positions point into body.mjml, not into MJML's output.
 *
 *   checkTemplateVariables(sources, files) → TemplateError[]
 *   checkVariables(source, file, { html }) → TemplateError[]
 *
 * What it can know, it flags: typos and unknown roots (`customer.frstName`, `custmer`),
 * fields under a single value (`customer.email.domain`), unknown helpers and data
 * variables (`{{formatdate …}}`, `@indx`), `@root.` paths, fields inside
 * `{{#with product}}` (context is product), printing a whole group (`{{product}}`),
 * partials (none exist), and, in HTML, `{{{…}}}` (unescaped: a customer's name could
 * carry markup). What it cannot know, it leaves: anything under `customer.attributes`
 * or `event.properties`, and everything inside `{{#each}}` or a helper's block except
 * `@root.`/`../` paths that climb back to known ground, and block params bound to known paths.
 *
 * Scoping follows Handlebars 4: `{{#if}}`/`{{#unless}}` keep the context (and `../`
 * depth); `{{#with}}`, `{{#each}}` and sections (`{{#product}}`) push one; block params
 * (`as |item i|`) shadow context fields for the first path segment.
 */
import type { TemplateFiles, TemplateSources } from "./compile.js";
import { templateVariables, type VariableFields, type VariableShape } from "./data.js";
import { templateHelperNames } from "./environment.js";
import { byPosition, type TemplateError } from "./errors.js";
import { parseTemplateSource } from "./parse.js";
import { closest } from "./suggest.js";

type Shape = VariableShape | "unknown";

interface Scope {
  /** Context stack, innermost first; `../` goes one down the list. */
  readonly frames: readonly Shape[];
  /** Block params, innermost first. */
  readonly params: ReadonlyArray<ReadonlyMap<string, Shape>>;
}

type Path = hbs.AST.PathExpression;
type Node = hbs.AST.Node;

const DATA_VARIABLES = ["root", "index", "key", "first", "last", "level"];
const SCOPED = /^(\.|this\b)/;

function isPath(node: Node): node is Path {
  return node.type === "PathExpression";
}

function describeFields(shape: VariableFields): string {
  return Object.keys(shape).join(", ");
}

class VariableChecker {
  readonly errors: TemplateError[] = [];

  constructor(
    private readonly file: string,
    private readonly root: VariableFields,
    private readonly html: boolean,
  ) {}

  private report(node: Node, message: string): void {
    this.errors.push({ file: this.file, line: node.loc.start.line, col: node.loc.start.column + 1, message });
  }

  program(program: hbs.AST.Program | undefined, scope: Scope): void {
    for (const statement of program?.body ?? []) this.statement(statement, scope);
  }

  private statement(node: hbs.AST.Statement, scope: Scope): void {
    switch (node.type) {
      case "MustacheStatement": {
        const m = node as hbs.AST.MustacheStatement;
        if (this.html && !m.escaped) {
          this.report(
            m,
            "{{{…}}} writes into the HTML unescaped (a customer's name could carry markup); use {{…}}",
          );
        }
        const shape = this.call(m.path, m.params, m.hash, scope, false);
        if (typeof shape === "object" && isPath(m.path)) {
          const first = Object.keys(shape)[0] ?? "";
          this.report(
            m.path,
            `"${m.path.original}" is a group of fields (${describeFields(shape)}), not a value to print; ` +
              `did you mean "${m.path.original}.${first}"?`,
          );
        }
        return;
      }
      case "BlockStatement":
        this.block(node as hbs.AST.BlockStatement, scope);
        return;
      case "PartialStatement":
      case "PartialBlockStatement":
        this.report(
          node,
          "partials ({{> name}}) are not available in templates; each template is its own three files",
        );
        return;
      default:
        return; // content, comments, decorators
    }
  }

  private isHelper(path: Path, scope: Scope): boolean {
    const [head] = path.parts;
    if (path.data || path.depth > 0 || path.parts.length !== 1 || SCOPED.test(path.original) || !head)
      return false;
    return templateHelperNames.has(head) && !scope.params.some((p) => p.has(head));
  }

  /** A mustache or subexpression; returns the shape of what it yields when that is a plain path. */
  private call(
    path: hbs.AST.PathExpression | hbs.AST.Literal,
    params: hbs.AST.Expression[],
    hash: hbs.AST.Hash | undefined,
    scope: Scope,
    alwaysCall: boolean,
  ): Shape {
    const args = [...params, ...(hash?.pairs ?? []).map((pair) => pair.value)];
    for (const arg of args) this.expression(arg, scope);
    if (!isPath(path)) return "unknown";
    if (this.isHelper(path, scope)) return "unknown";
    if (args.length > 0 || alwaysCall) {
      this.unknownHelper(path);
      return "unknown";
    }
    return this.resolve(path, scope);
  }

  private unknownHelper(path: Path): void {
    const simple = path.parts.length === 1 && !path.data && path.depth === 0;
    const hint = simple ? closest(path.original, templateHelperNames) : null;
    this.report(
      path,
      simple
        ? `unknown helper "${path.original}"${hint ? ` (did you mean "${hint}"?)` : ` (helpers: ${[...templateHelperNames].join(", ")})`}`
        : `"${path.original}" is given arguments but is not a helper`,
    );
  }

  private expression(node: hbs.AST.Expression, scope: Scope): Shape {
    if (isPath(node)) return this.resolve(node, scope);
    if (node.type === "SubExpression") {
      const sub = node as hbs.AST.SubExpression;
      return this.call(sub.path, sub.params, sub.hash, scope, true);
    }
    return "unknown"; // literals
  }

  private block(node: hbs.AST.BlockStatement, scope: Scope): void {
    const helper = this.isHelper(node.path, scope) ? (node.path.parts[0] ?? null) : null;
    const shapes = node.params.map((p) => this.expression(p, scope));
    for (const pair of node.hash?.pairs ?? []) this.expression(pair.value, scope);
    const names = node.program?.blockParams ?? [];

    let context: Shape | null; // null: the block keeps the outer context
    if (helper === "if" || helper === "unless") context = null;
    else if (helper === "with") context = shapes[0] ?? "unknown";
    else if (helper !== null)
      context = "unknown"; // each, or a helper whose context we cannot know
    else if (node.params.length > 0 || (node.hash?.pairs.length ?? 0) > 0) {
      this.unknownHelper(node.path);
      context = "unknown";
    } else {
      // A section: `{{#product}}…{{/product}}` renders with product as context.
      const shape = this.resolve(node.path, scope);
      context = typeof shape === "object" ? shape : "unknown";
    }

    const inner: Scope =
      context === null
        ? scope
        : {
            frames: [context, ...scope.frames],
            params: [
              new Map(names.map((name, i) => [name, helper === "with" && i === 0 ? context : "unknown"])),
              ...scope.params,
            ],
          };
    this.program(node.program, inner);
    this.program(node.inverse, scope); // {{else}} runs in the outer context
  }

  private resolve(path: Path, scope: Scope): Shape {
    const { parts } = path;
    if (path.data) {
      const [head = ""] = parts;
      if (head === "root") return this.walk(path, this.root, 1);
      if (DATA_VARIABLES.includes(head)) return "unknown";
      const hint = closest(head, DATA_VARIABLES);
      this.report(path, `unknown data variable "@${head}"${hint ? ` (did you mean "@${hint}"?)` : ""}`);
      return "unknown";
    }
    const [head] = parts;
    if (head !== undefined && path.depth === 0 && !SCOPED.test(path.original)) {
      const bound = scope.params.find((p) => p.has(head))?.get(head);
      if (bound !== undefined) return this.walk(path, bound, 1);
    }
    const frame = scope.frames[path.depth];
    if (frame === undefined) {
      this.report(path, `"${path.original}" climbs above the top of the data (one "../" too many)`);
      return "unknown";
    }
    return this.walk(path, frame, 0);
  }

  /** Follows `path.parts` from index `start` down `shape`, reporting the first step that does not exist. */
  private walk(path: Path, shape: Shape, start: number): Shape {
    const { parts } = path;
    let current: Shape = shape;
    for (let i = start; i < parts.length; i++) {
      const part = parts[i] as string;
      if (current === "unknown" || current === "dynamic") return "unknown";
      if (current === "value") {
        const owner = parts.slice(0, i).join(".");
        this.report(path, `"${path.original}": ${owner} is a single value; it has no field "${part}"`);
        return "unknown";
      }
      const next: VariableShape | undefined = Object.hasOwn(current, part) ? current[part] : undefined;
      if (next === undefined) {
        this.report(path, this.unknownMessage(path, i, current));
        return "unknown";
      }
      current = next;
    }
    return current;
  }

  private unknownMessage(path: Path, index: number, fields: VariableFields): string {
    const { parts, original } = path;
    const hint = closest(parts[index] as string, Object.keys(fields));
    if (hint) {
      const written = parts.join(".");
      const lead = original.endsWith(written) ? original.slice(0, original.length - written.length) : "";
      const fixed = [...parts.slice(0, index), hint, ...parts.slice(index + 1)].join(".");
      return `unknown variable "${original}" (did you mean "${lead}${fixed}"?)`;
    }
    const known =
      fields === this.root
        ? `templates see ${describeFields(fields)}`
        : `known here: ${describeFields(fields)}`;
    return `unknown variable "${original}" (${known})`;
  }
}

export interface CheckOptions {
  /** The source becomes HTML: `{{{…}}}` is flagged. */
  html?: boolean;
  /** The known variables; data.ts `templateVariables` unless a test or caller says otherwise. */
  variables?: VariableFields;
}

/** Problems in one source; a source that does not parse yields none (compile reports it). */
export function checkVariables(source: string, file: string, options: CheckOptions = {}): TemplateError[] {
  const parsed = parseTemplateSource(source, file);
  if (!parsed.ok) return [];
  const root = options.variables ?? templateVariables;
  const checker = new VariableChecker(file, root, options.html ?? false);
  checker.program(parsed.ast, { frames: [root], params: [] });
  return checker.errors.sort(byPosition);
}

export function checkTemplateVariables(sources: TemplateSources, files: TemplateFiles): TemplateError[] {
  return [
    ...checkVariables(sources.subject, files.subject),
    ...checkVariables(sources.body, files.body, { html: true }),
    ...checkVariables(sources.text, files.text),
  ];
}
