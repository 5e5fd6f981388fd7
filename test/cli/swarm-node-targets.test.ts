/**
 * Under `orchestrator: "swarm"`, deploy, plan and down refuse --node/--all-nodes (Swarm places the
 * tasks; the engine fan-out would start containers beside them), before any engine is contacted:
 * the cluster's engines here do not exist. `proxy --watch` needs Swarm.
 */
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "../..");
const BIN = join(ROOT, "bin/c2ts.js");
const built = existsSync(join(ROOT, "dist/cli/main.js"));
const dir = mkdtempSync(join(tmpdir(), "c2ts-i12-nodes-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cluster = (orchestrator: string) => `import { defineCluster } from "c2ts";
export default defineCluster({
  domain: "swarm.test",
  ${orchestrator}
  localNode: "a",
  nodes: [
    { name: "a", address: "100.64.0.1", engine: "unix://${dir}/no-such-a.sock" },
    { name: "b", address: "100.64.0.2", engine: "unix://${dir}/no-such-b.sock" },
  ],
});
`;
writeFileSync(join(dir, "swarm.config.ts"), cluster(`orchestrator: "swarm",`));
writeFileSync(join(dir, "engines.config.ts"), cluster(""));
writeFileSync(join(dir, "compose.yaml"), "name: i12nodes\nservices:\n  web:\n    image: c2ts-test/busybox:latest\n");

function c2ts(args: string[], config = "swarm.config.ts"): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [BIN, ...args, "-f", "compose.yaml", "--cluster", config], {
    cwd: dir,
    encoding: "utf8",
    timeout: 60_000,
    env: { ...process.env, NO_COLOR: "1", DOCKER_HOST: `unix://${dir}/no-such-local.sock` },
  });
}

describe.skipIf(!built)("Swarm mode and --node/--all-nodes", () => {
  for (const args of [
    ["deploy", "--node", "a"],
    ["deploy", "--all-nodes"],
    ["plan", "--node", "b"],
    ["plan", "--all-nodes"],
    ["down", "--all-nodes"],
  ]) {
    it(`${args.join(" ")} is refused with a usage error naming the reason`, () => {
      const r = c2ts(args);
      expect(r.status, r.stderr).toBe(1);
      expect(r.stderr).toContain(
        `error: ${args[0]}: --node and --all-nodes do not apply with orchestrator: "swarm": Swarm places the tasks`,
      );
      expect(r.stderr).toContain(`Run 'c2ts ${args[0]} --help' for usage.`);
      expect(r.stdout).toBe("");
    });
  }

  it("ps --node checks the node name against the cluster before asking a manager", () => {
    const r = c2ts(["ps", "--node", "zz"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/unknown node "zz" \(cluster nodes: a, b\)/);
  });

  it("ps --node with a known node asks the swarm (and says no manager is reachable here)", () => {
    const r = c2ts(["ps", "--node", "b"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/no reachable swarm manager/);
  });

  it("without Swarm, --node still takes the engine fan-out (it fails on the missing engine, not on a refusal)", () => {
    const r = c2ts(["plan", "--node", "a"], "engines.config.ts");
    expect(r.stderr).not.toContain("do not apply");
    expect(r.stderr).toContain("no-such-a.sock");
  });

  it("proxy --watch needs Swarm; --interval needs --watch", () => {
    const watch = c2ts(["proxy", "--watch"], "engines.config.ts");
    expect(watch.status).toBe(1);
    expect(watch.stderr).toContain('--watch follows Swarm\'s tasks; it needs orchestrator: "swarm"');
    const interval = c2ts(["proxy", "--interval", "5"]);
    expect(interval.status).toBe(1);
    expect(interval.stderr).toContain("--interval only applies with --watch");
  });

  it("proxy --help documents --watch and how to reload HAProxy", () => {
    const r = spawnSync(process.execPath, [BIN, "proxy", "--help"], { encoding: "utf8" });
    expect(r.stdout).toContain("--watch");
    expect(r.stdout).toContain("haproxy -sf");
  });
});
