import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Project } from "../../src/compose/model.js";
import { deploy, plan } from "../../src/runtime/index.js";
import {
  ROOT,
  containerIds,
  dockerCli,
  engine,
  engineReady,
  project,
  purge,
  service,
  uniqueProject,
} from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "c2ts-e2e-interrupt-"));
const names: string[] = [];

function chain(name: string, rev: string, n = 5): Project {
  const services: Project["services"] = {};
  for (let i = 1; i <= n; i++) {
    services[`s${i}`] = service({
      environment: { REV: rev },
      ...(i > 1 ? { depends_on: { [`s${i - 1}`]: { condition: "service_started", required: true } } } : {}),
    });
  }
  return project(name, services);
}

/** Every service has exactly one container, canonically named, running, from the current config; a further plan is empty. */
async function expectConverged(p: Project): Promise<void> {
  const e = await engine();
  const ids = await containerIds(p.name);
  expect(Object.keys(ids).sort()).toEqual(
    Object.keys(p.services)
      .map((s) => `${p.name}-${s}-1`)
      .sort(),
  );
  for (const n of Object.keys(ids)) expect(dockerCli(["inspect", "-f", "{{.State.Status}}", n]), n).toBe("running");
  expect((await plan(p, { engine: e })).operations).toEqual([]);
}

describe.skipIf(!engineReady)("interrupted deploys converge on re-run", () => {
  afterAll(async () => {
    for (const n of names) await purge(n);
    rmSync(dir, { recursive: true, force: true });
  });

  it(
    "an aborted deploy (Ctrl-C) stops between operations and the next deploy finishes the job",
    { timeout: 120_000 },
    async () => {
      const name = uniqueProject("abort");
      names.push(name);
      const e = await engine();
      const controller = new AbortController();
      let created = 0;
      const r = await deploy(chain(name, "1"), {
        engine: e,
        signal: controller.signal,
        onEvent: (ev) => {
          if (ev.status === "Started" && ++created === 2) controller.abort();
        },
      });
      expect(r.result.interrupted).toBe(true);
      expect(r.result.ok).toBe(false);
      // Containers may have been created ahead; not all of them were started.
      const running = dockerCli(["ps", "-q", "--filter", `label=com.docker.compose.project=${name}`]);
      expect(running.split("\n").filter(Boolean).length).toBeLessThan(5);

      const again = await deploy(chain(name, "1"), { engine: e });
      expect(again.result.errors).toEqual([]);
      await expectConverged(chain(name, "1"));
    },
  );

  it(
    "a deploy killed with SIGKILL in the middle of recreates is repaired by the next deploy",
    { timeout: 120_000 },
    async () => {
      const name = uniqueProject("kill");
      names.push(name);
      const e = await engine();
      await deploy(chain(name, "1"), { engine: e });
      const file = join(dir, `${name}.json`);
      writeFileSync(file, JSON.stringify(chain(name, "2")));
      await new Promise<void>((resolve, reject) => {
        const child = spawn(join(ROOT, "node_modules/.bin/vite-node"), ["test/e2e/deploy-child.ts", file], {
          cwd: ROOT,
          stdio: ["ignore", "pipe", "inherit"],
        });
        let buf = "";
        child.stdout.on("data", (d: Buffer) => {
          buf += d.toString();
          // kill right after the first replacement container was created under its temporary name
          if (/"status":"Stopping"/.test(buf)) child.kill("SIGKILL");
        });
        child.on("exit", () => resolve());
        child.on("error", reject);
      });
      const r = await deploy(chain(name, "2"), { engine: e });
      expect(r.result.errors).toEqual([]);
      await expectConverged(chain(name, "2"));
      for (let i = 1; i <= 5; i++) {
        expect(dockerCli(["inspect", "-f", "{{range .Config.Env}}{{println .}}{{end}}", `${name}-s${i}-1`])).toContain(
          "REV=2",
        );
      }
    },
  );

  it(
    "a replacement left under its temporary name, with or without the old container, is resolved",
    { timeout: 120_000 },
    async () => {
      const name = uniqueProject("leftover");
      names.push(name);
      const e = await engine();
      const p = chain(name, "1", 2);
      await deploy(p, { engine: e });
      const ids = await containerIds(name);
      const canonical = `${name}-s1-1`;
      const oldId = ids[canonical];
      const labels = JSON.parse(dockerCli(["inspect", "-f", "{{json .Config.Labels}}", canonical])) as Record<
        string,
        string
      >;
      const labelArgs = (l: Record<string, string>) => Object.entries(l).flatMap(([k, v]) => ["--label", `${k}=${v}`]);

      // 1. the new container was created (stale config) but the old one is still there: the stray goes
      const stray = `${oldId.slice(0, 12)}_${canonical}`;
      dockerCli([
        "create",
        "--name",
        stray,
        ...labelArgs({
          ...labels,
          "com.docker.compose.config-hash": "stale",
          "dev.c2ts.config-hash": "stale",
          "com.docker.compose.replace": oldId,
        }),
        "c2ts-test/busybox:latest",
        "sleep",
        "3600",
      ]);
      const p1 = await plan(p, { engine: e });
      expect(p1.operations.map((o) => o.kind)).toEqual(["remove-container"]);
      await deploy(p, { engine: e });
      expect(await containerIds(name)).toEqual(ids);

      // 2. the old container is gone and the replacement was never renamed: it is renamed and started
      dockerCli(["rm", "-f", canonical]);
      const tempId = dockerCli([
        "create",
        "--init",
        "--name",
        stray,
        "--network",
        `${name}_default`,
        ...labelArgs({ ...labels, "com.docker.compose.replace": oldId }),
        "c2ts-test/busybox:latest",
        "sleep",
        "3600",
      ]);
      const p2 = await plan(p, { engine: e });
      expect(p2.operations.map((o) => o.kind)).toEqual(["rename-container", "start-container"]);
      await deploy(p, { engine: e });
      const after = await containerIds(name);
      expect(after[canonical]).toBe(tempId);
      await expectConverged(p);

      // 3. a fresh container killed before its rename may be half set up: replaced by a new one
      const canonical2 = `${name}-s2-1`;
      const labels2 = JSON.parse(dockerCli(["inspect", "-f", "{{json .Config.Labels}}", canonical2])) as Record<
        string,
        string
      >;
      dockerCli(["rm", "-f", canonical2]);
      const halfId = dockerCli([
        "create",
        "--name",
        `0123456789ab_${canonical2}`,
        ...labelArgs(labels2),
        "c2ts-test/busybox:latest",
        "sleep",
        "3600",
      ]);
      const p3 = await plan(p, { engine: e });
      expect(p3.operations.map((o) => o.kind)).toEqual(["remove-container", "create-container"]);
      await deploy(p, { engine: e });
      expect((await containerIds(name))[canonical2]).not.toBe(halfId);
      await expectConverged(p);
    },
  );
});
