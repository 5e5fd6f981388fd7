/**
 * Turns ajv's raw error list into one Compose-style message per offending location.
 *
 * ajv (with allErrors) reports every failed branch of every `oneOf`: a bad `ports` entry yields
 * "must be number", "must be string", "must be object" and "must match exactly one schema".
 * Every `oneOf` in the Compose schema has branches of distinct JSON types, so at most one branch
 * matches the value's type; an error from that branch is either not a type error or lies deeper
 * in the document. Hence, like compose-go's "most specific error", we keep the deepest errors,
 * let any non-type error beat type errors at the same place, and merge the type errors that
 * remain into a single "must be a string or number".
 */

export type SchemaPath = (string | number)[];

export interface SchemaIssue {
  /** Where the problem is, e.g. `["services", "web", "ports", 0]`; an unknown key's own path. */
  path: SchemaPath;
  message: string;
}

/** The fields of an ajv `ErrorObject` that we read. */
export interface RawSchemaError {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}

interface Located {
  /** The value the error is about (the object, for unknown and missing keys). */
  at: SchemaPath;
  atKey: string;
  error: RawSchemaError;
}

const WRAPPERS = new Set(["oneOf", "anyOf"]);

export function issuesFromErrors(errors: readonly RawSchemaError[], data: unknown): SchemaIssue[] {
  const located: Located[] = errors.map((error) => {
    const at = pointerToPath(error.instancePath, data);
    return { at, atKey: pathKey(at), error };
  });

  // A type error is noise when something more telling sits at the same place (an error of the
  // branch whose type matched) or anywhere below it (that branch failed deeper down).
  const outranksType = new Set<string>();
  for (const { at, error } of located) {
    if (error.keyword === "type") {
      for (let n = 0; n < at.length; n++) outranksType.add(pathKey(at.slice(0, n)));
    } else if (!WRAPPERS.has(error.keyword) || Array.isArray(error.params.passingSchemas)) {
      for (let n = 0; n <= at.length; n++) outranksType.add(pathKey(at.slice(0, n)));
    }
  }

  const issues: SchemaIssue[] = [];
  const typesAt = new Map<string, { at: SchemaPath; types: string[] }>();
  const requiredAt = new Map<string, { at: SchemaPath; names: string[] }>();

  for (const { at, atKey, error } of located) {
    switch (error.keyword) {
      case "oneOf":
      case "anyOf":
        // Only reported when several branches matched: otherwise a branch error explains it better.
        if (Array.isArray(error.params.passingSchemas)) {
          issues.push({ path: at, message: `${describePath(at)} matches more than one of its allowed forms` });
        }
        break;
      case "type": {
        if (outranksType.has(atKey)) break;
        const entry = typesAt.get(atKey) ?? { at, types: [] };
        typesAt.set(atKey, entry);
        for (const t of String(error.params.type).split(",")) if (!entry.types.includes(t)) entry.types.push(t);
        break;
      }
      case "required": {
        const entry = requiredAt.get(atKey) ?? { at, names: [] };
        requiredAt.set(atKey, entry);
        const name = String(error.params.missingProperty);
        if (!entry.names.includes(name)) entry.names.push(name);
        break;
      }
      default:
        issues.push(describeError(at, error));
    }
  }

  for (const { at, types } of typesAt.values()) {
    issues.push({ path: at, message: `${describePath(at)} must be ${withArticle(orList(types.map(typeName)))}` });
  }
  for (const { at, names } of requiredAt.values()) {
    const list = names.map((n) => JSON.stringify(n)).join(", ");
    issues.push({ path: at, message: `${describePath(at)} is missing required propert${names.length > 1 ? "ies" : "y"} ${list}` });
  }

  return sortInDocumentOrder(onePerPath(issues), data);
}

function describeError(at: SchemaPath, error: RawSchemaError): SchemaIssue {
  const where = describePath(at);
  const p = error.params;
  switch (error.keyword) {
    case "additionalProperties": {
      const key = String(p.additionalProperty);
      return { path: [...at, key], message: `${where} additional property ${JSON.stringify(key)} is not allowed` };
    }
    case "enum": {
      const allowed = Array.isArray(p.allowedValues) ? p.allowedValues : [];
      return { path: at, message: `${where} must be one of ${allowed.map((v) => JSON.stringify(v)).join(", ")}` };
    }
    case "const":
      return { path: at, message: `${where} must be ${JSON.stringify(p.allowedValue)}` };
    case "pattern":
      return { path: at, message: `${where} must match the pattern ${JSON.stringify(p.pattern)}` };
    case "minimum":
    case "maximum":
    case "exclusiveMinimum":
    case "exclusiveMaximum":
      return { path: at, message: `${where} must be ${String(p.comparison)} ${String(p.limit)}` };
    case "uniqueItems": {
      // ajv reports the later duplicate as `i` and the earlier one as `j`.
      const later = Number(p.i);
      const earlier = Number(p.j);
      return {
        path: [...at, later],
        message: `${where} must not contain duplicates: items ${earlier} and ${later} are identical`,
      };
    }
    case "format":
      return { path: at, message: `${where} must be a valid ${String(p.format)}` };
    default:
      return { path: at, message: `${where} ${error.message ?? `is invalid (${error.keyword})`}` };
  }
}

const TYPE_NAMES: Record<string, string> = { object: "mapping", array: "list" };

function typeName(jsonType: string): string {
  return TYPE_NAMES[jsonType] ?? jsonType;
}

function orList(words: string[]): string {
  if (words.length <= 1) return words.join("");
  return `${words.slice(0, -1).join(", ")} or ${words[words.length - 1]}`;
}

function withArticle(phrase: string): string {
  if (phrase.startsWith("null")) return phrase;
  return /^[aeiou]/.test(phrase) ? `an ${phrase}` : `a ${phrase}`;
}

/** `services.web.ports[0]`, the same shape the loader prints; `(root)` for the document itself. */
export function describePath(path: SchemaPath): string {
  if (path.length === 0) return "(root)";
  let out = "";
  for (const seg of path) out = typeof seg === "number" ? `${out}[${seg}]` : out ? `${out}.${seg}` : seg;
  return out;
}

/** Decodes an ajv instancePath (a JSON pointer), typing array indices as numbers. */
function pointerToPath(pointer: string, data: unknown): SchemaPath {
  if (pointer === "") return [];
  const path: SchemaPath = [];
  let node: unknown = data;
  for (const raw of pointer.slice(1).split("/")) {
    const token = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (Array.isArray(node)) {
      const index = Number(token);
      path.push(index);
      node = node[index];
    } else {
      path.push(token);
      node = node !== null && typeof node === "object" ? (node as Record<string, unknown>)[token] : undefined;
    }
  }
  return path;
}

function pathKey(path: SchemaPath): string {
  return JSON.stringify(path);
}

/** Keeps the first issue found for each path; specific errors were collected before type errors. */
function onePerPath(issues: SchemaIssue[]): SchemaIssue[] {
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const key = pathKey(issue.path);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Orders issues as their locations appear in the file (key order of the parsed mapping). */
function sortInDocumentOrder(issues: SchemaIssue[], data: unknown): SchemaIssue[] {
  const rank = (path: SchemaPath): number[] => {
    const out: number[] = [];
    let node: unknown = data;
    for (const seg of path) {
      if (Array.isArray(node) && typeof seg === "number") {
        out.push(seg);
        node = node[seg];
      } else if (node !== null && typeof node === "object") {
        const keys = Object.keys(node);
        const index = keys.indexOf(String(seg));
        out.push(index < 0 ? keys.length : index);
        node = (node as Record<string, unknown>)[String(seg)];
      } else {
        out.push(0);
        node = undefined;
      }
    }
    return out;
  };
  const ranked = issues.map((issue, order) => ({ issue, order, rank: rank(issue.path) }));
  ranked.sort((a, b) => {
    const n = Math.min(a.rank.length, b.rank.length);
    for (let i = 0; i < n; i++) if (a.rank[i] !== b.rank[i]) return a.rank[i]! - b.rank[i]!;
    return a.rank.length - b.rank.length || a.order - b.order;
  });
  return ranked.map((r) => r.issue);
}
