/**
 * The main job (scripts/demo.sh) as a test: the imported example stack in generated/ deploys on the
 * local engine through the CLI, every service turns healthy, the gateway answers, and a second
 * plan is empty. The example's names, ports and subnet are fixed, so the project is "media" itself:
 * a stack already up from the demo is left as found, one this test brought up is taken down.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { dockerCli, engineReady, ROOT } from "./helpers.js";

const BIN = join(ROOT, "bin/c2ts.js");
const BUSYBOX_COPY = join(ROOT, "fixtures/media-stack/images/busybox/busybox");

function c2ts(args: string[]) {
  return spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: "utf8", timeout: 300_000 });
}

const ready = engineReady && existsSync(join(ROOT, "dist/cli/main.js")) && existsSync("/bin/busybox");

describe.skipIf(!ready)("the example stack (generated/services.ts) on the local engine", () => {
  const wasUp = ready && dockerCli(["ps", "-aq", "--filter", "label=com.docker.compose.project=media"]) !== "";

  afterAll(() => {
    if (!wasUp) c2ts(["down"]);
  }, 300_000);

  it("deploys healthy through the CLI, serves the gateway page, and plans nothing more", async () => {
    if (!existsSync(BUSYBOX_COPY)) copyFileSync("/bin/busybox", BUSYBOX_COPY);
    if (spawnSync("docker", ["network", "inspect", "traefik_proxy"], { stdio: "ignore" }).status !== 0) {
      dockerCli(["network", "create", "traefik_proxy"]);
    }

    const deployed = c2ts(["deploy", "--build", "--json"]);
    expect(deployed.status, deployed.stderr).toBe(0);

    const ps = c2ts(["ps", "--json"]);
    expect(ps.status, ps.stderr).toBe(0);
    const rows = (JSON.parse(ps.stdout) as { service: string; state: string; health?: string }[]).map(
      (r) => `${r.service} ${r.state} ${r.health ?? "-"}`,
    );
    expect(rows.sort()).toEqual(["cache running healthy", "gateway running healthy", "jellyfin running healthy"]);

    const page = await fetch("http://127.0.0.1:18080/", { signal: AbortSignal.timeout(5000) });
    expect(await page.text()).toContain("<h1>media gateway</h1>");

    const plan = c2ts(["plan"]);
    expect(plan.status, plan.stdout + plan.stderr).toBe(0);
  }, 600_000);
});
