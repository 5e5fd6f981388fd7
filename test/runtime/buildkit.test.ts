import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { BuildConfig } from "../../src/compose/model.js";
import { buildQuery, buildServiceImage, buildWarnings } from "../../src/runtime/build/build-image.js";
import type { BuildRequest } from "../../src/runtime/engine.js";
import type { DeployEvent } from "../../src/runtime/events.js";
import { resolveBuildSecrets } from "../../src/runtime/build/build-secrets.js";
import { chooseBuilder, classicBuildError } from "../../src/runtime/build/builder-choice.js";
import { BuildKitProgress } from "../../src/runtime/build/buildkit-progress.js";
import { statusResponse } from "../../src/runtime/build/protocol.js";
import { FakeEngine } from "./fake-engine.js";
import { proj, svc } from "./fixtures.js";

const dir = mkdtempSync(join(tmpdir(), "c2ts-buildkit-unit-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const withBuild = (build: Partial<BuildConfig>, extra = {}) =>
  proj({ app: svc({ build: { context: dir, ...build } }) }, extra);

describe("builder choice", () => {
  const sessionEngine = () =>
    Object.assign(new FakeEngine(), { openBuildSession: () => Promise.reject(new Error("x")) });

  it("uses BuildKit unless switched off or the engine cannot", async () => {
    expect(await chooseBuilder(sessionEngine(), {})).toEqual({ kind: "buildkit" });
    expect(await chooseBuilder(sessionEngine(), { DOCKER_BUILDKIT: "1" })).toEqual({ kind: "buildkit" });
    expect(await chooseBuilder(sessionEngine(), { DOCKER_BUILDKIT: "0" })).toMatchObject({
      kind: "classic",
      reason: expect.stringContaining("DOCKER_BUILDKIT=0"),
    });
    expect(await chooseBuilder(new FakeEngine(), {})).toMatchObject({ kind: "classic" });
    const old = Object.assign(new FakeEngine("1.38"), { openBuildSession: sessionEngine().openBuildSession });
    expect(await chooseBuilder(old, {})).toMatchObject({ kind: "classic", reason: expect.stringContaining("1.38") });
  });

  it("rewords the classic builder's BuildKit-only syntax errors with the reason BuildKit was not used", () => {
    const msg = classicBuildError(
      "the --mount option requires BuildKit. Refer to …",
      "BuildKit is switched off (DOCKER_BUILDKIT=0)",
    );
    expect(msg).toMatch(/needs BuildKit, but c2ts used the classic builder because BuildKit is switched off/);
    expect(classicBuildError("COPY failed: file not found", "x")).toBe("COPY failed: file not found");
  });
});

describe("build request", () => {
  it("maps build: fields to the engine's query, with inline cache and registry cache refs for BuildKit", () => {
    const p = withBuild({
      args: { A: "1", FROM_ENV: null, MISSING: null },
      target: "final",
      labels: { l: "v" },
      tags: ["extra:1"],
      no_cache: true,
      pull: true,
      network: "host",
      shm_size: 1024,
      extra_hosts: { db: ["10.0.0.2"] },
      ulimits: { nofile: { soft: 10, hard: 20 } },
      cache_from: ["type=registry,ref=reg/app:cache", "plain/ref:1", "type=local,src=/x"],
      cache_to: ["type=inline"],
      platforms: ["linux/amd64"],
    });
    const q = buildQuery(p, "app", "img", { kind: "buildkit" }, { FROM_ENV: "e" });
    expect(q).toMatchObject({
      t: ["img", "extra:1"],
      target: "final",
      nocache: true,
      pull: true,
      networkmode: "host",
      shmsize: 1024,
      extrahosts: "db:10.0.0.2",
      platform: "linux/amd64",
    });
    expect(JSON.parse(q.buildargs as string)).toEqual({ A: "1", FROM_ENV: "e", BUILDKIT_INLINE_CACHE: "1" });
    expect(JSON.parse(q.labels as string)).toEqual({ l: "v", "com.docker.compose.image.builder": "buildkit" });
    expect(JSON.parse(q.cachefrom as string)).toEqual(["reg/app:cache", "plain/ref:1"]);
    expect(JSON.parse(q.ulimits as string)).toEqual([{ Name: "nofile", Soft: 10, Hard: 20 }]);
    const classic = buildQuery(p, "app", "img", { kind: "classic", reason: "r" }, {});
    expect(JSON.parse(classic.buildargs as string)).toEqual({ A: "1" });
  });

  it("warns about what the chosen builder cannot honour", () => {
    const build = {
      context: dir,
      secrets: [{ source: "s" }],
      cache_to: ["type=inline", "type=registry,ref=x"],
      privileged: true,
      additional_contexts: { a: "../a" },
      platforms: ["linux/amd64", "linux/arm64"],
    } as BuildConfig;
    const bk = buildWarnings("app", build, { kind: "buildkit" }).join("\n");
    expect(bk).not.toMatch(/secrets/);
    expect(bk).toMatch(/build\.cache_to "type=registry,ref=x".*only inline/);
    expect(bk).not.toMatch(/"type=inline"/);
    expect(bk).toMatch(/build\.privileged/);
    expect(bk).toMatch(/build\.additional_contexts/);
    expect(bk).toMatch(/build\.platforms .* only linux\/amd64/);
    const classic = buildWarnings("app", build, { kind: "classic", reason: "DOCKER_BUILDKIT=0" }).join("\n");
    expect(classic).toMatch(/build\.secrets needs BuildKit, which is not used because DOCKER_BUILDKIT=0/);
  });
});

describe("build secrets and ssh", () => {
  const secretFile = join(dir, "tok");
  writeFileSync(secretFile, "file-value");
  const secrets = {
    f: { name: "f", file: secretFile },
    e: { name: "e", environment: "TOK" },
    gone: { name: "gone", file: join(dir, "nope") },
  };

  it("reads file and environment secrets on demand under their target or source ID", async () => {
    const p = withBuild({ secrets: [{ source: "f" }, { source: "e", target: "tok" }] }, { secrets });
    const r = await resolveBuildSecrets(p, "app", { TOK: "env-value" });
    expect([...r.secrets.keys()]).toEqual(["f", "tok"]);
    expect((await r.secrets.get("f")!()).toString()).toBe("file-value");
    expect((await r.secrets.get("tok")!()).toString()).toBe("env-value");
  });

  it("names the service and field for undefined, missing or unset sources", async () => {
    await expect(
      resolveBuildSecrets(withBuild({ secrets: [{ source: "x" }] }, { secrets }), "app", {}),
    ).rejects.toThrow('service "app": build.secrets[0]: secret "x" is not defined in the top-level secrets');
    await expect(
      resolveBuildSecrets(withBuild({ secrets: [{ source: "gone" }] }, { secrets }), "app", {}),
    ).rejects.toThrow(/build\.secrets\[0\]: secret "gone" file .*nope does not exist/);
    await expect(
      resolveBuildSecrets(withBuild({ secrets: [{ source: "e" }] }, { secrets }), "app", {}),
    ).rejects.toThrow(/reads environment variable TOK, which is not set/);
  });

  it("forwards SSH_AUTH_SOCK or a named agent socket; a key file is refused with what to do", async () => {
    const sock = join(dir, "agent.sock");
    const server: Server = createServer();
    await new Promise<void>((r) => server.listen(sock, r));
    try {
      const r = await resolveBuildSecrets(withBuild({ ssh: ["default", `other=${sock}`] }), "app", {
        SSH_AUTH_SOCK: "/run/agent",
      });
      expect([...r.ssh]).toEqual([
        ["default", "/run/agent"],
        ["other", sock],
      ]);
      await expect(resolveBuildSecrets(withBuild({ ssh: ["default"] }), "app", {})).rejects.toThrow(
        /build\.ssh\[0\]: "default" forwards the SSH agent, but SSH_AUTH_SOCK is not set/,
      );
      await expect(resolveBuildSecrets(withBuild({ ssh: [`k=${secretFile}`] }), "app", {})).rejects.toThrow(
        /is not an SSH agent socket; load the key into an agent/,
      );
    } finally {
      server.close();
    }
  });
});

describe("BuildKit progress", () => {
  const ts = { seconds: 1, nanos: 0 };
  const trace = (s: Partial<Parameters<typeof statusResponse.encode>[0]>) =>
    statusResponse.encode({ vertexes: [], statuses: [], logs: [], warnings: [], ...s }).toString("base64");
  const v = (digest: string, name: string, extra = {}) => ({ digest, name, cached: false, error: "", ...extra });

  it("counts steps done, names the one running, and keeps a failed step's last output", () => {
    const p = new BuildKitProgress();
    expect(p.update(trace({ vertexes: [v("a", "[1/2] FROM base"), v("b", "[2/2] RUN   make \\\n  all")] }))).toEqual({
      current: 0,
      total: 2,
      message: "", // nothing started yet
    });
    expect(
      p.update(trace({ vertexes: [v("a", "[1/2] FROM base", { started: ts, completed: ts, cached: true })] })),
    ).toEqual({
      current: 1,
      total: 2,
      message: "CACHED [1/2] FROM base",
    });
    expect(p.update(trace({ vertexes: [v("b", "[2/2] RUN   make \\\n  all", { started: ts })] }))?.message).toBe(
      "[2/2] RUN make \\ all",
    );
    expect(p.update(trace({ logs: [{ vertex: "b", stream: 1, msg: Buffer.from("compiling\nerror: boom\n") }] }))).toBe(
      undefined,
    );
    p.update(trace({ vertexes: [v("b", "", { started: ts, completed: ts, error: "exit code: 2" })] }));
    expect(p.failure()).toBe("[2/2] RUN make \\ all: exit code: 2\n  > compiling\n  > error: boom");
  });
});

describe("falling back to the classic builder", () => {
  it("uses it, with the reason, when the engine refuses the session", async () => {
    const savedConfig = process.env.DOCKER_CONFIG;
    process.env.DOCKER_CONFIG = dir; // no config.json there
    try {
      writeFileSync(join(dir, "Dockerfile"), "FROM scratch\n");
      const requests: BuildRequest[] = [];
      const engine = Object.assign(new FakeEngine(), {
        openBuildSession: () => Promise.reject(new Error("upgrade refused")),
        buildImage: async (req: BuildRequest) => {
          requests.push(req);
          return "sha256:0123456789abcdef";
        },
      });
      const warnings: string[] = [];
      const events: DeployEvent[] = [];
      const p = withBuild({ secrets: [{ source: "e" }] }, { secrets: { e: { name: "e", environment: "TOK" } } });
      await buildServiceImage(engine, p, "app", "img", {
        emit: (e) => events.push(e),
        warn: (w) => warnings.push(w),
        run: (fn) => fn(),
        environment: { TOK: "v" },
      });
      expect(requests).toHaveLength(1);
      expect(requests[0].query.version).toBeUndefined();
      expect(JSON.parse(requests[0].query.labels as string)["com.docker.compose.image.builder"]).toBe("classic");
      expect(warnings.join("\n")).toMatch(
        /build\.secrets needs BuildKit, which is not used because the engine refused a BuildKit session \(upgrade refused\)/,
      );
      expect(events.map((e) => [e.status, e.message])).toEqual([
        ["Building", "classic builder"],
        ["Built", "0123456789ab"],
      ]);
    } finally {
      if (savedConfig === undefined) delete process.env.DOCKER_CONFIG;
      else process.env.DOCKER_CONFIG = savedConfig;
    }
  });
});
