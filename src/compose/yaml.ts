/**
 * Reads a Compose YAML file into plain JS values the way compose-go's yaml.v3 decoder does,
 * and can tell where every value came from so later stages can report `file:line:column`.
 *
 * Two readers, one behaviour: js-yaml builds the values (several times faster than walking the
 * `yaml` package's document tree, which matters for 300-service stacks), and positions are
 * computed only when an error needs them, by walking the `yaml` document tree. Both honour
 * Compose's `!reset`/`!override` tags, merge keys, and yaml.v3's quirks (a plain `0777` is octal
 * 511; `no`/`yes`/`on`/`off` stay strings). A test keeps the two readers in agreement.
 */
import * as jsyaml from "js-yaml";
import { FAILSAFE_SCHEMA, loadAll, Type, YAMLException } from "js-yaml";
import { createRequire } from "node:module";
import type { Alias, Document, Node, Pair, ParsedNode, Scalar as ScalarNode, YAMLMap } from "yaml";
import { findExcessiveAliasing } from "./alias-limit.js";
import { UserError } from "./errors.js";
import { assignEntries, defineEntry, isMapping } from "./mapping.js";
import { Override, RESET } from "./yaml-tags.js";

export type PathSegment = string | number;

export interface SourcePositions {
  readonly file: string;
  /** The position of the deepest known prefix of `path` (an error inside a value points at its key). */
  locate(path: readonly PathSegment[]): { file: string; line?: number; column?: number };
}

/** Maps a model path to the line/column (1-based) of the key or value that produced it. */
export class PositionMap implements SourcePositions {
  private readonly positions = new Map<string, { line: number; column: number }>();

  constructor(readonly file: string) {}

  set(path: readonly PathSegment[], line: number, column: number): void {
    const key = pathKey(path);
    if (!this.positions.has(key)) this.positions.set(key, { line, column });
  }

  /** The position of the deepest known prefix of `path` (an error inside a value points at its key). */
  locate(path: readonly PathSegment[]): { file: string; line?: number; column?: number } {
    for (let n = path.length; n >= 0; n--) {
      const pos = this.positions.get(pathKey(path.slice(0, n)));
      if (pos) return { file: this.file, ...pos };
    }
    return { file: this.file };
  }
}

function pathKey(path: readonly PathSegment[]): string {
  return path.join("\u0000");
}

export interface ParsedYamlFile {
  file: string;
  /** One entry per YAML document; Compose merges them in order. */
  documents: Record<string, unknown>[];
  positions: SourcePositions;
}

/** Computes positions on first use: only files with an error ever pay for them. */
class LazyPositions implements SourcePositions {
  private map?: SourcePositions;
  constructor(
    readonly file: string,
    private readonly text: string,
  ) {}
  locate(path: readonly PathSegment[]) {
    this.map ??= readComposeYamlWithPositions(this.text, this.file).positions;
    return this.map.locate(path);
  }
}

const tagged = (tag: string, construct: (data: unknown) => unknown) =>
  (["scalar", "sequence", "mapping"] as const).map((kind) => new Type(tag, { kind, construct }));

// js-yaml exports its built-in types at run time; its type declarations leave them out.
const types = (jsyaml as unknown as { types: Record<"null" | "bool" | "int" | "float" | "merge", Type> }).types;

/** yaml.v3 still reads a plain `0777` as octal, as YAML 1.1 did; otherwise YAML 1.2 core ints. */
const LEGACY_OCTAL = /^0[0-7]+$/;
const composeInt = new Type("tag:yaml.org,2002:int", {
  kind: "scalar",
  resolve: (data: string) => LEGACY_OCTAL.test(data) || types.int.resolve(data),
  construct: (data: string) => (LEGACY_OCTAL.test(data) ? parseInt(data, 8) : types.int.construct(data)),
  predicate: types.int.predicate ?? undefined,
  represent: types.int.represent ?? undefined,
});

const COMPOSE_SCHEMA = FAILSAFE_SCHEMA.extend({
  implicit: [types.null, types.bool, composeInt, types.float, types.merge],
  explicit: [...tagged("!reset", () => RESET), ...tagged("!override", (data) => new Override(data))],
});

export function parseComposeYaml(text: string, file: string): ParsedYamlFile {
  let raw: unknown[];
  try {
    raw = loadAll(text, undefined, { schema: COMPOSE_SCHEMA, filename: file });
  } catch (e) {
    if (!(e instanceof YAMLException)) throw e;
    // The positional reader words YAML errors more precisely and points at them the same way.
    readComposeYamlWithPositions(text, file);
    throw new UserError(`invalid YAML: ${e.reason}`, {
      location: { file, line: e.mark ? e.mark.line + 1 : undefined, column: e.mark ? e.mark.column + 1 : undefined },
    });
  }
  const documents: Record<string, unknown>[] = [];
  const positions = new LazyPositions(file, text);
  for (const value of raw) {
    if (value === null || value === undefined) continue; // `---` followed by nothing, or only comments
    if (!isMapping(value))
      throw new UserError("top-level object must be a mapping", { location: { file, line: 1, column: 1 } });
    const excessive = findExcessiveAliasing(value);
    // Positions of a later document are not told apart from the first; the path still names the spot.
    if (excessive) {
      throw new UserError("document contains excessive aliasing", {
        location: positions.locate(excessive),
        path: excessive.join("."),
      });
    }
    documents.push(value);
  }
  return { file, documents, positions };
}

// The `yaml` package is needed only to locate errors; loading it lazily keeps it off the fast path.
type YamlModule = typeof import("yaml");
let yamlModule: YamlModule | undefined;
const yaml = (): YamlModule => (yamlModule ??= createRequire(import.meta.url)("yaml") as YamlModule);

const YAML_OPTIONS = { version: "1.2", schema: "core", merge: false, uniqueKeys: true, prettyErrors: true } as const;

/** The slow, exact reader: the same values as parseComposeYaml plus a position for every path. */
export function readComposeYamlWithPositions(
  text: string,
  file: string,
): { documents: Record<string, unknown>[]; positions: PositionMap } {
  const { LineCounter, parseAllDocuments } = yaml();
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { ...YAML_OPTIONS, lineCounter });
  const list = Array.isArray(docs) ? docs : [docs];
  const positions = new PositionMap(file);
  const documents: Record<string, unknown>[] = [];

  for (const doc of list) {
    const problem = doc.errors[0];
    if (problem) {
      const [start] = problem.linePos ?? [];
      throw new UserError(`invalid YAML: ${firstLine(problem.message)}`, {
        location: { file, line: start?.line, column: start?.col },
      });
    }
    if (doc.contents === null) continue;
    const reader = new NodeReader(doc as Document.Parsed, lineCounter, positions, file);
    const value = reader.read(doc.contents as ParsedNode, []);
    if (value === null) continue; // `---` followed by nothing, or only comments
    if (!isMapping(value)) {
      const { line, col } = lineCounter.linePos(doc.contents.range?.[0] ?? 0);
      throw new UserError("top-level object must be a mapping", { location: { file, line, column: col } });
    }
    documents.push(value);
  }
  return { documents, positions };
}

function firstLine(s: string): string {
  return s.split("\n")[0]!.trim();
}

class NodeReader {
  private readonly anchors = new Map<Node, unknown>();
  private readonly anchorsByName = new Map<string, Node>();

  constructor(
    private readonly doc: Document.Parsed,
    private readonly lines: InstanceType<YamlModule["LineCounter"]>,
    private readonly positions: PositionMap,
    private readonly file: string,
  ) {}

  read(node: ParsedNode | Alias | null, path: PathSegment[]): unknown {
    if (node === null || node === undefined) return null;
    if (node.range) this.mark(path, node.range[0]);

    if (yaml().isAlias(node)) {
      // An alias names the closest anchor before it; we read in document order, so that is the
      // last one recorded. (Alias.resolve() walks the whole document each time: quadratic.)
      const target = this.anchorsByName.get(node.source);
      if (!target) this.fail(`unknown alias *${node.source}`, node.range?.[0]);
      // Aliases share the anchored value; later stages never mutate, so sharing is safe.
      if (!this.anchors.has(target!)) this.anchors.set(target!, this.read(target as ParsedNode, path));
      return this.anchors.get(target!);
    }
    if (node.anchor) this.anchorsByName.set(node.anchor, node);

    let value: unknown;
    if (yaml().isMap(node)) value = this.readMap(node as YAMLMap.Parsed, path);
    else if (yaml().isSeq(node)) value = node.items.map((item, i) => this.read(item as ParsedNode, [...path, i]));
    else if (yaml().isScalar(node)) value = this.readScalar(node as ScalarNode.Parsed);
    else this.fail("unsupported YAML node", (node as Node).range?.[0]);

    if (node.anchor) this.anchors.set(node, value);
    switch (node.tag) {
      case "!reset":
        return RESET;
      case "!override":
        return new Override(value);
      default:
        return value;
    }
  }

  private readMap(node: YAMLMap.Parsed, path: PathSegment[]): Record<string, unknown> {
    const own: Record<string, unknown> = {};
    const merged: Record<string, unknown>[] = [];
    for (const pair of node.items as Pair<ParsedNode, ParsedNode | null>[]) {
      const key = this.keyOf(pair.key);
      if (key === "<<" && isMergeKey(pair.key)) {
        merged.push(...this.mergeSources(pair.value, path));
        continue;
      }
      if (pair.key?.range) this.mark([...path, key], pair.key.range[0]);
      defineEntry(own, key, this.read(pair.value, [...path, key]));
    }
    if (merged.length === 0) return own;
    // YAML merge keys: explicit keys win, then earlier sources in `<<: [*a, *b]` win over later ones.
    const result: Record<string, unknown> = {};
    for (const source of merged.reverse()) assignEntries(result, source);
    return assignEntries(result, own);
  }

  private mergeSources(value: ParsedNode | null, path: PathSegment[]): Record<string, unknown>[] {
    const nodes = value && yaml().isSeq(value) ? (value.items as ParsedNode[]) : [value];
    return nodes.map((n) => {
      const v = this.read(n, path);
      if (!isMapping(v)) this.fail("merge key `<<` expects a mapping or a list of mappings", n?.range?.[0]);
      return v as Record<string, unknown>;
    });
  }

  private keyOf(key: ParsedNode | null): string {
    if (key === null) return "";
    const k = yaml().isAlias(key) ? this.anchorsByName.get(key.source) : key;
    if (k && yaml().isScalar(k)) return String(this.readScalar(k as ScalarNode.Parsed));
    this.fail("mapping keys must be scalars", key.range?.[0]);
  }

  private readScalar(node: ScalarNode.Parsed): unknown {
    // yaml.v3 (compose-go) still reads a plain `0777` as octal, as YAML 1.1 did.
    if (node.type === "PLAIN" && typeof node.source === "string" && /^0[0-7]+$/.test(node.source)) {
      return parseInt(node.source, 8);
    }
    const v = node.value;
    if (typeof v === "bigint") return Number(v);
    return v;
  }

  private mark(path: PathSegment[], offset: number): void {
    const { line, col } = this.lines.linePos(offset);
    this.positions.set(path, line, col);
  }

  private fail(message: string, offset?: number): never {
    const pos = offset === undefined ? undefined : this.lines.linePos(offset);
    throw new UserError(message, { location: { file: this.file, line: pos?.line, column: pos?.col } });
  }
}

function isMergeKey(key: ParsedNode | null): boolean {
  return key !== null && yaml().isScalar(key) && key.type === "PLAIN";
}
