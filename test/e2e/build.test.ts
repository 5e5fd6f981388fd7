import { afterAll, describe, expect, it } from "vitest";
import { fileURLToPath } from "node:url";
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
  uniqueProject,
} from "./helpers.js";

const context = fileURLToPath(new URL("../../fixtures/e2e/build-app", import.meta.url));
const name = uniqueProject("build");
/** Image IDs built here, including ones a rebuild left untagged. */
const built = new Set<string>();
const noteImage = (ref: string) => built.add(dockerCli(["image", "inspect", "-f", "{{.Id}}", ref]));

function stack(greeting: string) {
  return project(name, {
    app: service({
      image: undefined,
      command: null,
      build: {
        context,
        args: { GREETING: greeting, UNSET: null },
        target: "final",
        labels: { "org.example.built-by": "c2ts" },
      },
    }),
    inline: service({
      image: `${name}-inline:dev`,
      build: { context, dockerfile_inline: "FROM c2ts-test/busybox:latest\nRUN echo inline > /inline\n" },
    }),
  });
}

describe.skipIf(!engineReady)("local builds", () => {
  afterAll(async () => {
    await purge(name);
    for (const img of built) {
      try {
        dockerCli(["rmi", "-f", img]);
      } catch {
        // already gone
      }
    }
  });

  it(
    "builds missing images from a local context honouring .dockerignore, args, target and labels",
    { timeout: 180_000 },
    async () => {
      const e = await engine();
      const rec = recorder();
      const r = await deploy(stack("hi"), { engine: e, onEvent: rec.onEvent });
      expect(r.result.errors).toEqual([]);
      expect(
        r.plan.operations
          .filter((o) => o.kind === "build-image")
          .map((o) => (o as { image: string }).image)
          .sort(),
      ).toEqual([`${name}-app`, `${name}-inline:dev`]);
      expect(rec.events.some((ev) => ev.status === "Built" && ev.name === `${name}-app`)).toBe(true);

      noteImage(`${name}-app`);
      noteImage(`${name}-inline:dev`);
      const c = `${name}-app-1`;
      expect(dockerCli(["exec", c, "cat", "/greeting"])).toBe("hi");
      expect(dockerCli(["exec", c, "ls", "-A", "/ctx"]).split("\n").sort()).toEqual([
        ".dockerignore",
        "Dockerfile",
        "app.txt",
        "keep.bak",
        "nested",
      ]);
      expect(dockerCli(["exec", c, "ls", "/ctx/nested"])).toBe("ok");
      expect(
        dockerCli([
          "image",
          "inspect",
          "-f",
          '{{index .Config.Labels "org.example.built-by"}} {{index .Config.Labels "stage"}}',
          `${name}-app`,
        ]),
      ).toBe("c2ts final");
      expect(dockerCli(["exec", `${name}-inline-1`, "cat", "/inline"])).toBe("inline");

      // present images are not rebuilt; a forced rebuild that yields the same image recreates nothing
      const ids = await containerIds(name);
      expect((await plan(stack("hi"), { engine: e })).operations).toEqual([]);
      const again = await deploy(stack("hi"), { engine: e, build: "always" });
      expect(again.result.ok).toBe(true);
      expect(again.plan.operations.map((o) => o.kind)).toEqual(["build-image", "build-image"]);
      expect(await containerIds(name)).toEqual(ids);
    },
  );

  it("recreates the container when a rebuild produces a different image", { timeout: 180_000 }, async () => {
    const e = await engine();
    const ids = await containerIds(name);
    // build args are not part of the container config: only the new image ID triggers the recreate
    const r = await deploy(stack("bonjour"), { engine: e, build: "always" });
    expect(r.result.ok).toBe(true);
    const recreate = r.plan.operations.find((o) => o.kind === "recreate-container");
    expect(recreate && "service" in recreate && recreate.service).toBe("app");
    expect(recreate?.reason).toMatch(/image .* changed/);
    noteImage(`${name}-app`);
    const after = await containerIds(name);
    expect(after[`${name}-app-1`]).not.toBe(ids[`${name}-app-1`]);
    expect(after[`${name}-inline-1`]).toBe(ids[`${name}-inline-1`]);
    expect(dockerCli(["exec", `${name}-app-1`, "cat", "/greeting"])).toBe("bonjour");
  });

  // Last: it swaps the images for classic-built ones.
  it("the classic builder (DOCKER_BUILDKIT=0) builds the same stack", { timeout: 180_000 }, async () => {
    const e = await engine();
    const rec = recorder();
    const r = await deploy(stack("classic"), {
      engine: e,
      build: "always",
      onEvent: rec.onEvent,
      environment: { ...process.env, DOCKER_BUILDKIT: "0" },
    });
    expect(r.result.errors).toEqual([]);
    noteImage(`${name}-app`);
    noteImage(`${name}-inline:dev`);
    expect(rec.events.find((ev) => ev.status === "Building" && ev.name === `${name}-app`)?.message).toBe(
      "classic builder",
    );
    expect(rec.events.some((ev) => ev.status === "Progress" && /^RUN echo/.test(ev.message ?? ""))).toBe(true);
    expect(
      dockerCli([
        "image",
        "inspect",
        "-f",
        '{{index .Config.Labels "com.docker.compose.image.builder"}}',
        `${name}-app`,
      ]),
    ).toBe("classic");
    expect(dockerCli(["exec", `${name}-app-1`, "cat", "/greeting"])).toBe("classic");
    expect(
      dockerCli(["exec", `${name}-app-1`, "ls", "-A", "/ctx"])
        .split("\n")
        .sort(),
    ).toEqual([".dockerignore", "Dockerfile", "app.txt", "keep.bak", "nested"]);
  });
});
