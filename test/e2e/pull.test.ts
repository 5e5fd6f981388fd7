import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
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
/** Project of the credential-helper tests, apart from `name` so its containers do not count as orphans there. */
const helperName = uniqueProject("i15-cred");
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
    await purge(helperName);
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

  /** A stand-in `docker-credential-c2ts-test` on PATH serving the registry's login, logging each call. */
  function installHelper(): string {
    const bin = join(configDir, "bin");
    const log = join(configDir, "helper.log");
    mkdirSync(bin, { recursive: true });
    writeFileSync(
      join(bin, "docker-credential-c2ts-test"),
      [
        "#!/bin/sh",
        "read -r server",
        `echo "$1 $server" >> '${log}'`,
        `if [ "$1" = get ] && [ "$server" = '${registry.host}' ]; then printf '{"ServerURL":"%s","Username":"ci","Secret":"hunter2"}' "$server"; exit 0; fi`,
        `if [ "$1" = list ]; then printf '{"${registry.host}":"ci"}'; exit 0; fi`,
        'echo "credentials not found in native keychain"; exit 1',
        "",
      ].join("\n"),
    );
    chmodSync(join(bin, "docker-credential-c2ts-test"), 0o755);
    if (!process.env.PATH?.startsWith(`${bin}:`)) process.env.PATH = `${bin}:${process.env.PATH}`;
    writeFileSync(log, "");
    return log;
  }

  it("pulls with credentials a credential helper (credsStore) serves", { timeout: 180_000 }, async () => {
    const log = installHelper();
    writeFileSync(join(configDir, "config.json"), JSON.stringify({ credsStore: "c2ts-test" }));
    registry.publish("c2ts/app", "helper", TEST_IMAGE, "RELEASE=helper");
    const helperImage = `${registry.host}/c2ts/app:helper`;
    const r = await deploy(project(helperName, { helped: service({ image: helperImage }) }), {
      engine: await engine(),
    });
    expect(r.result.errors).toEqual([]);
    pulled.add(dockerCli(["image", "inspect", "-f", "{{.Id}}", helperImage]));
    expect(readFileSync(log, "utf8")).toContain(`get ${registry.host}`);
    expect(
      dockerCli(["inspect", "-f", "{{range .Config.Env}}{{println .}}{{end}}", `${helperName}-helped-1`]),
    ).toContain("RELEASE=helper");
  });

  it(
    "builds FROM a private base image with credHelpers credentials, served to BuildKit over the build session",
    { timeout: 180_000 },
    async () => {
      const log = installHelper();
      writeFileSync(join(configDir, "config.json"), JSON.stringify({ credHelpers: { [registry.host]: "c2ts-test" } }));
      registry.publish("c2ts/base", "1", TEST_IMAGE, "BASE=private");
      const builtImage = `${helperName}-frombase:dev`;
      const context = mkdtempSync(join(tmpdir(), "c2ts-build-ctx-"));
      try {
        const r = await deploy(
          project(helperName, {
            frombase: service({
              image: builtImage,
              build: {
                context,
                dockerfile_inline: `FROM ${registry.host}/c2ts/base:1\nRUN echo built > /built\n`,
              },
            }),
          }),
          { engine: await engine() },
        );
        expect(r.result.errors).toEqual([]);
        pulled.add(dockerCli(["image", "inspect", "-f", "{{.Id}}", builtImage]));
        expect(readFileSync(log, "utf8")).toContain(`get ${registry.host}`);
        expect(dockerCli(["exec", `${helperName}-frombase-1`, "cat", "/built"])).toBe("built");
        expect(dockerCli(["exec", `${helperName}-frombase-1`, "sh", "-c", "echo $BASE"])).toBe("private");
      } finally {
        rmSync(context, { recursive: true, force: true });
      }
    },
  );

  it("a malformed config.json is an error naming the file", { timeout: 60_000 }, async () => {
    const file = join(configDir, "config.json");
    writeFileSync(file, '{ "auths": { ');
    const r = await deploy(stack("always"), { engine: await engine() });
    expect(r.result.ok).toBe(false);
    expect(r.result.errors[0].message).toContain(`the Docker config file ${file} is not valid JSON`);
    writeFileSync(
      file,
      JSON.stringify({ auths: { [registry.host]: { auth: Buffer.from("ci:hunter2").toString("base64") } } }),
    );
  });

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
