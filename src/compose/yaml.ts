/**
 * Reads a Compose YAML file into plain JS values the way compose-go's yaml.v3 decoder does,
 * and remembers where every value came from so later stages can report `file:line:column`.
 *
 * We walk the `yaml` package's document tree ourselves instead of calling `toJS()` because we
 * need three things it cannot give together: positions per path, Compose's `!reset`/`!override`
 * tags, and yaml.v3's quirks (a plain `0777` is octal 511; `no`/`yes`/`on`/`off` stay strings).
 */
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseAllDocuments, Scalar } from "yaml";
import type { Alias, Document, Node, Pair, ParsedNode, YAMLMap } from "yaml";
import { UserError } from "./errors.js";
import { Override, RESET } from "./yaml-tags.js";

export type PathSegment = string | number;

/** Maps a model path to the line/column (1-based) of the key or value that produced it. */
export class PositionMap {
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
  positions: PositionMap;
}

const YAML_OPTIONS = { version: "1.2", schema: "core", merge: false, uniqueKeys: true, prettyErrors: true } as const;

export function parseComposeYaml(text: string, file: string): ParsedYamlFile {
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
    if (!isPlainObject(value)) {
      const { line, col } = lineCounter.linePos(doc.contents.range?.[0] ?? 0);
      throw new UserError("top-level object must be a mapping", { location: { file, line, column: col } });
    }
    documents.push(value);
  }
  return { file, documents, positions };
}

function firstLine(s: string): string {
  return s.split("\n")[0]!.trim();
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Override);
}

class NodeReader {
  private readonly anchors = new Map<Node, unknown>();
  private readonly anchorsByName = new Map<string, Node>();

  constructor(
    private readonly doc: Document.Parsed,
    private readonly lines: LineCounter,
    private readonly positions: PositionMap,
    private readonly file: string,
  ) {}

  read(node: ParsedNode | Alias | null, path: PathSegment[]): unknown {
    if (node === null || node === undefined) return null;
    if (node.range) this.mark(path, node.range[0]);

    if (isAlias(node)) {
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
    if (isMap(node)) value = this.readMap(node as YAMLMap.Parsed, path);
    else if (isSeq(node)) value = node.items.map((item, i) => this.read(item as ParsedNode, [...path, i]));
    else if (isScalar(node)) value = this.readScalar(node as Scalar.Parsed);
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
      own[key] = this.read(pair.value, [...path, key]);
    }
    if (merged.length === 0) return own;
    // YAML merge keys: explicit keys win, then earlier sources in `<<: [*a, *b]` win over later ones.
    const result: Record<string, unknown> = {};
    for (const source of merged.reverse()) Object.assign(result, source);
    return Object.assign(result, own);
  }

  private mergeSources(value: ParsedNode | null, path: PathSegment[]): Record<string, unknown>[] {
    const nodes = value && isSeq(value) ? (value.items as ParsedNode[]) : [value];
    return nodes.map((n) => {
      const v = this.read(n, path);
      if (!isPlainObject(v)) this.fail("merge key `<<` expects a mapping or a list of mappings", n?.range?.[0]);
      return v as Record<string, unknown>;
    });
  }

  private keyOf(key: ParsedNode | null): string {
    if (key === null) return "";
    const k = isAlias(key) ? this.anchorsByName.get(key.source) : key;
    if (k && isScalar(k)) return String(this.readScalar(k as Scalar.Parsed));
    this.fail("mapping keys must be scalars", key.range?.[0]);
  }

  private readScalar(node: Scalar.Parsed): unknown {
    // yaml.v3 (compose-go) still reads a plain `0777` as octal, as YAML 1.1 did.
    if (node.type === Scalar.PLAIN && typeof node.source === "string" && /^0[0-7]+$/.test(node.source)) {
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
  return key !== null && isScalar(key) && key.type === Scalar.PLAIN;
}
