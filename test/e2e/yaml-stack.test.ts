import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { loadProject } from "../../src/compose/loader.js";
import { deploy, down, plan } from "../../src/runtime/index.js";
import { dockerCli, engine, engineReady, purge, uniqueProject } from "./helpers.js";

const file = fileURLToPath(new URL("../../fixtures/e2e/yaml-stack/compose.yaml", import.meta.url));
const name = uniqueProject("yaml");

async function load(greeting: string) {
  return loadProject({ files: [file], projectName: name, environment: { ...process.env, GREETING: greeting } });
}

describe.skipIf(!engineReady)("a YAML stack through the loader", () => {
  afterAll(async () => {
    await purge(name);
  });

  it(
    "deploys, answers over the project network, re-plans empty, follows a config change, goes down",
    { timeout: 120_000 },
    async () => {
      const e = await engine();
      const loaded = await load("one");
      const opts = {
        engine: e,
        workingDir: loaded.workingDir,
        configFiles: loaded.configFiles,
        environment: { GREETING: "one" },
      };
      const r = await deploy(loaded.project, opts);
      expect(r.result.errors).toEqual([]);
      expect(dockerCli(["exec", `${name}-web-1`, "cat", "/www/index.html"])).toBe("hello from one");
      expect(dockerCli(["exec", `${name}-db-1`, "cat", "/run/secrets/db_password"])).toBe("correct-horse");
      expect(
        dockerCli([
          "inspect",
          "-f",
          '{{index .Config.Labels "com.docker.compose.project.config_files"}}',
          `${name}-web-1`,
        ]),
      ).toBe(file);
      // probe reached web by its service name on the shared network
      let body = "";
      for (let i = 0; i < 50 && !body; i++) {
        try {
          body = dockerCli(["exec", `${name}-probe-1`, "cat", "/tmp/body"]);
        } catch {
          await new Promise((res) => setTimeout(res, 200));
        }
      }
      expect(body).toBe("hello from one");
      expect((await plan(loaded.project, opts)).operations).toEqual([]);

      const changed = await load("two");
      const p2 = await plan(changed.project, opts);
      expect(p2.operations.map((o) => `${o.kind}:${"service" in o ? o.service : ""}`)).toEqual([
        "recreate-container:web",
      ]);
      await deploy(changed.project, opts);
      expect(dockerCli(["exec", `${name}-web-1`, "cat", "/www/index.html"])).toBe("hello from two");

      const d = await down(changed.project, { engine: e, volumes: true });
      expect(d.result.errors).toEqual([]);
      expect(dockerCli(["ps", "-aq", "--filter", `label=com.docker.compose.project=${name}`])).toBe("");
    },
  );
});
