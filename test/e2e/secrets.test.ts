/**
 * Secrets stay secret (issue 14 item 5), through the built CLI on the real engine: a stack whose
 * Redis password and API token come from `.env` and whose secret comes from a file. Nothing that
 * `import`, `proxy`, `plan --json` or `deploy --json` writes or prints may hold those values,
 * except haproxy.cfg (the Redis AUTH check needs it), which must not be readable by others.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { engineReady, ROOT, TEST_IMAGE, uniqueProject } from "./helpers.js";

const BIN = join(ROOT, "bin/c2ts.js");
const SECRETS = ["Redis-Pa55-i14", "tok-3f9a7c1e-i14", "db-secret-file-i14", "Redis-Pa55-i14-rotated"];

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

function expectNoSecret(text: string, where: string): void {
  for (const secret of SECRETS) expect(text.includes(secret), `${where} contains ${secret}`).toBe(false);
}

describe.skipIf(!engineReady)(
  "no secret value in what import, proxy, plan --json and deploy --json write or print",
  () => {
    const dir = mkdtempSync(join(tmpdir(), "c2ts-i14-secrets-"));
    const project = uniqueProject("i14-cli-secrets");
    const c2ts = (args: string[]) =>
      spawnSync(process.execPath, [BIN, ...args], {
        cwd: dir,
        encoding: "utf8",
        timeout: 240_000,
        env: { ...process.env, NO_COLOR: "1" },
      });

    writeFileSync(join(dir, ".env"), `REDIS_PASSWORD=${SECRETS[0]}\nAPI_TOKEN=${SECRETS[1]}\n`);
    writeFileSync(join(dir, "db_pass.txt"), `${SECRETS[2]}\n`);
    writeFileSync(
      join(dir, "compose.yaml"),
      `name: ${project}
services:
  cache:
    image: ${TEST_IMAGE}
    init: true
    command: ["sleep", "3600"]
    environment:
      REDIS_PASSWORD: \${REDIS_PASSWORD}
      API_TOKEN: \${API_TOKEN}
    secrets: [db_pass]
    labels:
      osvc.l4.enable: "true"
      osvc.l4.port: "16379"
      osvc.l4.check: redis
      traefik.enable: "true"
      traefik.http.services.cache.loadbalancer.server.port: "80"
secrets:
  db_pass:
    file: ./db_pass.txt
`,
    );
    writeFileSync(
      join(dir, "cluster.ts"),
      `import { defineCluster } from "c2ts";\nexport default defineCluster({ domain: "home.test", localNode: "n1", nodes: [{ name: "n1", address: "100.64.0.1" }] });\n`,
    );

    afterAll(() => {
      c2ts(["down", "-f", "compose.yaml", "--volumes"]);
      rmSync(dir, { recursive: true, force: true });
    }, 240_000);

    it("import writes lookups, never the values", () => {
      const r = c2ts(["import", "compose.yaml", "-o", "generated", "--json"]);
      expect(r.status, r.stderr).toBe(0);
      expectNoSecret(r.stdout + r.stderr, "import output");
      for (const file of filesUnder(join(dir, "generated"))) expectNoSecret(readFileSync(file, "utf8"), file);
    });

    it("proxy prints nothing secret; haproxy.cfg carries the password but is 0600", () => {
      const r = c2ts(["proxy", "-f", "compose.yaml", "--cluster", "cluster.ts", "--out", "proxy", "--json"]);
      expect(r.status, r.stderr).toBe(0);
      expectNoSecret(r.stdout + r.stderr, "proxy output");
      const cfg = join(dir, "proxy/haproxy/haproxy.cfg");
      expect(readFileSync(cfg, "utf8")).toContain("AUTH");
      for (const file of filesUnder(join(dir, "proxy"))) {
        if (file === cfg) expect(statSync(file).mode & 0o077, `${file} is readable by group or others`).toBe(0);
        else expectNoSecret(readFileSync(file, "utf8"), file);
      }
    });

    it("plan --json and deploy --json print no secret, including the diff after the password changes", () => {
      for (const args of [["plan"], ["deploy", "--no-wait"]]) {
        const r = c2ts([...args, "--stack", "generated/services.ts", "--json"]);
        expect([0, 2]).toContain(r.status);
        expectNoSecret(r.stdout + r.stderr, `${args[0]} output`);
      }
      writeFileSync(join(dir, ".env"), `REDIS_PASSWORD=${SECRETS[3]}\nAPI_TOKEN=${SECRETS[1]}\n`);
      const plan = c2ts(["plan", "--stack", "generated/services.ts", "--json"]);
      expect(plan.status, plan.stderr).toBe(2);
      expect(plan.stdout).toContain("REDIS_PASSWORD");
      expect(plan.stdout).toContain("***");
      expectNoSecret(plan.stdout + plan.stderr, "plan output after rotation");
      const deploy = c2ts(["deploy", "--stack", "generated/services.ts", "--json", "--no-wait"]);
      expect(deploy.status, deploy.stderr).toBe(0);
      expectNoSecret(deploy.stdout + deploy.stderr, "deploy output after rotation");
    });
  },
);
