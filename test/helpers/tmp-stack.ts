import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

/** Writes `files` (relative path → content) into a fresh temp directory and returns its path. */
export function tmpStack(files: Record<string, string>, name = "proj"): string {
  const root = join(mkdtempSync(join(tmpdir(), "c2ts-test-")), name);
  for (const [rel, content] of Object.entries(files)) {
    const path = join(root, rel);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
  }
  mkdirSync(root, { recursive: true });
  return root;
}
