/**
 * Refuses "billion laughs" documents the way compose-go's YAML reader (go-yaml v3) does.
 *
 * js-yaml resolves an alias to the anchored value itself, so a 300-byte file of nested aliases
 * parses instantly into a tree that is small in memory but enormous when walked; every later
 * stage (interpolation, type casting, merging) walks and copies it. go-yaml counts the nodes it
 * decodes and how many of them came from alias expansion, and fails with "document contains
 * excessive aliasing" when that share is too high for the document's size. We apply the same
 * rule to the expanded tree: a container reached a second time is an alias expansion, and so is
 * everything beneath it.
 */
import { isOverride } from "./yaml-tags.js";
import type { PathSegment } from "./yaml.js";

/** go-yaml's bounds: up to 400,000 decoded nodes 99% may come from aliases, from 4,000,000 only 10%. */
const RATIO_RANGE_LOW = 400_000;
const RATIO_RANGE_HIGH = 4_000_000;

function allowedAliasRatio(decoded: number): number {
  if (decoded <= RATIO_RANGE_LOW) return 0.99;
  if (decoded >= RATIO_RANGE_HIGH) return 0.1;
  return 0.99 - 0.89 * ((decoded - RATIO_RANGE_LOW) / (RATIO_RANGE_HIGH - RATIO_RANGE_LOW));
}

/**
 * Walks `document` as go-yaml would decode it and returns the path at which aliasing became
 * excessive, or undefined when the document is within bounds. The walk stops at that point, so a
 * bomb costs about a thousand steps, not its expanded size.
 */
export function findExcessiveAliasing(document: unknown): PathSegment[] | undefined {
  const seen = new Set<object>();
  let decoded = 0;
  let fromAliases = 0;
  const path: PathSegment[] = [];

  const visit = (value: unknown, insideAlias: boolean): boolean => {
    if (isOverride(value)) return visit(value.value, insideAlias);
    const container = typeof value === "object" && value !== null;
    const again = insideAlias || (container && seen.has(value));
    decoded++;
    if (again) fromAliases++;
    if (fromAliases > 100 && decoded > 1000 && fromAliases / decoded > allowedAliasRatio(decoded)) return true;
    if (!container) return false;
    seen.add(value);
    const entries: [PathSegment, unknown][] = Array.isArray(value)
      ? value.map((item, i) => [i, item])
      : Object.entries(value as Record<string, unknown>);
    for (const [key, item] of entries) {
      path.push(key);
      if (visit(item, again)) return true;
      path.pop();
    }
    return false;
  };

  return visit(document, false) ? path : undefined;
}
