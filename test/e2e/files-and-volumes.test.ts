import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Project } from "../../src/compose/model.js";
import { deploy, down, plan } from "../../src/runtime/index.js";
import { containerIds, dockerCli, engine, engineReady, project, purge, service, uniqueProject } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "c2ts-e2e-files-"));

describe.skipIf(!engineReady)("secrets, configs and volumes on a real engine", () => {
  const name = uniqueProject("files");
  const secretFile = join(dir, "token.txt");

  function stack(configContent: string): Project {
    return project(
      name,
      {
        app: service({
          configs: [{ source: "appconf", target: "/etc/app/app.conf", uid: "65534", gid: "65534", mode: 0o440 }],
          secrets: [{ source: "token" }, { source: "api_key", target: "api-key" }],
        }),
        other: service(),
      },
      {
        configs: { appconf: { name: `${name}_appconf`, content: configContent } },
        secrets: {
          token: { name: `${name}_token`, file: secretFile },
          api_key: { name: `${name}_api_key`, environment: "C2TS_E2E_API_KEY" },
        },
      },
    );
  }
  const environment = { C2TS_E2E_API_KEY: "k-123" };

  afterAll(async () => {
    await purge(name);
    rmSync(dir, { recursive: true, force: true });
  });

  it(
    "copies content/environment files in with target, owner and mode, binds file secrets read-only",
    { timeout: 180_000 },
    async () => {
      writeFileSync(secretFile, "s3cret\n");
      const e = await engine();
      const r = await deploy(stack("level=info\n"), { engine: e, environment });
      expect(r.result.errors).toEqual([]);
      const c = `${name}-app-1`;
      expect(dockerCli(["exec", c, "cat", "/etc/app/app.conf"])).toBe("level=info");
      expect(dockerCli(["exec", c, "stat", "-c", "%u:%g %a", "/etc/app/app.conf"])).toBe("65534:65534 440");
      expect(dockerCli(["exec", c, "cat", "/run/secrets/api-key"])).toBe("k-123");
      expect(dockerCli(["exec", c, "cat", "/run/secrets/token"])).toBe("s3cret");
      expect(() => dockerCli(["exec", c, "sh", "-c", "echo x > /run/secrets/token"])).toThrow();
    },
  );

  it(
    "recreates only the service whose config content or secret file content changed",
    { timeout: 180_000 },
    async () => {
      const e = await engine();
      const ids = await containerIds(name);
      const p = await plan(stack("level=debug\n"), { engine: e, environment });
      expect(p.operations.map((o) => o.kind + ":" + ("service" in o ? o.service : ""))).toEqual([
        "recreate-container:app",
      ]);
      const op = p.operations[0] as Extract<(typeof p.operations)[0], { kind: "recreate-container" }>;
      // the content itself never appears in the reason
      expect(op.reason).not.toContain("debug");
      expect(op.changes.map((ch) => ch.path)).toContain("configs./etc/app/app.conf");

      await deploy(stack("level=debug\n"), { engine: e, environment });
      const ids2 = await containerIds(name);
      expect(ids2[`${name}-app-1`]).not.toBe(ids[`${name}-app-1`]);
      expect(ids2[`${name}-other-1`]).toBe(ids[`${name}-other-1`]);
      expect(dockerCli(["exec", `${name}-app-1`, "cat", "/etc/app/app.conf"])).toBe("level=debug");

      writeFileSync(secretFile, "rotated\n");
      const p2 = await plan(stack("level=debug\n"), { engine: e, environment });
      expect(p2.operations.map((o) => o.kind + ":" + ("service" in o ? o.service : ""))).toEqual([
        "recreate-container:app",
      ]);
      const p3 = await plan(stack("level=debug\n"), { engine: e, environment: { C2TS_E2E_API_KEY: "k-456" } });
      expect(p3.operations).toHaveLength(1);
      expect(JSON.stringify(p3.operations)).not.toContain("k-456");
    },
  );

  it(
    "keeps named-volume data across down, removes it with down --volumes; anonymous volumes survive recreate",
    { timeout: 180_000 },
    async () => {
      const vname = uniqueProject("vol");
      const stackV = (env: string) =>
        project(
          vname,
          {
            store: service({
              environment: { REV: env },
              volumes: [
                { type: "volume", source: "data", target: "/data" },
                { type: "volume", target: "/scratch" },
              ],
            }),
          },
          { volumes: { data: { name: `${vname}_data` } } },
        );
      const e = await engine();
      const anonymous = new Set<string>();
      const noteAnonymous = () =>
        anonymous.add(
          dockerCli([
            "inspect",
            "-f",
            '{{range .Mounts}}{{if eq .Destination "/scratch"}}{{.Name}}{{end}}{{end}}',
            `${vname}-store-1`,
          ]),
        );
      try {
        await deploy(stackV("1"), { engine: e });
        dockerCli(["exec", `${vname}-store-1`, "sh", "-c", "echo kept > /data/f; echo anon > /scratch/f"]);

        // recreate carries the anonymous volume over
        noteAnonymous();
        await deploy(stackV("2"), { engine: e });
        expect(dockerCli(["exec", `${vname}-store-1`, "cat", "/scratch/f"])).toBe("anon");
        expect(
          anonymous.has(
            dockerCli([
              "inspect",
              "-f",
              '{{range .Mounts}}{{if eq .Destination "/scratch"}}{{.Name}}{{end}}{{end}}',
              `${vname}-store-1`,
            ]),
          ),
        ).toBe(true);

        const d1 = await down(stackV("2"), { engine: e });
        expect(d1.result.ok).toBe(true);
        expect(dockerCli(["volume", "ls", "-q", "--filter", `label=com.docker.compose.project=${vname}`])).toBe(
          `${vname}_data`,
        );

        await deploy(stackV("2"), { engine: e });
        noteAnonymous();
        expect(dockerCli(["exec", `${vname}-store-1`, "cat", "/data/f"])).toBe("kept");

        const d2 = await down(stackV("2"), { engine: e, volumes: true });
        expect(d2.result.ok).toBe(true);
        expect(dockerCli(["volume", "ls", "-q", "--filter", `name=${vname}_data`])).toBe("");
        expect(dockerCli(["network", "ls", "-q", "--filter", `label=com.docker.compose.project=${vname}`])).toBe("");
      } finally {
        await purge(vname);
        // anonymous volumes carry no project label; the one a plain down left behind goes here
        for (const v of anonymous) await e.removeVolume(v, true).catch(() => {});
      }
    },
  );
});
