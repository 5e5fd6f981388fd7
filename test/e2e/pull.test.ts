import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deploy, plan } from "../../src/runtime/index.js";
import {
  containerIds,
  dockerCli,
  engine,
  engineReady,
  project,
  purge,
  recorder,
  service,
  TEST_IMAGE,
  uniqueProject,
} from "./helpers.js";
import { startRegistry, type TestRegistry } from "./registry.js";

const name = uniqueProject("pull");
const configDir = mkdtempSync(join(tmpdir(), "c2ts-docker-config-"));
/** IDs of the images pulled here (a re-pull leaves the previous one untagged). */
const pulled = new Set<string>();

describe.skipIf(!engineReady)("pulling from a registry", () => {
  let registry: TestRegistry;
  let image: string;
  const savedConfig = process.env.DOCKER_CONFIG;

  beforeAll(async () => {
    registry = await startRegistry({ username: "ci", password: "hunter2" });
    image = `${registry.host}/c2ts/app:1`;
    process.env.DOCKER_CONFIG = configDir;
  });

  afterAll(async () => {
    await purge(name);
    await registry?.close();
    // every version pulled from the test registry, tagged or not any more
    if (pulled.size) dockerCli(["rmi", "-f", ...pulled]);
    if (savedConfig === undefined) delete process.env.DOCKER_CONFIG;
    else process.env.DOCKER_CONFIG = savedConfig;
    rmSync(configDir, { recursive: true, force: true });
  });

  const stack = (pull_policy?: string) =>
    project(name, { app: service({ image, ...(pull_policy ? { pull_policy } : {}) }) });

  it("fails with the registry's answer when credentials are missing", { timeout: 60_000 }, async () => {
    registry.publish("c2ts/app", "1", TEST_IMAGE, "RELEASE=1");
    writeFileSync(join(configDir, "config.json"), JSON.stringify({ auths: {} }));
    const r = await deploy(stack(), { engine: await engine() });
    expect(r.result.ok).toBe(false);
    expect(r.result.errors[0]).toMatchObject({ resource: "image", name: image });
    expect(r.result.errors[0].message).toMatch(/unauthorized|authentication required|no basic auth credentials/i);
  });

  it(
    "pulls a missing image with credentials from config.json, with progress, then leaves it alone",
    { timeout: 180_000 },
    async () => {
      writeFileSync(
        join(configDir, "config.json"),
        JSON.stringify({ auths: { [registry.host]: { auth: Buffer.from("ci:hunter2").toString("base64") } } }),
      );
      const e = await engine();
      const rec = recorder();
      const r = await deploy(stack(), { engine: e, onEvent: rec.onEvent });
      expect(r.result.errors).toEqual([]);
      pulled.add(dockerCli(["image", "inspect", "-f", "{{.Id}}", image]));
      expect(r.plan.operations.map((o) => o.kind)).toEqual(["pull-image", "create-network", "create-container"]);
      expect(rec.events.filter((ev) => ev.resource === "image").map((ev) => ev.status)).toContain("Pulled");
      expect(dockerCli(["inspect", "-f", "{{range .Config.Env}}{{println .}}{{end}}", `${name}-app-1`])).toContain(
        "RELEASE=1",
      );
      expect((await plan(stack(), { engine: e })).operations).toEqual([]);
    },
  );

  it(
    "pull_policy always pulls every time and recreates only when the registry has a new image",
    { timeout: 180_000 },
    async () => {
      const e = await engine();
      const ids = await containerIds(name);
      const same = await deploy(stack("always"), { engine: e });
      expect(same.result.errors).toEqual([]);
      expect(same.plan.operations.map((o) => o.kind)).toEqual(["pull-image"]);
      expect(await containerIds(name)).toEqual(ids);

      registry.publish("c2ts/app", "1", TEST_IMAGE, "RELEASE=2");
      const updated = await deploy(stack("always"), { engine: e });
      expect(updated.result.errors).toEqual([]);
      pulled.add(dockerCli(["image", "inspect", "-f", "{{.Id}}", image]));
      expect(updated.plan.operations.map((o) => o.kind)).toEqual(["pull-image", "recreate-container"]);
      expect(updated.plan.operations[1].reason).toMatch(/^image .* changed/);
      expect(dockerCli(["inspect", "-f", "{{range .Config.Env}}{{println .}}{{end}}", `${name}-app-1`])).toContain(
        "RELEASE=2",
      );
    },
  );
});
