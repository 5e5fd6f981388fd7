/**
 * A compose file read for code generation: the `yaml` Document (anchors, aliases, merge keys
 * and tags intact) plus its comments, each attached to the entry it describes.
 *
 * The `yaml` package attaches comments to nodes by its own rules (a comment before the first key
 * of a block belongs to the parent, a dedented comment after a block belongs to that block).
 * Code reads better when a comment sits with the key it is written above, so we attach them
 * ourselves, by position:
 *
 * - a comment after code on the same line trails the last entry that starts before it;
 * - a comment on its own line leads the next entry, unless it is indented deeper than that
 *   entry: then it closes the innermost enclosing block it is indented into;
 * - the comment block at the very top of the file describes the file.
 *
 * An "entry" is a key of a block mapping or an item of a block sequence; entries inside flow
 * collections (`[a, b]`, `{a: 1}`) don't take comments, their enclosing entry does.
 */
import { Composer, isAlias, isCollection, isMap, isPair, isSeq, LineCounter, Parser } from "yaml";
import type { Alias, Document, Node, Pair, YAMLMap, YAMLSeq } from "yaml";
import { UserError } from "../compose/errors.js";

export type Collection = YAMLMap | YAMLSeq;

export interface Comment {
  text: string;
  line: number;
  /** A blank line precedes it (kept in the output). */
  blankBefore: boolean;
}

export interface Entry {
  container: Collection;
  index: number;
  offset: number;
  line: number;
  col: number;
  /** Where its value ends: a comment before that is inside a multi-line value. */
  valueEnd: number;
  leading: Comment[];
  trailing: string[];
  /** A blank line separates this entry (or its leading comments) from what precedes it. */
  blankBefore: boolean;
}

export interface YamlSource {
  file: string;
  text: string;
  doc: Document.Parsed;
  lines: LineCounter;
  fileComments: Comment[];
  /** Comments after the last entry of the file. */
  endComments: Comment[];
  entryAt(container: Collection, index: number): Entry | undefined;
  /** Comments that close a block, after its last entry. */
  closingComments(container: Collection): Comment[];
  /** 1-based line and column of an offset, for error messages. */
  position(offset: number): { line: number; column: number };
  /** The node an alias stands for (the nearest preceding anchor of that name), if any. */
  aliasTarget(alias: Alias): Node | undefined;
}

/** Same reading options as the loader (src/compose/yaml.ts), so both see the same values. */
export const YAML_OPTIONS = {
  version: "1.2",
  schema: "core",
  merge: false,
  uniqueKeys: true,
  prettyErrors: false,
} as const;

export function readYamlSource(text: string, file: string): YamlSource {
  const lines = new LineCounter();
  // One parse serves both the Document (values) and the comments (CST tokens).
  const tokens = [...new Parser(lines.addNewLine).parse(text)];
  const docs = [...new Composer({ ...YAML_OPTIONS, keepSourceTokens: true }).compose(tokens, true, text.length)];
  const fail = (message: string, offset: number | undefined): never => {
    const at = offset === undefined ? undefined : lines.linePos(offset);
    throw new UserError(message, { location: { file, line: at?.line, column: at?.col } });
  };
  if (docs.length > 1) fail("c2ts import reads one YAML document per compose file", docs[1]!.range[0]);
  const doc = docs[0]!;
  const problem = doc.errors[0];
  if (problem) fail(`invalid YAML: ${problem.message.split("\n")[0]}`, problem.pos[0]);
  return attachComments(text, file, tokens, doc as Document.Parsed, lines);
}

interface ContainerInfo {
  parent?: Entry;
  /** Column of its entries, once it has one. */
  col?: number;
  closing: Comment[];
}

function attachComments(
  text: string,
  file: string,
  tokens: unknown[],
  doc: Document.Parsed,
  lines: LineCounter,
): YamlSource {
  const sourceLines = text.split(/\r?\n/);
  const isBlank = (line: number) => line >= 1 && line <= sourceLines.length && sourceLines[line - 1]!.trim() === "";
  const pos = (offset: number) => {
    const { line, col } = lines.linePos(offset);
    return { line, col };
  };

  const entries: Entry[] = [];
  const byContainer = new Map<Collection, Entry[]>();
  const containers = new Map<Collection, ContainerInfo>();

  const visit = (node: unknown, parent: Entry | undefined): void => {
    if (!isMap(node) && !isSeq(node)) return;
    if (containers.has(node)) return; // an alias target reached twice
    containers.set(node, { parent, closing: [] });
    if (node.flow) return;
    const list: Entry[] = [];
    node.items.forEach((item, index) => {
      const offset = entryOffset(node, item as Pair | Node | null, index);
      if (offset === undefined) return;
      const { line, col } = pos(offset);
      const value = (isPair(item) ? item.value : item) as Node | null;
      const valueEnd = value?.range?.[1] ?? offset;
      const entry: Entry = {
        container: node,
        index,
        offset,
        line,
        col,
        valueEnd,
        leading: [],
        trailing: [],
        blankBefore: false,
      };
      list.push(entry);
      entries.push(entry);
      visit(value, entry);
    });
    byContainer.set(node, list);
    const info = containers.get(node)!;
    if (list[0]) info.col = list[0].col;
  };
  visit(doc.contents, undefined);
  entries.sort((a, b) => a.offset - b.offset);
  const aliases = aliasTargets(doc);

  const comments = collectComments(tokens).map((c) => {
    const { line, col } = pos(c.offset);
    const fullLine = sourceLines[line - 1]!.slice(0, col - 1).trim() === "";
    return { ...c, line, col, fullLine };
  });

  const fileComments: Comment[] = [];
  const endComments: Comment[] = [];
  let header = true;
  let previousLine = 0;
  for (const c of comments) {
    const comment: Comment = { text: c.text, line: c.line, blankBefore: isBlank(c.line - 1) };
    // The top-of-file block: comment lines from line 1 on, without a blank line in between.
    if (
      header &&
      c.fullLine &&
      c.line === previousLine + 1 &&
      (entries[0] === undefined || c.offset < entries[0].offset)
    ) {
      fileComments.push({ ...comment, blankBefore: false });
      previousLine = c.line;
      continue;
    }
    header = false;
    const before = lastBefore(entries, c.offset);
    if (!c.fullLine) {
      if (before) before.trailing.push(c.text);
      else fileComments.push(comment);
      continue;
    }
    const next = before ? entries[entries.indexOf(before) + 1] : entries[0];
    if (next && c.col <= next.col) next.leading.push(comment);
    else if (before && c.offset < before.valueEnd) before.trailing.push(c.text);
    else {
      const closing = before && enclosingBlock(before, c.col, containers);
      // A block's closing comment; at the top level, it leads what follows or ends the file.
      if (closing && containers.get(closing)!.parent) containers.get(closing)!.closing.push(comment);
      else if (next) next.leading.push(comment);
      else endComments.push(comment);
    }
  }

  for (const e of entries) {
    const firstLine = e.leading[0]?.line ?? e.line;
    e.blankBefore = isBlank(firstLine - 1) && e !== entries[0];
  }

  return {
    file,
    text,
    doc,
    lines,
    fileComments,
    endComments,
    entryAt: (container, index) => byContainer.get(container)?.find((e) => e.index === index),
    closingComments: (container) => containers.get(container)?.closing ?? [],
    position: (offset) => {
      const { line, col } = lines.linePos(offset);
      return { line, column: col };
    },
    aliasTarget: (alias) => aliases.get(alias),
  };
}

/** Resolves every alias in one document-order pass (`Alias.resolve` walks the whole document each time). */
function aliasTargets(doc: Document.Parsed): Map<Alias, Node> {
  const targets = new Map<Alias, Node>();
  const anchors = new Map<string, Node>();
  const visit = (node: unknown): void => {
    if (isAlias(node)) {
      const target = anchors.get(node.source);
      if (target) targets.set(node, target);
      return;
    }
    if (!node || typeof node !== "object") return;
    const n = node as Node;
    if (n.anchor) anchors.set(n.anchor, n);
    if (isCollection(n)) {
      for (const item of n.items as unknown[]) {
        if (isPair(item)) {
          visit(item.key);
          visit(item.value);
        } else visit(item);
      }
    }
  };
  visit(doc.contents);
  return targets;
}

/** Where an entry starts: the key of a pair, or the `-` of a sequence item. */
function entryOffset(node: Collection, item: Pair | Node | null, index: number): number | undefined {
  if (isPair(item)) {
    const key = item.key as Node | null;
    return key && key.range ? key.range[0] : undefined;
  }
  const token = (node as { srcToken?: { items?: { start?: { type: string; offset: number }[] }[] } }).srcToken;
  const indicator = token?.items?.[index]?.start?.find((t) => t.type === "seq-item-ind");
  if (indicator) return indicator.offset;
  return item && (item as Node).range ? (item as Node).range![0] : undefined;
}

function lastBefore(entries: Entry[], offset: number): Entry | undefined {
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (entries[mid]!.offset < offset) lo = mid + 1;
    else hi = mid;
  }
  return entries[lo - 1];
}

/** The innermost block around `entry` whose entries are indented no deeper than `col`. */
function enclosingBlock(entry: Entry, col: number, containers: Map<Collection, ContainerInfo>): Collection | undefined {
  let container: Collection | undefined = entry.container;
  while (container) {
    const info: ContainerInfo = containers.get(container)!;
    if (info.col !== undefined && info.col <= col) return container;
    container = info.parent?.container;
  }
  return undefined;
}

/** Every comment token in the file, in order, without its `#`. */
function collectComments(tokens: unknown[]): { offset: number; text: string }[] {
  const out: { offset: number; text: string }[] = [];
  const walk = (token: unknown): void => {
    if (Array.isArray(token)) {
      for (const t of token) walk(t);
      return;
    }
    if (!token || typeof token !== "object") return;
    const t = token as { type?: string; offset?: number; source?: string };
    if (t.type === "comment" && typeof t.offset === "number" && typeof t.source === "string") {
      out.push({ offset: t.offset, text: t.source.replace(/^#/, "").trimEnd() });
      return;
    }
    for (const value of Object.values(token)) if (typeof value === "object") walk(value);
  };
  walk(tokens);
  return out.sort((a, b) => a.offset - b.offset);
}
