import { describe, expect, it } from "vitest";
import {
  canonicalJson,
  configHash,
  decodeConfigLabel,
  encodeConfigLabel,
  filesToDigest,
  serviceHashInput,
} from "../../src/runtime/hash.js";
import { diffConfigs, formatChange } from "../../src/runtime/diff.js";
import { proj, svc } from "./fixtures.js";

describe("config hash", () => {
  it("is independent of key order and ignores fields that do not shape the container", () => {
    const a = proj({ web: svc({ environment: { A: "1", B: "2" }, scale: 1 }) });
    const b = proj({
      web: svc({
        environment: { B: "2", A: "1" },
        scale: 3,
        pull_policy: "always",
        profiles: ["x"],
        depends_on: { db: { condition: "service_started", required: true } },
        build: { context: "/x" },
        deploy: { replicas: 4 },
      }),
    });
    expect(configHash(serviceHashInput(a, "web", {}, {}))).toBe(configHash(serviceHashInput(b, "web", {}, {})));
    expect(canonicalJson({ b: 1, a: { d: undefined, c: [2, { z: 1, y: 2 }] } })).toBe(
      '{"a":{"c":[2,{"y":2,"z":1}]},"b":1}',
    );
  });

  it("follows file contents and environment values, not paths or variable names alone", () => {
    const p = (file: string) =>
      proj(
        {
          web: svc({
            secrets: [{ source: "s" }],
            configs: [{ source: "c" }],
            env_file: [{ path: "/e/.env", required: true }],
          }),
        },
        {
          secrets: { s: { name: "demo_s", file } },
          configs: { c: { name: "demo_c", environment: "CONF" } },
        },
      );
    const h = (file: string, digest: string, conf: string) =>
      configHash(serviceHashInput(p(file), "web", { [file]: digest, "/e/.env": "e1" }, { CONF: conf }));
    expect(h("/a", "d1", "x")).toBe(h("/b", "d1", "x"));
    expect(h("/a", "d1", "x")).not.toBe(h("/a", "d2", "x"));
    expect(h("/a", "d1", "x")).not.toBe(h("/a", "d1", "y"));
    expect(filesToDigest(p("/a"))).toEqual(["/a", "/e/.env"]);
  });

  it("round-trips the config label", () => {
    const input = serviceHashInput(proj({ web: svc({ environment: { A: "1" } }) }), "web", {}, {});
    expect(decodeConfigLabel(encodeConfigLabel(input))).toEqual(JSON.parse(canonicalJson(input)));
    expect(decodeConfigLabel("not base64 gzip")).toBeUndefined();
  });
});

describe("diffConfigs", () => {
  it("lists changed, added and removed fields by path", () => {
    const before = serviceHashInput(
      proj({
        web: svc({
          environment: { A: "1", GONE: "x" },
          ports: [{ mode: "ingress", target: 80, published: "8080", protocol: "tcp" }],
        }),
      }),
      "web",
      {},
      {},
    );
    const after = serviceHashInput(
      proj({
        web: svc({
          environment: { A: "2", NEW: "y" },
          ports: [{ mode: "ingress", target: 80, published: "9090", protocol: "tcp" }],
          command: ["run"],
        }),
      }),
      "web",
      {},
      {},
    );
    expect(diffConfigs(before, after).map(formatChange)).toEqual([
      'command: null → ["run"]',
      'environment.A: "1" → "2"',
      'environment.GONE: removed (was "x")',
      'environment.NEW: added "y"',
      'ports[0].published: "8080" → "9090"',
    ]);
  });

  it("masks credentials inside URLs even under harmless names", () => {
    const a = serviceHashInput(
      proj({ web: svc({ environment: { DATABASE_URL: "postgres://app:old-pw@db/app" } }) }),
      "web",
      {},
      {},
    );
    const b = serviceHashInput(
      proj({ web: svc({ environment: { DATABASE_URL: "postgres://app:new-pw@db/app" } }) }),
      "web",
      {},
      {},
    );
    expect(diffConfigs(a, b).map(formatChange)).toEqual([
      'environment.DATABASE_URL: "postgres://app:***@db/app" → "postgres://app:***@db/app"',
    ]);
  });
});
