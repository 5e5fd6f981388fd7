/**
 * One compose file as the parts of a TypeScript module: the stack object literal, the exported
 * constants for shared fragments, the helpers and modules it imports, and its comments.
 *
 * - Every anchored node and every top-level `x-` extension becomes an exported constant,
 *   named after its anchor (else its key); aliases reference the constant.
 * - `<<: *a` / `<<: [*a, *b]` become spreads placed before the mapping's own keys, later
 *   sources first, so precedence is YAML's: own keys, then earlier sources, then later ones.
 * - Values are written as the loader reads them (same YAML options, yaml.v3's plain `0777`
 *   octal), strings through strings.ts so interpolation becomes `env()` lookups.
 *
 * Values become Expression data (expression.ts), written out later through ts-morph.
 */
import { isAlias, isMap, isScalar, isSeq, Scalar } from "yaml";
import type { Alias, Node, Pair, YAMLMap, YAMLSeq } from "yaml";
import { UserError } from "../compose/errors.js";
import { TemplateSyntaxError } from "../compose/template.js";
import { code, type ArrayLiteral, type Expression, type Member, type ObjectLiteral } from "./expression.js";
import { isIdentifier, NameAllocator, propertyKey } from "./names.js";
import { userError, type SourceModule } from "./source-tree.js";
import { interpolatedString, literal } from "./strings.js";
import type { Comment, Entry, YamlSource } from "./yaml-source.js";

export interface ModuleImport {
  name: string;
  module: SourceModule;
}

export interface Constant {
  name: string;
  value: Expression;
  /** Comment lines above the declaration. */
  comments: Comment[];
  /** Annotated `Service` when it is only ever used as (the base of) a service. */
  type?: "Service";
}

export interface EmittedModule {
  fileComments: Comment[];
  endComments: Comment[];
  helpers: Set<"env" | "reset" | "override">;
  usesServiceType: boolean;
  imports: ModuleImport[];
  /** Names of the imported override modules, in merge order. */
  overrides: string[];
  constants: Constant[];
  stack: Expression;
}

export interface EmitOptions {
  /** `-p`: replaces the file's own `name:` (root module only). */
  projectName?: string;
  /** Root module only: the extra `-f` files merged on top of it, imported for `defineStack`'s options. */
  overrides?: SourceModule[];
}

/** Where a reference to a constant sits: at a service's top level, or anywhere else. */
type Use = "service" | "other";

const HELPER_NAMES = ["defineStack", "env", "reset", "override", "Service"];

export function emitModule(mod: SourceModule, options: EmitOptions = {}): EmittedModule {
  return new ModuleEmitter(mod, options).emit();
}

class ModuleEmitter {
  private readonly yaml: YamlSource;
  private readonly names = new NameAllocator(HELPER_NAMES);
  private readonly helpers = new Set<"env" | "reset" | "override">();
  private readonly imports: ModuleImport[] = [];
  private readonly importNames = new Map<SourceModule, string>();
  /** Constant name of each hoisted node (anchored nodes and top-level `x-` values). */
  private readonly hoisted = new Map<Node, string>();
  /** Hoisted nodes in declaration order: inner fragments before the ones that contain them. */
  private readonly order: Node[] = [];
  private readonly uses = new Map<Node, Set<Use>>();
  private readonly constantComments = new Map<Node, Comment[]>();
  /** Nodes being written, to reject an alias to its own ancestor. */
  private readonly open = new Set<Node>();

  constructor(
    private readonly mod: SourceModule,
    private readonly options: EmitOptions,
  ) {
    this.yaml = mod.yaml;
  }

  emit(): EmittedModule {
    const root = this.yaml.doc.contents as Node | null;
    if (root !== null && !isMap(root)) throw userError(this.yaml, root, "top-level object must be a mapping");
    for (const child of new Set([...this.mod.includes.values(), ...(this.options.overrides ?? [])])) {
      const name = this.names.allocate(moduleStem(child.outPath));
      this.importNames.set(child, name);
      this.imports.push({ name, module: child });
    }
    if (root) this.collectHoisted(root, true);

    const stack = root ? this.map(root, { kind: "root" }) : emptyObject();
    const constants: Constant[] = [];
    // Referrers before the fragments they use, so each fragment knows all its uses when written.
    for (const node of [...this.order].reverse()) {
      const name = this.hoisted.get(node)!;
      const uses = this.uses.get(node) ?? new Set<Use>();
      const asService = uses.size === 1 && uses.has("service");
      const value = this.value(node, { kind: asService ? "service" : "other", declaring: node });
      constants.unshift({
        name,
        value,
        comments: this.constantComments.get(node) ?? [],
        ...(asService ? { type: "Service" as const } : {}),
      });
    }
    return {
      fileComments: this.yaml.fileComments,
      endComments: this.yaml.endComments,
      helpers: this.helpers,
      usesServiceType: constants.some((c) => c.type === "Service"),
      imports: this.imports,
      overrides: (this.options.overrides ?? []).map((m) => this.importNames.get(m)!),
      constants,
      stack,
    };
  }

  // -- hoisting ------------------------------------------------------------------------------

  /** Names every anchored node (document order) and lists them inner-first (post-order). */
  private collectHoisted(node: Node, isRoot = false): void {
    if (isAlias(node)) return;
    const hoisted = !isRoot && node.anchor !== undefined;
    if (hoisted) this.hoist(node, node.anchor!);
    if (isMap(node)) {
      (node.items as Pair<Node | null, Node | null>[]).forEach((pair, index) => {
        if (!pair.value) return;
        const key = isRoot ? this.keyOf(pair.key) : "";
        if (isRoot && key.startsWith("x-") && !isAlias(pair.value)) this.hoistExtension(node, index, key, pair.value);
        else this.collectHoisted(pair.value);
      });
    } else if (isSeq(node)) {
      for (const item of node.items as (Node | null)[]) if (item) this.collectHoisted(item);
    }
    if (hoisted) this.order.push(node);
  }

  /** A top-level `x-` value: an exported constant even without an anchor, with the entry's comments. */
  private hoistExtension(root: YAMLMap, index: number, key: string, value: Node): void {
    this.hoist(value, value.anchor ?? key.slice(2));
    const entry = this.yaml.entryAt(root, index);
    this.constantComments.set(value, entry ? this.detachComments(entry) : []);
    this.collectHoisted(value); // declares it too when it is anchored
    if (value.anchor === undefined) this.order.push(value);
  }

  private hoist(node: Node, raw: string): void {
    if (!this.hoisted.has(node)) this.hoisted.set(node, this.names.allocate(raw));
  }

  /** The comments of an `x-` entry move to its constant's declaration. */
  private detachComments(entry: Entry): Comment[] {
    const comments = [
      ...entry.leading,
      ...entry.trailing.map((text) => ({ text, line: entry.line, blankBefore: false })),
    ];
    entry.leading = [];
    entry.trailing = [];
    return comments;
  }

  // -- values --------------------------------------------------------------------------------

  private value(node: Node | null, at: Position): Expression {
    if (node === null) return code("null");
    if (isAlias(node)) return this.reference(this.aliasTarget(node), at);
    if (this.hoisted.has(node) && at.declaring !== node) return this.reference(node, at);
    if (this.open.has(node)) throw userError(this.yaml, node, "an alias refers to its own enclosing node");
    this.open.add(node);
    try {
      const inner: Position = { kind: at.kind };
      const value = isMap(node)
        ? this.map(node, inner)
        : isSeq(node)
          ? this.seq(node)
          : code(this.scalar(node as Scalar));
      return this.tagged(node, value);
    } finally {
      this.open.delete(node);
    }
  }

  private tagged(node: Node, value: Expression): Expression {
    switch (node.tag) {
      case "!reset":
        this.helpers.add("reset");
        return { kind: "call", callee: "reset", args: [] };
      case "!override":
        this.helpers.add("override");
        return { kind: "call", callee: "override", args: [value] };
      default:
        return value;
    }
  }

  private reference(node: Node, at: Position): Expression {
    const name = this.hoisted.get(node);
    if (!name) throw userError(this.yaml, node, "alias to an unknown anchor");
    let uses = this.uses.get(node);
    if (!uses) this.uses.set(node, (uses = new Set()));
    // The `x-` key that holds a fragment is its definition, not a use.
    if (at.kind !== "extension") uses.add(at.kind === "service" ? "service" : "other");
    return code(name);
  }

  private aliasTarget(alias: Alias): Node {
    const target = this.yaml.aliasTarget(alias);
    if (!target) throw userError(this.yaml, alias, `unknown alias *${alias.source}`);
    if (this.open.has(target))
      throw userError(this.yaml, alias, `alias *${alias.source} refers to its own enclosing node`);
    return target;
  }

  private map(node: YAMLMap, at: Position): ObjectLiteral {
    const spreads: Member[] = [];
    const properties: Member[] = [];
    (node.items as Pair<Node | null, Node | null>[]).forEach((pair, index) => {
      const entry = this.yaml.entryAt(node, index);
      const key = this.keyOf(pair.key);
      if (key === "<<" && isMergeKey(pair.key)) {
        const sources =
          pair.value && isSeq(pair.value) && !pair.value.anchor ? (pair.value.items as Node[]) : [pair.value];
        const values = sources.map((s) => this.mergeSource(s, at)).reverse();
        spreads.push(...spreadMembers(values, entry));
        return;
      }
      properties.push(this.property(key, pair.value, at, entry, isBlockCollection(pair.value)));
    });
    if (at.kind === "root") this.addProjectName(node, properties);
    return { kind: "object", members: [...spreads, ...properties], closing: this.yaml.closingComments(node) };
  }

  private mergeSource(source: Node | null, at: Position): Expression {
    if (source === null) throw userError(this.yaml, source, "merge key `<<` expects a mapping or a list of mappings");
    const target = isAlias(source) ? this.aliasTarget(source) : source;
    if (!isMap(target)) throw userError(this.yaml, source, "merge key `<<` expects a mapping or a list of mappings");
    // A fragment merged into a service (or into a fragment used as one) is a service too.
    const sourceAt: Position = { kind: at.kind === "service" ? "service" : "other" };
    return this.value(source, sourceAt);
  }

  private property(
    key: string,
    value: Node | null,
    at: Position,
    entry: Entry | undefined,
    trailingAbove: boolean,
  ): Member {
    const written = (v: Expression): Member =>
      member(v, entry, {
        key: propertyKey(key),
        shorthand: v.kind === "code" && v.text === key && isIdentifier(key),
        trailingAbove,
      });
    if (at.kind === "root" && key === "include" && value && isSeq(value)) return written(this.includeList(value));
    if (at.kind === "root" && key === "name" && this.options.projectName !== undefined) {
      return written(code(literal(this.options.projectName)));
    }
    return written(this.value(value, this.childPosition(key, at)));
  }

  private addProjectName(node: YAMLMap, properties: Member[]): void {
    if (this.options.projectName === undefined || node.has("name")) return;
    properties.unshift(member(code(literal(this.options.projectName)), undefined, { key: "name" }));
  }

  private childPosition(key: string, at: Position): Position {
    if (at.kind === "root")
      return { kind: key === "services" ? "services" : key.startsWith("x-") ? "extension" : "other" };
    if (at.kind === "services") return { kind: "service" };
    return { kind: "other" };
  }

  private seq(node: YAMLSeq): ArrayLiteral {
    const members = (node.items as (Node | null)[]).map((item, index) =>
      member(this.value(item, { kind: "other" }), this.yaml.entryAt(node, index), {
        trailingAbove: isBlockCollection(item),
      }),
    );
    return { kind: "array", members, closing: this.yaml.closingComments(node) };
  }

  /** `include:` items: module imports instead of file paths. */
  private includeList(list: YAMLSeq): ArrayLiteral {
    const members = (list.items as (Node | null)[]).map((raw, index): Member => {
      const item = isAlias(raw) ? this.aliasTarget(raw) : raw;
      const entry = this.yaml.entryAt(list, index);
      if (isScalar(item)) return member(this.moduleReference(item), entry);
      if (!isMap(item)) throw userError(this.yaml, item, "an include must be a path or a mapping");
      const fields = (item.items as Pair<Node | null, Node | null>[]).map((pair, i): Member => {
        const key = this.keyOf(pair.key);
        const value = pair.value && isAlias(pair.value) ? this.aliasTarget(pair.value) : pair.value;
        const fieldEntry = this.yaml.entryAt(item, i);
        if (key === "path" && (isSeq(value) || isScalar(value))) {
          const paths: Expression = isSeq(value)
            ? {
                kind: "array",
                members: (value.items as Node[]).map((n) =>
                  member(this.moduleReference(isAlias(n) ? this.aliasTarget(n) : n), undefined),
                ),
                closing: [],
              }
            : this.moduleReference(value);
          return member(paths, fieldEntry, { key: "path" });
        }
        return this.property(key, pair.value, { kind: "other" }, fieldEntry, false);
      });
      const fieldsObject: ObjectLiteral = { kind: "object", members: fields, closing: this.yaml.closingComments(item) };
      return member(fieldsObject, entry, { trailingAbove: true });
    });
    return { kind: "array", members, closing: this.yaml.closingComments(list) };
  }

  private moduleReference(node: Node): Expression {
    const mod = isScalar(node) ? this.mod.includes.get(node as Scalar) : undefined;
    if (!mod) throw userError(this.yaml, node, "an include path must be a string");
    return code(this.importNames.get(mod)!);
  }

  // -- scalars -------------------------------------------------------------------------------

  private scalar(node: Scalar): string {
    const value = node.value;
    if (node.type === Scalar.PLAIN && typeof node.source === "string" && /^0[0-7]+$/.test(node.source)) {
      return `0o${node.source.replace(/^0+/, "") || "0"}`; // yaml.v3 reads a plain 0777 as octal
    }
    if (value === null || value === undefined) return "null";
    if (typeof value === "boolean") return String(value);
    if (typeof value === "bigint") return String(Number(value));
    if (typeof value === "number") return numberLiteral(value, node.source);
    if (typeof value !== "string") return literal(String(value));
    try {
      const expr = interpolatedString(value);
      if (expr.usesEnv) this.helpers.add("env");
      return expr.code;
    } catch (e) {
      if (e instanceof TemplateSyntaxError) {
        const at = node.range ? this.yaml.position(node.range[0]) : undefined;
        throw new UserError(`${e.message}: you may need to escape any $ with another $`, {
          location: { file: this.yaml.file, line: at?.line, column: at?.column },
        });
      }
      throw e;
    }
  }

  /** A key as the loader reads it (src/compose/yaml.ts): the scalar's value as a string. */
  private keyOf(key: Node | null): string {
    if (key === null) return "";
    const k = isAlias(key) ? this.aliasTarget(key) : key;
    if (!isScalar(k)) throw userError(this.yaml, key, "mapping keys must be scalars");
    if (k.type === Scalar.PLAIN && typeof k.source === "string" && /^0[0-7]+$/.test(k.source)) {
      return String(parseInt(k.source, 8));
    }
    const v = k.value;
    return typeof v === "bigint" ? String(Number(v)) : String(v);
  }
}

interface Position {
  kind: "root" | "services" | "service" | "extension" | "other";
  /** The hoisted node whose declaration is being written (so it is not replaced by its own name). */
  declaring?: Node;
}

const NO_COMMENTS: readonly Comment[] = [];
const NO_TEXT: readonly string[] = [];

/**
 * A member with the comments of its YAML entry. `trailingAbove`: its value is a block, so the
 * comment after its key describes the whole member.
 */
function member(
  value: Expression,
  entry: Entry | undefined,
  options: { key?: string; shorthand?: boolean; trailingAbove?: boolean } = {},
): Member {
  // Every member has the same fields, in the same order: there are tens of thousands of them.
  return {
    key: options.key,
    spread: false,
    shorthand: options.shorthand ?? false,
    value,
    blankBefore: entry?.blankBefore ?? false,
    leading: entry?.leading ?? NO_COMMENTS,
    trailing: entry?.trailing ?? NO_TEXT,
    trailingAbove: options.trailingAbove ?? false,
  };
}

/** `<<: [*a, *b]` as `...b, ...a`: the entry's comments go above the first and after the last. */
function spreadMembers(values: Expression[], entry: Entry | undefined): Member[] {
  return values.map((value, i) => ({
    key: undefined,
    spread: true,
    shorthand: false,
    value,
    blankBefore: i === 0 && (entry?.blankBefore ?? false),
    leading: (i === 0 && entry?.leading) || NO_COMMENTS,
    trailing: (i === values.length - 1 && entry?.trailing) || NO_TEXT,
    trailingAbove: false,
  }));
}

function emptyObject(): ObjectLiteral {
  return { kind: "object", members: [], closing: [] };
}

function isMergeKey(key: Node | null): boolean {
  return key !== null && isScalar(key) && key.type === Scalar.PLAIN;
}

function isBlockCollection(node: Node | null): boolean {
  return node !== null && (isMap(node) || isSeq(node)) && !node.flow && node.items.length > 0 && !node.anchor;
}

/** The author's spelling when it is a valid JavaScript number with the same value. */
function numberLiteral(value: number, source: string | undefined): string {
  if (Number.isNaN(value)) return "NaN";
  if (!Number.isFinite(value)) return value > 0 ? "Infinity" : "-Infinity";
  if (source && /^-?(0x[0-9a-fA-F]+|0o[0-7]+|(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?)$/.test(source)) {
    if (Number(source.replace(/^-/, "")) * (source.startsWith("-") ? -1 : 1) === value) return source;
  }
  return Object.is(value, -0) ? "-0" : String(value);
}

function moduleStem(outPath: string): string {
  const base = outPath.replace(/\.ts$/, "").split("/");
  const last = base[base.length - 1]!;
  // `media/compose.yml` is better named after its directory.
  if (/^(docker-)?compose$/.test(last) && base.length > 2) return base[base.length - 2]!;
  return last;
}
