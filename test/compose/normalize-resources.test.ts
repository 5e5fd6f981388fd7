/* eslint-disable @typescript-eslint/no-explicit-any -- these tests read into untyped model JSON */
import { describe, expect, it } from "vitest";
import { normalizeProject, type NormalizeContext } from "../../src/compose/normalize.js";
import { pruneUnusedResources } from "../../src/compose/prune.js";

const ctx: NormalizeContext = { projectName: "demo", workingDir: "/p", environment: {} };
const normalize = (model: Record<string, unknown>) => normalizeProject(model, ctx) as any;

describe("networks", () => {
  it("a service without networks joins default, which is then declared", () => {
    const p = normalize({ services: { web: { image: "x" } } });
    expect(p.services.web.networks).toEqual({ default: null });
    expect(p.networks).toEqual({ default: { name: "demo_default", ipam: {} } });
  });

  it("no default network when nobody uses it; network_mode opts out", () => {
    const p = normalize({
      services: { web: { image: "x", networks: { front: null } }, host: { image: "x", network_mode: "host" } },
      networks: { front: null },
    });
    expect(p.networks).toEqual({ front: { name: "demo_front", ipam: {} } });
    expect(p.services.host.networks).toBeUndefined();
  });

  it("an explicit default network keeps its settings", () => {
    const p = normalize({ services: { web: { image: "x" } }, networks: { default: { driver: "bridge" } } });
    expect(p.networks.default).toEqual({ name: "demo_default", driver: "bridge", ipam: {} });
  });

  it("a service with no networks at all prints no networks key at the top", () => {
    expect(normalize({ services: { host: { image: "x", network_mode: "host" } } }).networks).toBeUndefined();
  });
});

describe("resource names", () => {
  it("project-prefixed, or the given name, or the key when external", () => {
    const p = normalize({
      services: {},
      volumes: {
        data: null,
        named: { name: "mine" },
        ext: { external: true },
        extnamed: { external: true, name: "real" },
      },
      secrets: { s: { file: "/p/s" } },
      configs: { c: { external: true } },
    });
    expect(p.volumes).toEqual({
      data: { name: "demo_data" },
      ext: { name: "ext", external: true },
      extnamed: { name: "real", external: true },
      named: { name: "mine" },
    });
    expect(p.secrets.s.name).toBe("demo_s");
    expect(p.configs.c.name).toBe("c");
  });

  it("never prints secret content; prints config content unless it came from the environment", () => {
    const p = normalize({
      services: {},
      secrets: { s: { content: "hush" } },
      configs: { inline: { content: "hello" }, fromenv: { environment: "X", content: "leak" } },
    });
    expect(p.secrets.s).toEqual({ name: "demo_s" });
    expect(p.configs.inline).toEqual({ name: "demo_inline", content: "hello" });
    expect(p.configs.fromenv).toEqual({ name: "demo_fromenv", environment: "X" });
  });
});

describe("implicit dependencies", () => {
  it("from links, service: namespaces and volumes_from", () => {
    const p = normalize({
      services: {
        web: {
          image: "x",
          depends_on: { db: { condition: "service_healthy", required: true } },
          links: ["db:database", "cache"],
          network_mode: "service:vpn",
          pid: "service:tracer",
          volumes_from: ["data:ro", "container:other"],
        },
      },
    });
    expect(p.services.web.depends_on).toEqual({
      cache: { condition: "service_started", restart: true, required: true },
      data: { condition: "service_started", required: true },
      db: { condition: "service_healthy", required: true },
      tracer: { condition: "service_started", restart: true, required: true },
      vpn: { condition: "service_started", restart: true, required: true },
    });
  });
});

describe("pruneUnusedResources", () => {
  it("keeps only what the remaining services use", () => {
    const p = normalize({
      services: {
        web: {
          image: "x",
          networks: { front: null },
          volumes: [
            { type: "volume", source: "data", target: "/d" },
            { type: "bind", source: "/host", target: "/h" },
          ],
          secrets: [{ source: "s1" }],
          build: { context: "/p", secrets: [{ source: "s2" }] },
          configs: [{ source: "c1" }],
        },
      },
      networks: { front: null, back: null },
      volumes: { data: null, unused: null },
      secrets: { s1: { file: "/a" }, s2: { file: "/b" }, s3: { file: "/c" } },
      configs: { c1: { file: "/a" }, c2: { file: "/b" } },
    });
    const pruned = pruneUnusedResources(p) as any;
    expect(Object.keys(pruned.networks)).toEqual(["front"]);
    expect(Object.keys(pruned.volumes)).toEqual(["data"]);
    expect(Object.keys(pruned.secrets)).toEqual(["s1", "s2"]);
    expect(Object.keys(pruned.configs)).toEqual(["c1"]);
  });

  it("drops a section that ends up empty", () => {
    const p = normalize({ services: { web: { image: "x", network_mode: "host" } }, volumes: { v: null } });
    expect(pruneUnusedResources(p)).toEqual({ name: "demo", services: p.services });
  });
});
