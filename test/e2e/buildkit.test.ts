import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { createServer as createHttpServer } from "node:http";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Project } from "../../src/compose/model.js";
import { deploy, plan } from "../../src/runtime/index.js";
import { createRenderer } from "../../src/runtime/progress.js";
import { dockerCli, engine, engineReady, project, purge, recorder, service, uniqueProject } from "./helpers.js";

const name = uniqueProject("i15-buildkit");
const dir = mkdtempSync(join(tmpdir(), "c2ts-buildkit-"));
const tag = randomBytes(4).toString("hex");
// Distinct values that must never leave the build: one from a file, one from the environment.
const FILE_SECRET = `c2ts-file-secret-${randomBytes(8).toString("hex")}`;
const ENV_SECRET = `c2ts-env-secret-${randomBytes(8).toString("hex")}`;
// A string that does land in a layer: proves the layer scan can find what is there.
const LAYER_MARKER = `c2ts-layer-marker-${randomBytes(8).toString("hex")}`;
const md5 = (s: string) => createHash("md5").update(s).digest("hex");
const built = new Set<string>();
const noteImage = (ref: string) => built.add(dockerCli(["image", "inspect", "-f", "{{.Id}}", ref]));

// A cache id unique to this run, so other runs' cache mounts on the shared engine do not interfere.
const DOCKERFILE = `FROM c2ts-test/busybox:latest AS base
ARG BUST=0
RUN echo ${LAYER_MARKER} > /marker
RUN --mount=type=cache,id=c2ts-i15-${tag},target=/cache \\
    if [ -f /cache/deps ]; then echo warm > /cache-state; \\
    else dd if=/dev/urandom of=/cache/deps bs=1M count=24 2>/dev/null && sleep 2 && echo cold > /cache-state; fi; \\
    echo "$BUST" > /bust
RUN --mount=type=secret,id=filetok --mount=type=secret,id=envtok \\
    md5sum /run/secrets/filetok /run/secrets/envtok | cut -d' ' -f1 > /secret-md5s

FROM base AS final
LABEL stage=final
CMD ["sleep", "3600"]

FROM base AS other
RUN exit 1
`;

const secretFile = join(dir, "token.txt");
const agentSocket = join(dir, "agent.sock");
let agent: Server | undefined;
const env = () => ({ ...process.env, C2TS_I15_TOKEN: ENV_SECRET });

function stack(bust = "0", extra: Partial<Project> = {}) {
  return project(
    name,
    {
      app: service({
        image: `${name}-app:${tag}`,
        command: null,
        build: {
          context: dir,
          target: "final",
          args: { BUST: bust },
          labels: { "org.example.built-by": "c2ts" },
          secrets: [{ source: "filetok" }, { source: "token", target: "envtok" }],
        },
      }),
      inline: service({
        image: `${name}-inline:${tag}`,
        build: {
          context: dir,
          dockerfile_inline: [
            "FROM c2ts-test/busybox:latest",
            `RUN --mount=type=cache,id=c2ts-i15-inline-${tag},target=/c echo inline > /c/x && cp /c/x /inline`,
            // BuildKit asks the session whether the agent exists, then mounts a socket relaying to it.
            'RUN --mount=type=ssh,id=agent test -S "$SSH_AUTH_SOCK" && echo "$SSH_AUTH_SOCK" > /ssh',
            "",
          ].join("\n"),
          ssh: [`agent=${agentSocket}`],
        },
      }),
    },
    {
      secrets: {
        filetok: { name: `${name}_filetok`, file: secretFile },
        token: { name: `${name}_token`, environment: "C2TS_I15_TOKEN" },
      },
      ...extra,
    },
  );
}

describe.skipIf(!engineReady)("BuildKit builds", () => {
  beforeAll(() => {
    writeFileSync(join(dir, "Dockerfile"), DOCKERFILE);
    writeFileSync(secretFile, FILE_SECRET, { mode: 0o600 });
    agent = createServer((sock) => sock.end());
    return new Promise<void>((r) => agent!.listen(agentSocket, r));
  });

  afterAll(async () => {
    await purge(name);
    for (const img of built) {
      try {
        dockerCli(["rmi", "-f", img]);
      } catch {
        // already gone
      }
    }
    agent?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it(
    "builds a multi-stage target with cache and secret mounts and an inline Dockerfile from a local base, with live step progress",
    { timeout: 240_000 },
    async () => {
      const e = await engine();
      const rec = recorder();
      const started = Date.now();
      const r = await deploy(stack(), { engine: e, onEvent: rec.onEvent, environment: env() });
      const coldMs = Date.now() - started;
      expect(r.result.errors).toEqual([]);
      noteImage(`${name}-app:${tag}`);
      noteImage(`${name}-inline:${tag}`);
      const app = `${name}-app:${tag}`;
      expect(
        dockerCli([
          "image",
          "inspect",
          "-f",
          '{{index .Config.Labels "com.docker.compose.image.builder"}} {{index .Config.Labels "stage"}} {{index .Config.Labels "org.example.built-by"}}',
          app,
        ]),
      ).toBe("buildkit final c2ts");
      expect(dockerCli(["exec", `${name}-app-1`, "cat", "/cache-state"])).toBe("cold");
      expect(dockerCli(["exec", `${name}-app-1`, "cat", "/secret-md5s"]).split("\n")).toEqual([
        md5(FILE_SECRET),
        md5(ENV_SECRET),
      ]);
      expect(dockerCli(["exec", `${name}-inline-1`, "cat", "/inline"])).toBe("inline");
      expect(dockerCli(["exec", `${name}-inline-1`, "cat", "/ssh"])).toMatch(/^\/run\/buildkit\/ssh_agent\.\d+$/);

      // Steps arrive as progress events naming the running step, counting up to the total.
      const steps = rec.events.filter((ev) => ev.status === "Progress" && ev.name === app);
      expect(steps.length).toBeGreaterThan(2);
      expect(
        steps.some((ev) =>
          /^\[base 3\/4\] RUN --mount=type=cache,\S+ if \[ -f \/cache\/deps \]/.test(ev.message ?? ""),
        ),
      ).toBe(true);
      const last = steps[steps.length - 1];
      expect(last.current).toBe(last.total);
      expect(rec.events.find((ev) => ev.status === "Building" && ev.name === app)?.message).toBe("BuildKit");
      // …and render as lines in the plain and --json forms.
      for (const mode of ["plain", "json"] as const) {
        let out = "";
        const stream = new Writable({ write: (c, _e, cb) => ((out += String(c)), cb()) });
        const renderer = createRenderer(mode, { stream, color: false });
        for (const ev of rec.events) renderer.onEvent(ev);
        renderer.finish(r.result);
        expect(out).toMatch(/RUN --mount=type=secret,id=filetok --mount=type=secret,id=envtok md5sum/);
        expect(out).not.toContain(FILE_SECRET);
        expect(out).not.toContain(ENV_SECRET);
      }
      const planned = await plan(stack(), { engine: e, environment: env(), build: "always" });
      expect(JSON.stringify(planned)).not.toMatch(new RegExp(`${FILE_SECRET}|${ENV_SECRET}`));
      expect(JSON.stringify(rec.events)).not.toMatch(new RegExp(`${FILE_SECRET}|${ENV_SECRET}`));
      console.log(`[buildkit] cold build+deploy: ${coldMs} ms`);
    },
  );

  it("leaves the secrets in no history entry and no layer", { timeout: 120_000 }, () => {
    const history = dockerCli(["history", "--no-trunc", `${name}-app:${tag}`]);
    expect(history).toContain("md5sum /run/secrets/filetok /run/secrets/envtok");
    expect(history).not.toContain(FILE_SECRET);
    expect(history).not.toContain(ENV_SECRET);
    // `docker save` is an uncompressed tar of uncompressed layer tars: every byte of every layer is in it.
    const saved = execFileSync("docker", ["save", `${name}-app:${tag}`], { maxBuffer: 256 * 1024 * 1024 });
    expect(saved.includes(LAYER_MARKER)).toBe(true);
    expect(saved.includes(FILE_SECRET)).toBe(false);
    expect(saved.includes(ENV_SECRET)).toBe(false);
  });

  it("a rebuild with the layer cache busted finds the cache mount warm", { timeout: 240_000 }, async () => {
    const e = await engine();
    const started = Date.now();
    const r = await deploy(stack("1"), { engine: e, environment: env(), build: "always", services: ["app"] });
    const warmMs = Date.now() - started;
    expect(r.result.errors).toEqual([]);
    noteImage(`${name}-app:${tag}`);
    expect(dockerCli(["exec", `${name}-app-1`, "cat", "/bust"])).toBe("1");
    expect(dockerCli(["exec", `${name}-app-1`, "cat", "/cache-state"])).toBe("warm");
    console.log(`[buildkit] rebuild with warm cache mount: ${warmMs} ms`);
  });

  it("builds from a git URL context the engine fetches (dumb HTTP on loopback)", { timeout: 180_000 }, async () => {
    const repo = join(dir, "src");
    const bare = join(dir, "www", "app.git");
    mkdirSync(repo, { recursive: true });
    writeFileSync(
      join(repo, "Dockerfile"),
      'FROM c2ts-test/busybox:latest\nCOPY --chmod=600 hello /hello\nCMD ["sleep", "3600"]\n',
    );
    writeFileSync(join(repo, "hello"), "from git\n");
    const git = (args: string[], cwd = repo) => execFileSync("git", args, { cwd, stdio: "pipe" });
    git(["init", "-q", "-b", "main"]);
    git(["add", "."]);
    git(["-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-qm", "init"]);
    git(["clone", "-q", "--bare", repo, bare], dir);
    git(["update-server-info"], bare);
    const www = join(dir, "www");
    const server = createHttpServer((req, res) => {
      try {
        res.end(readFileSync(join(www, decodeURIComponent((req.url ?? "/").split("?")[0]))));
      } catch {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/app.git#main`;
    try {
      const r = await deploy(
        project(name, { fromgit: service({ image: `${name}-git:${tag}`, command: null, build: { context: url } }) }),
        { engine: await engine(), environment: env() },
      );
      expect(r.result.errors).toEqual([]);
      noteImage(`${name}-git:${tag}`);
      expect(dockerCli(["exec", `${name}-fromgit-1`, "cat", "/hello"])).toBe("from git");
      expect(dockerCli(["exec", `${name}-fromgit-1`, "stat", "-c", "%a", "/hello"])).toBe("600");
    } finally {
      server.close();
    }
  });

  it("names the service and field when a build secret's variable is unset", { timeout: 60_000 }, async () => {
    const e = await engine();
    const r = await deploy(stack("2"), {
      engine: e,
      environment: { ...process.env, C2TS_I15_TOKEN: undefined },
      build: "always",
      services: ["app"],
    });
    expect(r.result.ok).toBe(false);
    expect(r.result.errors[0].message).toMatch(
      /service "app": build\.secrets\[1\]: secret "token" reads environment variable C2TS_I15_TOKEN, which is not set/,
    );
  });

  it(
    "without BuildKit (DOCKER_BUILDKIT=0) a Dockerfile that needs it fails saying so",
    { timeout: 120_000 },
    async () => {
      const e = await engine();
      const r = await deploy(stack("3"), {
        engine: e,
        environment: { ...env(), DOCKER_BUILDKIT: "0" },
        build: "always",
        services: ["app"],
      });
      expect(r.result.ok).toBe(false);
      expect(r.result.errors[0].message).toMatch(/needs BuildKit.*DOCKER_BUILDKIT=0/);
      expect(r.result.warnings.join("\n")).toMatch(/build\.secrets needs BuildKit/);
    },
  );
});
