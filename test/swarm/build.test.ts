import { chmodSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Project } from "../../src/compose/model.js";
import type { DeployEvent } from "../../src/runtime/events.js";
import type { SwarmNode } from "../../src/swarm/api.js";
import { buildNodes, buildOnNodes, contentTags } from "../../src/swarm/build.js";
import { convertStack } from "../../src/swarm/convert/index.js";
import { FakeEngine } from "../runtime/fake-engine.js";
import { load } from "./convert/helpers.js";

const COMPOSE = `
name: bt
services:
  web:
    build: { context: ./app, args: { MODE: prod } }
    deploy: { replicas: 3 }
  nas:
    build: ./app
    image: example/nas
  plain:
    image: c2ts-test/busybox:latest
`;
const FILES = {
  "app/Dockerfile": "FROM c2ts-test/busybox:latest\nCOPY . /app\n",
  "app/main.txt": "v1",
  "app/.dockerignore": "*.log\n",
  "app/debug.log": "noise",
};

async function project(yaml = COMPOSE) {
  const p = await load(yaml, FILES);
  return { p, dir: join(p.services.web!.build!.context) };
}
const tags = (p: Project, env: Record<string, string | undefined> = {}) => contentTags(p, Object.keys(p.services), env);

describe("contentTags", () => {
  it("tags each built service <image name>:c2ts-<12 hex>, built services only", async () => {
    const { p } = await project();
    const t = await tags(p);
    expect(Object.keys(t).sort()).toEqual(["nas", "web"]);
    expect(t.web).toMatch(/^bt-web:c2ts-[0-9a-f]{12}$/);
    expect(t.nas).toMatch(/^example\/nas:c2ts-[0-9a-f]{12}$/);
  });

  it("the same inputs give the same tag, whatever the modification times; a changed input, a new tag", async () => {
    const { p, dir } = await project();
    const first = (await tags(p)).web;
    expect((await tags(p)).web).toBe(first);
    utimesSync(join(dir, "main.txt"), new Date(2000, 1, 1), new Date(2000, 1, 1));
    expect((await tags(p)).web, "touch").toBe(first);
    writeFileSync(join(dir, "debug.log"), "ignored by .dockerignore");
    expect((await tags(p)).web, ".dockerignored file").toBe(first);

    writeFileSync(join(dir, "main.txt"), "v2");
    const second = (await tags(p)).web;
    expect(second, "context file content").not.toBe(first);
    writeFileSync(join(dir, "main.txt"), "v1");
    expect((await tags(p)).web, "back to v1").toBe(first);

    chmodSync(join(dir, "main.txt"), 0o755);
    expect((await tags(p)).web, "file mode").not.toBe(first);
    chmodSync(join(dir, "main.txt"), 0o644);
    writeFileSync(join(dir, "new.txt"), "");
    expect((await tags(p)).web, "a new file").not.toBe(first);
  });

  it("the Dockerfile, build args, target and platform are inputs", async () => {
    const { p, dir } = await project();
    const base = (await tags(p)).web;
    writeFileSync(join(dir, "Dockerfile"), "FROM c2ts-test/busybox:latest\nCOPY . /srv\n");
    expect((await tags(p)).web).not.toBe(base);

    const yaml = (extra: string) => COMPOSE.replace("args: { MODE: prod }", extra);
    const other = async (extra: string) => (await tags((await project(yaml(extra))).p)).web;
    const reference = await other("args: { MODE: prod }");
    expect(await other("args: { MODE: dev }")).not.toBe(reference);
    expect(await other("args: { MODE: prod }, target: final")).not.toBe(reference);
    expect(await other("args: { MODE: prod }, platforms: [linux/arm64]")).not.toBe(reference);
    expect(await other("args: { MODE: prod }")).toBe(reference);
  });

  it("an unreadable context is an error naming the service", async () => {
    const p = await load(`name: bt\nservices:\n  web:\n    build: ./missing\n`);
    await expect(tags(p)).rejects.toThrow(/service "web": build: cannot read the build inputs/);
  });
});

function swarmNode(id: string, name: string, state = "ready"): SwarmNode {
  return {
    ID: id,
    Version: { Index: 1 },
    Spec: { Role: "manager", Availability: "active", Labels: { "c2ts.node": name } },
    Description: { Hostname: name, Platform: { OS: "linux", Architecture: "x86_64" } },
    Status: { State: state },
  };
}
const NODES = [swarmNode("id1", "n1"), swarmNode("id2", "n2"), swarmNode("id3", "n3"), swarmNode("id4", "n4", "down")];
const PLACEMENT = { nas: ["n3"], web: ["n1", "n2", "n3"] };

async function stackOf(p: Project) {
  return convertStack({ projectName: p.name, project: p, placement: PLACEMENT, nodeNames: ["n1", "n2", "n3", "n4"] });
}

describe("buildNodes", () => {
  it("each service's nodes are the ready, active ones its converted placement allows", async () => {
    const { p } = await project();
    const nodes = buildNodes(await stackOf(p), ["web", "nas"], NODES);
    expect(nodes.web!.map((n) => n.ID)).toEqual(["id1", "id2", "id3"]);
    expect(nodes.nas!.map((n) => n.ID)).toEqual(["id3"]);
  });

  it("a placement no ready node satisfies is an error naming the service and its constraints", async () => {
    const { p } = await project();
    const stack = convertStack({ projectName: p.name, project: p, placement: { web: ["n4"] } });
    expect(() => buildNodes(stack, ["web"], NODES)).toThrow(
      /service "web": no ready, active swarm node satisfies its placement \(node\.labels\.c2ts\.node==n4\)/,
    );
  });
});

/** A fake engine whose builds tag the image, so the test sees which node built what. */
class BuildingEngine extends FakeEngine {
  builds: string[] = [];
  override async buildImage(...args: unknown[]): Promise<string | undefined> {
    const t = [(args[0] as { query: Record<string, unknown> }).query.t].flat() as string[];
    this.builds.push(...t);
    for (const tag of t) this.images.set(tag, `sha256:${tag}`);
    return "sha256:0123456789abcdef";
  }
}

describe("buildOnNodes", () => {
  async function run(engines: Record<string, BuildingEngine | Error>, opts: { force?: boolean } = {}) {
    const { p } = await project();
    const t = await tags(p);
    const events: DeployEvent[] = [];
    const warnings: string[] = [];
    const manager = new BuildingEngine();
    const result = buildOnNodes({
      project: p,
      tags: t,
      stack: await stackOf(p),
      nodes: NODES,
      manager: { nodeId: "id1", engine: manager },
      engineAddresses: Object.fromEntries(Object.keys(engines).map((n) => [n, `tcp://${n}:2375`])),
      connect: async (host) => {
        const e = engines[host.slice(6, -5)]!;
        if (e instanceof Error) throw e;
        return e;
      },
      force: opts.force,
      environment: { DOCKER_BUILDKIT: "0" },
      emit: (e) => events.push(e),
      warn: (w) => warnings.push(w),
    });
    return { result, t, events, warnings, manager };
  }

  it("builds each service's content tag on each node that can run it, the manager's through its own engine", async () => {
    const n2 = new BuildingEngine();
    const n3 = new BuildingEngine();
    const { result, t, events, warnings, manager } = await run({ n2, n3 });
    expect(await result).toBe(4);
    expect(manager.builds).toEqual([t.web]);
    expect(n2.builds).toEqual([t.web]);
    expect(n3.builds.sort()).toEqual([t.nas, t.web].sort());
    expect(warnings).toEqual([]);
    const built = events
      .filter((e) => e.status === "Built")
      .map((e) => e.name)
      .sort();
    expect(built).toEqual([`${t.nas} on n3`, `${t.web} on n1`, `${t.web} on n2`, `${t.web} on n3`].sort());
  });

  it("a node that already holds the tag is not built again, unless forced", async () => {
    const n2 = new BuildingEngine();
    const n3 = new BuildingEngine();
    const { p } = await project();
    const t = await tags(p);
    n2.images.set(t.web!, "sha256:x");
    n3.images.set(t.web!, "sha256:x");
    n3.images.set(t.nas!, "sha256:y");
    const first = await run({ n2, n3 });
    expect(await first.result).toBe(1);
    expect([n2.builds, n3.builds]).toEqual([[], []]);
    const forced = await run({ n2, n3 }, { force: true });
    expect(await forced.result).toBe(4);
  });

  it("an unreachable node is a warning naming it; the others still build", async () => {
    const n3 = new BuildingEngine();
    const { result, t, warnings } = await run({ n2: new Error("cannot reach the Docker engine at tcp://n2:2375"), n3 });
    expect(await result).toBe(3);
    expect(n3.builds.sort()).toEqual([t.nas, t.web].sort());
    expect(warnings).toEqual([
      `node "n2": engine unreachable (cannot reach the Docker engine at tcp://n2:2375); service "web" was not built there, so its tasks cannot start on it`,
    ]);
  });

  it("the deploy fails when no node that can run a service could build it", async () => {
    const { result } = await run({ n2: new BuildingEngine() });
    await expect(result).rejects.toThrow(
      /service "nas": no node that can run it could build its image \(n3: no engine address known/,
    );
  });
});
