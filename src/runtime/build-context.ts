/**
 * The build context sent to the engine: the context directory as a tar stream minus what
 * .dockerignore excludes (the Dockerfile and .dockerignore always go), with an inline or
 * out-of-context Dockerfile added under a generated name, the way the docker CLI does it.
 */
import { createHash, randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
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

interface ContextEntries {
  /** The context directory's entries the build sends, .dockerignore applied. */
  files: () => AsyncGenerator<TarEntry>;
  /** An inline or out-of-context Dockerfile, added under a generated name. */
  extra?: TarEntry;
  dockerfile: string;
}

async function contextEntries(options: {
  context: string;
  dockerfile?: string;
  dockerfileInline?: string;
}): Promise<ContextEntries> {
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
  return { files: () => walk(root, "", matcher, keep), extra, dockerfile: dockerfileRel };
}

export async function createBuildContext(options: {
  context: string;
  dockerfile?: string;
  dockerfileInline?: string;
}): Promise<BuildContext> {
  const { files, extra, dockerfile } = await contextEntries(options);
  async function* entries(): AsyncGenerator<TarEntry> {
    yield* files();
    if (extra) yield extra;
  }
  return { stream: tarStream(entries()), dockerfile };
}

/**
 * sha256 of what the build would send: every entry's path, type, mode, link target and content,
 * and the Dockerfile's content, but no modification times (a checkout or `touch` changes nothing)
 * and not the generated name of an inline Dockerfile.
 */
export async function buildContextDigest(options: {
  context: string;
  dockerfile?: string;
  dockerfileInline?: string;
}): Promise<string> {
  const { files, extra, dockerfile } = await contextEntries(options);
  const hash = createHash("sha256");
  const field = (s: string | Buffer) => hash.update(`${Buffer.byteLength(s)}:`).update(s);
  field(extra ? "" : dockerfile);
  for await (const e of files()) {
    field(e.name);
    field(`${e.type} ${e.mode.toString(8)} ${e.linkname ?? ""}`);
    if (e.sourcePath) field(await fileDigest(e.sourcePath));
  }
  if (extra?.content !== undefined) field(extra.content);
  return hash.digest("hex");
}

function fileDigest(path: string): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const h = createHash("sha256");
    createReadStream(path)
      .on("data", (chunk) => h.update(chunk))
      .on("error", reject)
      .on("end", () => resolvePromise(h.digest("hex")));
  });
}
