import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createBuildContext, isRemoteContext } from "../../src/runtime/build-context.js";
import { ignoreMatcher, parseDockerignore } from "../../src/runtime/dockerignore.js";
import { tarBuffer } from "../../src/runtime/tar.js";

const dir = mkdtempSync(join(tmpdir(), "c2ts-ctx-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function streamToBuffer(s: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** List an archive with the system tar, proving the bytes are a valid archive. */
function listTar(buf: Buffer): string[] {
  const file = join(dir, `t-${Math.random().toString(36).slice(2)}.tar`);
  writeFileSync(file, buf);
  return execFileSync("tar", ["-tf", file], { encoding: "utf8" }).trim().split("\n").filter(Boolean);
}

describe(".dockerignore matching", () => {
  it("follows moby's rules: anchored, ** spans directories, ! re-includes, last match wins", () => {
    const m = ignoreMatcher(
      parseDockerignore(
        "# comment\n\n*.log\n!keep.log\n/build\n**/secret*\nnode_modules\ndocs/**/*.md\n!docs/README.md\n./tmp/../cache\n",
      ),
    );
    expect(m.ignores("app.log")).toBe(true);
    expect(m.ignores("sub/app.log")).toBe(false); // * does not cross /
    expect(m.ignores("keep.log")).toBe(false);
    expect(m.ignores("build/out.js")).toBe(true); // parent directory matched
    expect(m.ignores("a/b/secret.txt")).toBe(true);
    expect(m.ignores("secret")).toBe(true);
    expect(m.ignores("node_modules/x/index.js")).toBe(true);
    expect(m.ignores("docs/a/b/x.md")).toBe(true);
    expect(m.ignores("docs/README.md")).toBe(false);
    expect(m.ignores("cache/x")).toBe(true);
    expect(m.ignores("src/index.ts")).toBe(false);
    expect(m.simple).toBe(false);
    // a backslash escapes the next character, as on Linux
    const literal = ignoreMatcher(parseDockerignore("file\\*.txt\n"));
    expect(literal.ignores("file*.txt")).toBe(true);
    expect(literal.ignores("file1.txt")).toBe(false);
  });
});

describe("tar writer", () => {
  it("produces archives the system tar reads, with long names, modes and owners", () => {
    const long = `${"d".repeat(80)}/${"f".repeat(60)}.txt`;
    const buf = tarBuffer([
      { name: "run/secrets/token", type: "file", mode: 0o440, uid: 101, gid: 102, content: "s3cret" },
      { name: long, type: "file", mode: 0o644, content: "x" },
      { name: "dir", type: "directory", mode: 0o755 },
    ]);
    expect(listTar(buf)).toEqual(["run/secrets/token", long, "dir/"]);
    const file = join(dir, "one.tar");
    writeFileSync(file, buf);
    const verbose = execFileSync("tar", ["-tvf", file, "--numeric-owner", "run/secrets/token"], { encoding: "utf8" });
    expect(verbose).toMatch(/^-r--r----- 101\/102\s+6 /);
    expect(execFileSync("tar", ["-xOf", file, "run/secrets/token"], { encoding: "utf8" })).toBe("s3cret");
  });
});

describe("build context", () => {
  it("sends the context minus ignored files, always with the Dockerfile and .dockerignore", async () => {
    const ctx = join(dir, "ctx");
    mkdirSync(join(ctx, "src"), { recursive: true });
    mkdirSync(join(ctx, "node_modules/pkg"), { recursive: true });
    writeFileSync(join(ctx, "Dockerfile"), "FROM scratch\n");
    writeFileSync(join(ctx, ".dockerignore"), "node_modules\n*.env\nDockerfile\n.dockerignore\n");
    writeFileSync(join(ctx, "src/app.js"), "console.log(1)\n");
    writeFileSync(join(ctx, "node_modules/pkg/index.js"), "x");
    writeFileSync(join(ctx, "prod.env"), "SECRET=1");
    symlinkSync("src/app.js", join(ctx, "link.js"));
    const bc = await createBuildContext({ context: ctx });
    expect(bc.dockerfile).toBe("Dockerfile");
    expect(listTar(await streamToBuffer(bc.stream)).sort()).toEqual([
      ".dockerignore",
      "Dockerfile",
      "link.js",
      "src/",
      "src/app.js",
    ]);
  });

  it("adds an inline or out-of-context Dockerfile under a generated name", async () => {
    const ctx = join(dir, "ctx2");
    mkdirSync(ctx, { recursive: true });
    writeFileSync(join(ctx, "a.txt"), "a");
    writeFileSync(join(dir, "Outside.Dockerfile"), "FROM scratch\n");
    const inline = await createBuildContext({ context: ctx, dockerfileInline: "FROM scratch\nCOPY a.txt /\n" });
    expect(inline.dockerfile).toMatch(/^\.c2ts-dockerfile-[0-9a-f]{12}$/);
    expect(listTar(await streamToBuffer(inline.stream)).sort()).toEqual([inline.dockerfile, "a.txt"].sort());
    const outside = await createBuildContext({ context: ctx, dockerfile: join(dir, "Outside.Dockerfile") });
    expect(listTar(await streamToBuffer(outside.stream)).sort()).toEqual([outside.dockerfile, "a.txt"].sort());
  });

  it("recognises remote contexts", () => {
    expect(isRemoteContext("https://github.com/docker/rootfs.git#main")).toBe(true);
    expect(isRemoteContext("git@github.com:docker/rootfs.git")).toBe(true);
    expect(isRemoteContext("/home/me/app")).toBe(false);
  });
});
