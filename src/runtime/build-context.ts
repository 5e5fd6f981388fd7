/**
 * The build context sent to the engine: the context directory as a tar stream minus what
 * .dockerignore excludes (the Dockerfile and .dockerignore always go), with an inline or
 * out-of-context Dockerfile added under a generated name, the way the docker CLI does it.
 */
import { randomBytes } from "node:crypto";
import { lstat, readdir, readFile, readlink } from "node:fs/promises";
import { isAbsolute, join, relative, resolve, sep } from "node:path";
import type { Readable } from "node:stream";
import { ignoreMatcher, parseDockerignore, type IgnoreMatcher } from "./dockerignore.js";
import { tarStream, type TarEntry } from "./tar.js";

export interface BuildContext {
  stream: Readable;
  /** The dockerfile path to pass to the engine, relative to the context root. */
  dockerfile: string;
}

/** A context the engine fetches itself (git repository or tarball URL). */
export function isRemoteContext(context: string): boolean {
  return /^(https?|git|ssh):\/\//.test(context) || context.startsWith("git@") || context.startsWith("github.com/");
}

async function readIgnore(contextDir: string, dockerfileRel: string | undefined): Promise<string[]> {
  // BuildKit's per-Dockerfile ignore file wins over the context-wide one.
  const candidates = [
    ...(dockerfileRel ? [join(contextDir, `${dockerfileRel}.dockerignore`)] : []),
    join(contextDir, ".dockerignore"),
  ];
  for (const file of candidates) {
    try {
      return parseDockerignore(await readFile(file, "utf8"));
    } catch {
      // try the next one
    }
  }
  return [];
}

async function* walk(root: string, dir: string, matcher: IgnoreMatcher, keep: Set<string>): AsyncGenerator<TarEntry> {
  const names = (await readdir(join(root, dir))).sort();
  for (const name of names) {
    const rel = dir ? `${dir}/${name}` : name;
    const abs = join(root, rel);
    const st = await lstat(abs);
    const ignored = matcher.ignores(rel) && !keep.has(rel);
    if (st.isDirectory()) {
      if (ignored && matcher.simple) continue;
      if (!ignored)
        yield { name: rel, type: "directory", mode: st.mode & 0o7777, mtime: Math.floor(st.mtimeMs / 1000) };
      yield* walk(root, rel, matcher, keep);
      continue;
    }
    if (ignored) continue;
    if (st.isSymbolicLink()) {
      yield {
        name: rel,
        type: "symlink",
        mode: st.mode & 0o7777,
        mtime: Math.floor(st.mtimeMs / 1000),
        linkname: await readlink(abs),
      };
    } else if (st.isFile()) {
      yield {
        name: rel,
        type: "file",
        mode: st.mode & 0o7777,
        mtime: Math.floor(st.mtimeMs / 1000),
        sourcePath: abs,
        size: st.size,
      };
    }
    // sockets, fifos and devices are not sent, as with the docker CLI
  }
}

export async function createBuildContext(options: {
  context: string;
  dockerfile?: string;
  dockerfileInline?: string;
}): Promise<BuildContext> {
  const root = resolve(options.context);
  let extra: TarEntry | undefined;
  let dockerfileRel: string;
  if (options.dockerfileInline !== undefined) {
    dockerfileRel = `.c2ts-dockerfile-${randomBytes(6).toString("hex")}`;
    extra = { name: dockerfileRel, type: "file", mode: 0o644, content: options.dockerfileInline };
  } else {
    const dockerfile = options.dockerfile ?? "Dockerfile";
    const abs = isAbsolute(dockerfile) ? dockerfile : join(root, dockerfile);
    const rel = relative(root, abs);
    if (rel.startsWith("..") || isAbsolute(rel)) {
      dockerfileRel = `.c2ts-dockerfile-${randomBytes(6).toString("hex")}`;
      extra = { name: dockerfileRel, type: "file", mode: 0o644, content: await readFile(abs) };
    } else {
      dockerfileRel = rel.split(sep).join("/");
    }
  }
  const patterns = await readIgnore(root, extra ? undefined : dockerfileRel);
  const matcher = ignoreMatcher(patterns);
  const keep = new Set([".dockerignore", dockerfileRel]);
  async function* entries(): AsyncGenerator<TarEntry> {
    yield* walk(root, "", matcher, keep);
    if (extra) yield extra;
  }
  return { stream: tarStream(entries()), dockerfile: dockerfileRel };
}
