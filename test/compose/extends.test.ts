import { dirname, resolve } from "node:path";

import { describe, expect, it, vi } from "vitest";

import { UserError } from "../../src/compose/errors.js";
import { resolveExtends, type ExtendsContext } from "../../src/compose/extends.js";
import { mergeComposeFiles } from "../../src/compose/merge.js";
import { Override, RESET } from "../../src/compose/yaml-tags.js";

type Services = Record<string, Record<string, unknown>>;

const MAIN = "/project/compose.yaml";

/** A loadFile over in-memory files, keyed by absolute path, recording its calls. */
function filesContext(files: Record<string, Services>): ExtendsContext & { calls: Array<[string, string]> } {
  const calls: Array<[string, string]> = [];
  return {
    calls,
    loadFile(file, fromFile) {
      calls.push([file, fromFile]);
      const abs = resolve(dirname(fromFile), file);
      const services = files[abs];
      if (!services) throw new UserError(`open ${abs}: no such file or directory`);
      return services;
    },
  };
}

const noFiles = filesContext({});

describe("resolveExtends in one file", () => {
  it("inherits every attribute of the referenced service and drops `extends`", () => {
    const services: Services = {
      base: {
        image: "busybox",
        environment: { TZ: "utc", PORT: "80" },
        depends_on: { db: { condition: "service_started", required: true } },
        volumes_from: ["data"],
        ports: [{ target: 80, published: "8080", protocol: "tcp" }],
      },
      cli: { extends: { service: "base" }, environment: { PORT: "8080" }, command: ["run"] },
      db: { image: "postgres" },
    };
    const out = resolveExtends(services, MAIN, noFiles);
    expect(out.cli).toEqual({
      image: "busybox",
      environment: { TZ: "utc", PORT: "8080" },
      depends_on: { db: { condition: "service_started", required: true } },
      volumes_from: ["data"],
      ports: [{ target: 80, published: "8080", protocol: "tcp" }],
      command: ["run"],
    });
    expect(out.base).toEqual(services.base);
    expect(out.db).toEqual({ image: "postgres" });
  });

  it("accepts the string form", () => {
    const out = resolveExtends(
      { base: { image: "a", user: "root" }, web: { extends: "base", image: "b" } },
      MAIN,
      noFiles,
    );
    expect(out.web).toEqual({ image: "b", user: "root" });
  });

  it("follows chains: cli extends common extends base (spec example)", () => {
    const out = resolveExtends(
      {
        base: { image: "busybox", user: "root" },
        common: { image: "busybox", extends: { service: "base" } },
        cli: { extends: { service: "common" } },
      },
      MAIN,
      noFiles,
    );
    expect(out.cli).toEqual({ image: "busybox", user: "root" });
    expect(out.common).toEqual({ image: "busybox", user: "root" });
  });

  it("uses the merge rules: command replaced, lists appended, mappings merged per key", () => {
    const out = resolveExtends(
      {
        common: {
          image: "busybox",
          command: ["a"],
          security_opt: ["label:role:ROLE"],
          labels: { a: "1" },
          build: { context: "/p", args: { X: "1" } },
        },
        cli: {
          extends: "common",
          command: ["b"],
          security_opt: ["label:user:USER"],
          labels: { b: "2" },
          build: { args: { Y: "2" } },
        },
      },
      MAIN,
      noFiles,
    );
    expect(out.cli).toEqual({
      image: "busybox",
      command: ["b"],
      security_opt: ["label:role:ROLE", "label:user:USER"],
      labels: { a: "1", b: "2" },
      build: { context: "/p", args: { X: "1", Y: "2" } },
    });
  });

  it("reports a missing service with the file and both names", () => {
    const run = () => resolveExtends({ web: { extends: "nope" } }, MAIN, noFiles);
    expect(run).toThrow(UserError);
    expect(run).toThrow(`cannot extend service "web" in ${MAIN}: service "nope" not found`);
  });

  it("requires `service` in the mapping form", () => {
    expect(() => resolveExtends({ web: { extends: { file: "x.yaml" } } }, MAIN, noFiles)).toThrow(
      "extends.web.service is required",
    );
  });

  it("reports a cycle with the whole chain", () => {
    const run = () => resolveExtends({ a: { extends: "b" }, b: { extends: "a" } }, MAIN, noFiles);
    expect(run).toThrow(UserError);
    expect(run).toThrow(`Circular reference:\n  a in ${MAIN}\n  extends b in ${MAIN}\n  extends a in ${MAIN}`);
  });

  it("reports a service extending itself", () => {
    expect(() => resolveExtends({ a: { image: "x", extends: "a" } }, MAIN, noFiles)).toThrow(
      `Circular reference:\n  a in ${MAIN}\n  extends a in ${MAIN}`,
    );
  });

  it("reports a longer cycle reached from a service outside it", () => {
    expect(() =>
      resolveExtends(
        { x: { extends: "a" }, a: { extends: "b" }, b: { extends: "c" }, c: { extends: "a" } },
        MAIN,
        noFiles,
      ),
    ).toThrow(
      `Circular reference:\n  x in ${MAIN}\n  extends a in ${MAIN}\n  extends b in ${MAIN}\n  extends c in ${MAIN}\n  extends a in ${MAIN}`,
    );
  });

  it("does not mutate its input", () => {
    const services: Services = {
      base: { image: "a", environment: { A: "1" } },
      web: { extends: "base", environment: { B: "2" } },
    };
    const before = structuredClone(services);
    const out = resolveExtends(services, MAIN, noFiles);
    (out.base!.environment as Record<string, string>).A = "changed";
    expect(services).toEqual(before);
  });
});

describe("resolveExtends across files", () => {
  const common: Services = {
    webapp: { image: "webapp", build: { context: "/shared/app" }, environment: { A: "1" } },
    tuned: { extends: "webapp", environment: { B: "2" } },
    remote: { extends: { file: "../deeper/base.yaml", service: "root" }, user: "app" },
  };
  const deeper: Services = { root: { image: "root-image", working_dir: "/srv" } };
  const files = { "/shared/common.yaml": common, "/deeper/base.yaml": deeper };

  it("takes the base from the other file, with its paths as that file resolved them", () => {
    const ctx = filesContext(files);
    const out = resolveExtends(
      { web: { extends: { file: "../shared/common.yaml", service: "webapp" }, environment: { C: "3" } } },
      MAIN,
      ctx,
    );
    expect(out.web).toEqual({ image: "webapp", build: { context: "/shared/app" }, environment: { A: "1", C: "3" } });
    expect(ctx.calls).toEqual([["../shared/common.yaml", MAIN]]);
  });

  it("resolves `extends` inside the other file against that file", () => {
    const ctx = filesContext(files);
    const out = resolveExtends(
      {
        a: { extends: { file: "../shared/common.yaml", service: "tuned" } },
        b: { extends: { file: "../shared/common.yaml", service: "remote" } },
      },
      MAIN,
      ctx,
    );
    expect(out.a).toEqual({ image: "webapp", build: { context: "/shared/app" }, environment: { A: "1", B: "2" } });
    expect(out.b).toEqual({ image: "root-image", working_dir: "/srv", user: "app" });
    // Each file is loaded once; a nested relative `file` is relative to the file that declares it.
    expect(ctx.calls).toEqual([
      ["../shared/common.yaml", MAIN],
      ["../deeper/base.yaml", "/shared/common.yaml"],
    ]);
  });

  it("reports a service missing from the other file", () => {
    const run = () =>
      resolveExtends(
        { web: { extends: { file: "../shared/common.yaml", service: "nope" } } },
        MAIN,
        filesContext(files),
      );
    expect(run).toThrow(`cannot extend service "web" in ${MAIN}: service "nope" not found in ../shared/common.yaml`);
  });

  it("propagates a file that cannot be loaded", () => {
    expect(() =>
      resolveExtends({ web: { extends: { file: "missing.yaml", service: "x" } } }, MAIN, filesContext(files)),
    ).toThrow("open /project/missing.yaml");
  });

  it("reports a cycle across files", () => {
    const ctx = filesContext({
      "/project/other.yaml": { b: { extends: { file: "compose.yaml", service: "a" } } },
      [MAIN]: { a: { extends: { file: "other.yaml", service: "b" } } },
    });
    expect(() => resolveExtends({ a: { extends: { file: "other.yaml", service: "b" } } }, MAIN, ctx)).toThrow(
      `Circular reference:\n  a in ${MAIN}\n  extends b in /project/other.yaml\n  extends a in ${MAIN}`,
    );
  });
});

describe("resolveExtends with !reset and !override", () => {
  it("!reset in the extending service drops the inherited value (testdata/extends/reset.yaml)", () => {
    const out = resolveExtends(
      {
        init: { image: "alpine:latest", command: "sleep infinity" },
        base: { extends: { service: "init" }, command: RESET },
      },
      MAIN,
      noFiles,
    );
    expect(mergeComposeFiles({}, { services: out })).toEqual({
      services: { init: { image: "alpine:latest", command: "sleep infinity" }, base: { image: "alpine:latest" } },
    });
  });

  it("!override replaces the inherited value (TestLoadExtendsDependsOn)", () => {
    const out = resolveExtends(
      {
        service_a: { image: "a", depends_on: { service_c: { condition: "service_started", required: true } } },
        service_b: {
          extends: "service_a",
          depends_on: new Override({ service_a: { condition: "service_started", required: true } }),
        },
        service_c: { image: "c" },
      },
      MAIN,
      noFiles,
    );
    const model = mergeComposeFiles({}, { services: out }) as { services: Services };
    expect(model.services.service_b).toEqual({
      image: "a",
      depends_on: { service_a: { condition: "service_started", required: true } },
    });
  });

  it("keeps the markers so they also clear what earlier -f files set", () => {
    const first = {
      services: { web: { image: "web", ports: [{ target: 80, published: "80" }], environment: { OLD: "1" } } },
    };
    const services = resolveExtends(
      {
        tmpl: { image: "tmpl", ports: [{ target: 81, published: "81" }] },
        web: { extends: "tmpl", ports: RESET, environment: new Override({ NEW: "1" }) },
      },
      MAIN,
      noFiles,
    );
    expect(services.web).toEqual({ image: "tmpl", ports: RESET, environment: new Override({ NEW: "1" }) });
    const model = mergeComposeFiles(first, { services }) as { services: Services };
    expect(model.services.web).toEqual({ image: "tmpl", environment: { NEW: "1" } });
  });

  it("does not pass the base service's own markers to the services extending it", () => {
    const out = resolveExtends({ base: { image: "a", user: RESET }, web: { extends: "base" } }, MAIN, noFiles);
    expect(out.web).toEqual({ image: "a" });
    expect(out.base).toEqual({ image: "a", user: RESET });
  });

  it("lets duplicate ports collapse when the document is merged (TestExtendsPortOverride)", () => {
    const port = { target: 8080, published: "8080", protocol: "tcp", mode: "ingress" };
    const ctx = filesContext({ "/project/ports.yaml": { test: { image: "test", ports: [port] } } });
    const first = mergeComposeFiles({}, { services: { test: { image: "test", ports: [port] } } });
    const second = {
      services: resolveExtends({ test: { extends: { file: "ports.yaml", service: "test" } } }, MAIN, ctx),
    };
    const model = mergeComposeFiles(first, second) as { services: Services };
    expect(model.services.test!.ports).toEqual([port]);
  });
});

describe("resolveExtends: loadFile contract", () => {
  it("is not called when no service extends another file", () => {
    const loadFile = vi.fn();
    resolveExtends({ a: { image: "a" }, b: { extends: "a" } }, MAIN, { loadFile });
    expect(loadFile).not.toHaveBeenCalled();
  });
});
