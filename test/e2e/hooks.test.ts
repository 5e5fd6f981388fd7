import { readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { deploy, down } from "../../src/runtime/index.js";
import { dockerCli, engine, engineReady, project, purge, recorder, service, uniqueProject } from "./helpers.js";

const name = uniqueProject("hooks");
const volume = `${name}_data`;

/** The Compose docs' example: the app runs as 1001, a root post_start hook hands it the volume. */
function stack(postStart: string[][] = [["sh", "-c", 'chown -R 1001 /data && echo "$GREETING" > /data/hello']]) {
  return project(
    name,
    {
      app: service({
        user: "1001",
        volumes: [{ type: "volume", source: "data", target: "/data" }],
        post_start: postStart.map((command) => ({
          command,
          user: "root",
          environment: { GREETING: "hi from a hook" },
        })),
        pre_stop: [{ command: ["sh", "-c", "date > /data/stopped-at"], user: "root" }],
      }),
    },
    { volumes: { data: { name: volume } } },
  );
}

const volumePath = () => dockerCli(["volume", "inspect", "-f", "{{.Mountpoint}}", volume]);

describe.skipIf(!engineReady)("lifecycle hooks against a real engine", () => {
  afterAll(async () => {
    await purge(name);
    (await engine()).close();
  }, 180_000);

  it("post_start runs as root with its environment; pre_stop runs before down stops the container", async () => {
    const e = await engine();
    const rec = recorder();
    const r = await deploy(stack(), { engine: e, onEvent: rec.onEvent });
    expect(r.result.errors).toEqual([]);
    // The non-root app can now write to the volume the hook handed over.
    expect(dockerCli(["exec", `${name}-app-1`, "sh", "-c", "touch /data/mine && id -u && cat /data/hello"])).toBe(
      "1001\nhi from a hook",
    );
    expect(rec.events.filter((ev) => ev.status === "Hook").map((ev) => ev.message)).toEqual([
      expect.stringMatching(/^post_start: sh -c chown/),
    ]);

    const d = await down(stack(), { engine: e });
    expect(d.result.errors).toEqual([]);
    expect(readFileSync(`${volumePath()}/stopped-at`, "utf8")).toMatch(/\d{2}:\d{2}:\d{2}/);
  }, 180_000);

  it("a post_start hook that exits non-zero fails the deploy with its status", async () => {
    const e = await engine();
    const r = await deploy(stack([["sh", "-c", "echo cannot; exit 3"]]), { engine: e });
    expect(r.result.ok).toBe(false);
    expect(r.result.errors.map((x) => x.message)).toEqual(["app post_start hook exited with status 3"]);
  }, 180_000);
});
