import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { generateProxyConfig } from "../../src/proxy/generate.js";
import { resolveCluster } from "../../src/cluster/resolve.js";
import { generateProxyConfigsForNodes } from "../../src/proxy/generate.js";
import {
  PROXY_OUTPUT_FILES,
  writeFileAtomic,
  writeNodesProxyOutputs,
  writeProxyOutputs,
} from "../../src/proxy/write.js";
import { behindTraefikCluster, behindTraefikProject, goldenCases } from "./golden-cases.js";

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), "c2ts-write-"));
  dirs.push(d);
  return d;
};
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

describe("writeProxyOutputs", () => {
  const c = goldenCases().find((g) => g.name === "failover-nas")!;
  const outputs = generateProxyConfig(c.project, c.cluster);

  it("writes both files under the output directory, creating it", async () => {
    const out = join(tempDir(), "proxy");
    const written = await writeProxyOutputs(out, outputs);
    expect(written.traefik).toEqual({ path: join(out, "traefik/dynamic/failover-fallbacks.yaml"), changed: true });
    expect(written.haproxy).toEqual({ path: join(out, PROXY_OUTPUT_FILES.haproxy), changed: true });
    expect(readFileSync(written.traefik.path, "utf8")).toBe(outputs.traefikYaml);
    expect(readFileSync(written.haproxy.path, "utf8")).toBe(outputs.haproxyCfg);
    expect(readdirSync(join(out, "traefik/dynamic"))).toEqual(["failover-fallbacks.yaml"]);
  });

  it("leaves unchanged files alone so watchers do not fire", async () => {
    const out = tempDir();
    const first = await writeProxyOutputs(out, outputs);
    const before = statSync(first.traefik.path).ino;
    const again = await writeProxyOutputs(out, outputs);
    expect([again.traefik.changed, again.haproxy.changed]).toEqual([false, false]);
    expect(statSync(first.traefik.path).ino).toBe(before);
    const changed = await writeProxyOutputs(out, { ...outputs, haproxyCfg: `${outputs.haproxyCfg}# more\n` });
    expect([changed.traefik.changed, changed.haproxy.changed]).toEqual([false, true]);
  });

  it("replaces by rename: the old inode is never written in place", async () => {
    const out = tempDir();
    const { haproxy } = await writeProxyOutputs(out, outputs);
    const before = statSync(haproxy.path).ino;
    await writeProxyOutputs(out, { ...outputs, haproxyCfg: "global\n" });
    expect(statSync(haproxy.path).ino).not.toBe(before);
    expect(readdirSync(join(out, "haproxy"))).toEqual(["haproxy.cfg"]);
  });

  it("haproxy.cfg (it may hold a Redis password) is never world-readable: 0600, 0640 with a group, narrowed when unchanged", async () => {
    // deploy --all-nodes rewrites the files through this same function.
    const out = tempDir();
    const { haproxy, traefik } = await writeProxyOutputs(out, outputs);
    expect(statSync(haproxy.path).mode & 0o777).toBe(0o600);
    expect(statSync(traefik.path).mode & 0o077).not.toBe(0); // no secret: readable as before
    chmodSync(haproxy.path, 0o644);
    expect((await writeProxyOutputs(out, outputs)).haproxy.changed).toBe(false);
    expect(statSync(haproxy.path).mode & 0o777).toBe(0o600);
    const gid = statSync(out).gid;
    await writeProxyOutputs(out, { ...outputs, haproxyCfg: `${outputs.haproxyCfg}# more\n` }, { gid });
    expect(statSync(haproxy.path).mode & 0o777).toBe(0o640);
    expect(statSync(haproxy.path).gid).toBe(gid);
  });

  it("--all-nodes layout: DIR/<node>/traefik/dynamic/… and DIR/<node>/haproxy/…, each node's own file", async () => {
    const project = behindTraefikProject();
    const all = generateProxyConfigsForNodes(project, resolveCluster(behindTraefikCluster, undefined, project));
    const out = tempDir();
    const written = await writeNodesProxyOutputs(out, all.nodes);
    expect(readdirSync(out).sort()).toEqual(["n1", "n2", "n3"]);
    for (const { node, config } of all.nodes) {
      expect(written[node].traefik.path).toBe(join(out, node, PROXY_OUTPUT_FILES.traefik));
      expect(readFileSync(join(out, node, PROXY_OUTPUT_FILES.traefik), "utf8")).toBe(config.traefikYaml);
      expect(readFileSync(join(out, node, PROXY_OUTPUT_FILES.haproxy), "utf8")).toBe(config.haproxyCfg);
    }
  });

  it("refuses Traefik YAML that fails the schema and writes nothing", async () => {
    const out = tempDir();
    await expect(
      writeProxyOutputs(out, { traefikYaml: "http:\n  routers:\n    r:\n      rule: x\n", haproxyCfg: "global\n" }),
    ).rejects.toThrow(/must have required property 'service'/);
    expect(readdirSync(out)).toEqual([]);
  });
});

describe("writeFileAtomic", () => {
  it("cleans up its temporary file when the rename fails", async () => {
    const dir = tempDir();
    const target = join(dir, "is-a-dir");
    mkdirSync(target);
    writeFileSync(join(target, "keep"), "x");
    await expect(writeFileAtomic(target, "content")).rejects.toThrow();
    expect(readdirSync(dir)).toEqual(["is-a-dir"]);
  });
});
