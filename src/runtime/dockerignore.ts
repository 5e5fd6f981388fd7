/**
 * .dockerignore matching with moby's patternmatcher semantics: patterns are cleaned and
 * anchored at the context root, `*` and `?` stay within a path segment, `**` spans segments,
 * `!` re-includes, the last matching pattern wins, and a pattern matching a parent directory
 * matches everything below it.
 */

import { goClean } from "../compose/go-format.js";

interface Pattern {
  regex: RegExp;
  exclusion: boolean;
}

export interface IgnoreMatcher {
  /** True when `relPath` (`/`-separated, relative to the context) must be left out. */
  ignores(relPath: string): boolean;
  /** True when no `!` pattern exists, so an ignored directory can be skipped wholesale. */
  readonly simple: boolean;
}

export function parseDockerignore(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    let line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    let neg = false;
    if (line.startsWith("!")) {
      neg = true;
      line = line.slice(1).trim();
    }
    line = cleanPath(line);
    if (!line) continue;
    out.push(neg ? `!${line}` : line);
  }
  return out;
}

/** Go's filepath.Clean, then relative to the context root (moby strips the leading slash). */
function cleanPath(p: string): string {
  const clean = goClean(p).replace(/^\/+/, "");
  return clean === "." ? "" : clean;
}

function toRegex(pattern: string): RegExp {
  let re = "^";
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === "*") {
      if (pattern[i + 1] === "*") {
        i++;
        if (pattern[i + 1] === "/") i++;
        re += i + 1 === pattern.length ? ".*" : "(.*/)?";
      } else {
        re += "[^/]*";
      }
    } else if (ch === "?") {
      re += "[^/]";
    } else if (ch === "[") {
      const end = pattern.indexOf("]", i + 1);
      if (end < 0) re += "\\[";
      else {
        let cls = pattern.slice(i + 1, end);
        if (cls.startsWith("!")) cls = `^${cls.slice(1)}`;
        re += `[${cls.replace(/\\/g, "\\\\")}]`;
        i = end;
      }
    } else if (ch === "\\" && i + 1 < pattern.length) {
      i++;
      re += escapeRegex(pattern[i]);
    } else {
      re += escapeRegex(ch);
    }
  }
  return new RegExp(`${re}$`);
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

export function ignoreMatcher(patterns: string[]): IgnoreMatcher {
  const compiled: Pattern[] = patterns.map((p) => {
    const exclusion = p.startsWith("!");
    return { regex: toRegex(exclusion ? p.slice(1) : p), exclusion };
  });
  const simple = !compiled.some((p) => p.exclusion);
  return {
    simple,
    ignores(relPath: string): boolean {
      const path = cleanPath(relPath);
      const parents: string[] = [];
      const segs = path.split("/");
      for (let i = 1; i < segs.length; i++) parents.push(segs.slice(0, i).join("/"));
      let matched = false;
      for (const p of compiled) {
        if (p.exclusion !== matched) continue;
        if (p.regex.test(path) || parents.some((d) => p.regex.test(d))) matched = !p.exclusion;
      }
      return matched;
    },
  };
}
