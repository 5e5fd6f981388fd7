/**
 * Issue 14 through the real CLI (the built dist, spawned as a user runs it): every bad input or
 * unreachable engine ends in one located line on stderr and exit 1 — never a Node stack trace,
 * never exit 0, never a secret in a world-readable file.
 */
import { spawn, spawnSync, type SpawnSyncReturns } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "../..");
const BIN = join(ROOT, "bin/c2ts.js");
const built = existsSync(join(ROOT, "dist/cli/main.js"));
const dir = mkdtempSync(join(tmpdir(), "c2ts-i14-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const write = (name: string, content: string): string => {
  const file = join(dir, name);
  mkdirSync(join(file, ".."), { recursive: true });
  writeFileSync(file, content);
  return file;
};

function c2ts(args: string[], env: NodeJS.ProcessEnv = {}): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [BIN, ...args], {
    cwd: dir,
    encoding: "utf8",
    timeout: 60_000,
    env: { ...process.env, NO_COLOR: "1", XDG_CACHE_HOME: join(dir, ".cache"), ...env },
  });
}

/** Exit 1, and stderr is exactly one line starting with "error:" (no Node trace). */
function expectOneLineError(r: SpawnSyncReturns<string>, pattern: RegExp): string {
  expect(r.status, r.stderr).toBe(1);
  const lines = r.stderr.trimEnd().split("\n");
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^error: /);
  expect(lines[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(/^\s+at /m);
  return lines[0]!;
}

const YAML = write("compose.yaml", "services:\n  app:\n    image: busybox\n");

describe.skipIf(!built)("user errors are one line and exit 1", () => {
  it("import -o naming an existing file, or a directory that cannot be created", () => {
    const file = write("a-file", "keep me\n");
    expectOneLineError(c2ts(["import", YAML, "-o", file]), /-o .*a-file: is a file, not a directory/);
    expect(readFileSync(file, "utf8")).toBe("keep me\n");
    expectOneLineError(c2ts(["import", YAML, "-o", join(file, "sub")]), /a-file is a file, not a directory/);
    // /sys refuses new directories even to root (a chmod'ed directory would not stop root).
    expectOneLineError(c2ts(["import", YAML, "-o", "/sys/c2ts-i14-nope"]), /\/sys\/c2ts-i14-nope/);
  });

  it("proxy --out naming a file", () => {
    const file = write("proxy-out", "x\n");
    expectOneLineError(
      c2ts(["proxy", "-f", YAML, "--domain", "example.test", "--out", file]),
      /--out .*proxy-out: is a file/,
    );
  });

  it("interpolation nested 5000 levels deep is a located error, not a stack overflow", () => {
    let value = "x";
    for (let i = 0; i < 5000; i++) value = `\${A:-${value}}`;
    const file = write("deep.yaml", `services:\n  app:\n    image: busybox\n    environment:\n      X: "${value}"\n`);
    expectOneLineError(
      c2ts(["config", "-f", file]),
      /deep\.yaml:5:\d+: .*services\.app\.environment\.X: template nested too deeply/,
    );
  });

  it("--env-file reaches c2ts on Node 20, before or after the command (run through the shebang)", () => {
    const run = (args: string[]) =>
      spawnSync(BIN, args, { cwd: dir, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
    const missing = join(dir, "missing.env");
    expectOneLineError(run(["--env-file", "missing.env", "config", "-f", YAML]), new RegExp(`${missing}.*not found`));
    expectOneLineError(run(["config", "--env-file", "missing.env", "-f", YAML]), new RegExp(`${missing}.*not found`));
    const env = write("set.env", "TAG=from-env-file\n");
    const file = write("tagged.yaml", "services:\n  app:\n    image: busybox:${TAG}\n");
    const ok = run(["config", "--env-file", env, "-f", file]);
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toContain("busybox:from-env-file");
  });
});

describe.skipIf(!built)("--stack modules cannot crash or take over c2ts", () => {
  const stack = (name: string, body: string) =>
    write(name, `import { defineStack } from "c2ts";\n\ntype Tag = string;\n\n${body}\n`);

  it("a module that throws is located at the user's own line (not the transpiled one)", () => {
    const file = stack(
      "throws.ts",
      'const tag: Tag = "x";\nif (tag) throw new Error("no images today");\nexport default defineStack({ services: {} });',
    );
    // Line 6 of the file: the two header lines, a blank line, the type, a blank line, then `const`.
    expectOneLineError(
      c2ts(["config", "--stack", file]),
      new RegExp(`^error: ${file}:6:\\d+: the stack threw Error: no images today$`),
    );
  });

  it("a module importing a module that is not there", () => {
    const file = stack(
      "imports.ts",
      'import pad from "c2ts-no-such-package";\nexport default defineStack({ services: { a: { image: String(pad) } } });',
    );
    expectOneLineError(
      c2ts(["config", "--stack", file]),
      new RegExp(`^error: ${file}:5:\\d+: cannot import a module: Cannot find module 'c2ts-no-such-package'`),
    );
    const local = stack(
      "imports-local.ts",
      'import { x } from "./nowhere.js";\nexport default defineStack({ services: { a: { image: x } } });',
    );
    expectOneLineError(
      c2ts(["config", "--stack", local]),
      /imports-local\.ts:5:\d+: cannot import a module: Cannot find module '\.\/nowhere\.js'/,
    );
  });

  it("an error inside an imported module names that module", () => {
    stack("inner.ts", 'export const image: Tag = (() => { throw new TypeError("bad image"); })();');
    const file = stack(
      "outer.ts",
      'import { image } from "./inner.js";\nexport default defineStack({ services: { a: { image } } });',
    );
    expectOneLineError(
      c2ts(["config", "--stack", file]),
      new RegExp(`^error: ${join(dir, "inner.ts")}:5:\\d+: the stack threw TypeError: bad image$`),
    );
  });

  it("a module exporting a cyclic object", () => {
    const file = stack(
      "cyclic.ts",
      'const s: any = { services: { a: { image: "busybox" } } };\ns.services.a.labels = s;\nexport default defineStack(s);',
    );
    expectOneLineError(
      c2ts(["config", "--stack", file]),
      /cyclic\.ts: services\.a\.labels\.services: the value contains itself/,
    );
  });

  it("process.exit() in a stack is an error, for config and for plan (where 0 would mean 'nothing to change')", () => {
    const file = stack(
      "exits.ts",
      'export default defineStack({ services: { a: { image: "busybox" } } });\nprocess.exit(0);',
    );
    const pattern = new RegExp(`^error: ${file}:6:\\d+: the stack called process\\.exit\\(0\\)`);
    expectOneLineError(c2ts(["config", "--stack", file]), pattern);
    expectOneLineError(c2ts(["plan", "--stack", file], { DOCKER_HOST: "unix:///nonexistent.sock" }), pattern);
    const swallowed = stack(
      "exits-caught.ts",
      "try { process.exit(3); } catch {}\nexport default defineStack({ services: {} });",
    );
    expectOneLineError(c2ts(["config", "--stack", swallowed]), /the stack called process\.exit\(3\)/);
  });

  it("a stack's timers and promises neither choose the exit status nor keep c2ts running", () => {
    const file = stack(
      "late-exit.ts",
      [
        "setInterval(() => {}, 1000);",
        "Promise.resolve().then(() => process.exit(0));",
        "setTimeout(() => process.exit(0), 1);",
        'export default defineStack({ services: { a: { image: "busybox", ports: ["not a port"] } } });',
      ].join("\n"),
    );
    const r = c2ts(["config", "--stack", file]);
    expect(r.signal, "c2ts was killed: the stack's interval kept it running").toBeNull();
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toMatch(
      /warning: .*late-exit\.ts: the stack called process\.exit\(0\) after it was evaluated; ignored/,
    );
    expect(r.stderr).toMatch(/^error: .*ports/m);
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });

  it("a stack that never finishes stops at the timeout (flag, then environment variable)", () => {
    const file = stack("forever.ts", "while (Date.now() > 0) {}\nexport default defineStack({ services: {} });");
    expectOneLineError(
      c2ts(["config", "--stack", file, "--stack-timeout", "1"]),
      /forever\.ts: the stack did not finish evaluating within 1 s/,
    );
    expectOneLineError(c2ts(["config", "--stack", file], { C2TS_STACK_TIMEOUT: "0.5" }), /within 0\.5 s/);
    expectOneLineError(
      c2ts(["config", "--stack", file], { C2TS_STACK_TIMEOUT: "soon" }),
      /C2TS_STACK_TIMEOUT must be a positive number of seconds, got "soon"/,
    );
  });
});

describe.skipIf(!built)("a closed stdout (EPIPE) is a quiet exit 1, for every command", () => {
  /** Runs c2ts with its stdout pipe closed before it writes. */
  function withClosedStdout(args: string[]): Promise<{ status: number | null; stderr: string }> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [BIN, ...args], {
        cwd: dir,
        env: { ...process.env, NO_COLOR: "1" },
        stdio: ["ignore", "pipe", "pipe"],
      });
      child.stdout.destroy();
      let stderr = "";
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      child.on("close", (status) => resolve({ status, stderr }));
    });
  }

  it.each([
    ["config", ["config", "-f", YAML]],
    ["help", ["--help"]],
    ["version", ["--version"]],
    ["import --json", ["import", YAML, "-o", "epipe-out", "--json"]],
    ["ps --help", ["ps", "--help"]],
  ])("%s", async (_name, args) => {
    const r = await withClosedStdout(args);
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toBe("");
  });
});

describe.skipIf(!built)("an unreachable engine is one line naming the endpoint, for every command", () => {
  const cases = ["plan", "ps", "deploy", "down", "logs"].flatMap((command) =>
    [
      [
        "unix:///nonexistent.sock",
        /cannot reach the Docker engine at unix:\/\/\/nonexistent\.sock: connect ENOENT \/nonexistent\.sock$/,
      ],
      ["tcp://127.0.0.1:1", /cannot reach the Docker engine at .*127\.0\.0\.1:1: connect ECONNREFUSED 127\.0\.0\.1:1$/],
    ].map(([host, pattern]) => [command, host, pattern] as const),
  );
  it.each(cases)("%s with DOCKER_HOST=%s", (command, host, pattern) => {
    expectOneLineError(c2ts([command, "--file", YAML], { DOCKER_HOST: host as string }), pattern as RegExp);
  });
});

describe.skipIf(!built)("proxy: labels, nodes and file modes", () => {
  const clusterDir = join(dir, "cluster");
  const cluster = write(
    "cluster/c2ts.config.ts",
    `import { defineCluster } from "c2ts";\nexport default defineCluster({ domain: "home.test", localNode: "n1", nodes: [{ name: "n1", address: "100.64.0.1" }, { name: "n2", address: "100.64.0.2" }] });\n`,
  );
  const SECRET = "s3cr3t-Redis-Pa55";
  const service = (labels: Record<string, string>) =>
    write(
      `cluster/${Object.keys(labels).join("_").length}-${Math.random().toString(36).slice(2)}.yaml`,
      `services:\n  cache:\n    image: redis\n    environment:\n      REDIS_PASSWORD: ${SECRET}\n    labels:\n${Object.entries(
        labels,
      )
        .map(([k, v]) => `      ${JSON.stringify(k)}: ${JSON.stringify(v)}`)
        .join("\n")}\n`,
    );
  const proxy = (file: string, ...more: string[]) => c2ts(["proxy", "-f", file, "--cluster", cluster, ...more]);
  const L4 = { "osvc.l4.enable": "true", "osvc.l4.port": "6379", "osvc.l4.check": "redis" };
  const WEB = { "traefik.enable": "true", "traefik.http.services.cache.loadbalancer.server.port": "80" };

  it("haproxy.cfg holding the Redis password is 0600, also when rewritten, and narrowed when it was wider", () => {
    const out = join(clusterDir, "out-mode");
    const file = service(L4);
    const first = proxy(file, "--out", out);
    expect(first.status, first.stderr).toBe(0);
    const cfg = join(out, "haproxy/haproxy.cfg");
    expect(readFileSync(cfg, "utf8")).toContain("AUTH");
    expect(statSync(cfg).mode & 0o777).toBe(0o600);
    chmodSync(cfg, 0o644); // e.g. written by an older c2ts
    expect(proxy(file, "--out", out).status).toBe(0);
    expect(statSync(cfg).mode & 0o777).toBe(0o600);
    const changed = proxy(service({ ...L4, "osvc.l4.check.inter": "3s" }), "--out", out);
    expect(changed.stdout).toContain(`wrote ${cfg}`);
    expect(statSync(cfg).mode & 0o777).toBe(0o600);
    const grouped = proxy(file, "--out", out, "--group", "0");
    expect(grouped.status, grouped.stderr).toBe(0);
    expect(statSync(cfg).mode & 0o777).toBe(0o640);
    expectOneLineError(
      proxy(file, "--out", out, "--group", "c2ts-no-such-group"),
      /--group: no such group "c2ts-no-such-group"/,
    );
  });

  it("a copied Traefik router label with a newline, quote or backtick is refused, naming service and label", () => {
    for (const [label, value] of [
      ["traefik.http.routers.web.middlewares", "auth\nevil"],
      ["traefik.http.routers.web.entrypoints", 'websecure"'],
      ["traefik.http.routers.web.tls.certresolver", "le`x`"],
      ["traefik.http.routers.web.tls.domains[0].main", "a'b.example"],
    ] as const) {
      const r = proxy(service({ ...WEB, [label]: value }), "--out", join(clusterDir, "out-bad"));
      expectOneLineError(r, new RegExp(`service cache: label ${label.replace(/[.[\]]/g, "\\$&")} has a value`));
    }
    expect(existsSync(join(clusterDir, "out-bad"))).toBe(false);
  });

  it("a boolean label that is not a boolean is an error", () => {
    expectOneLineError(
      proxy(service({ ...L4, "osvc.l4.enable": "yes please" })),
      /service cache: label osvc\.l4\.enable must be true or false, got "yes please"/,
    );
    expectOneLineError(
      proxy(service({ ...WEB, "traefik.enable": "yes please" })),
      /service cache: label traefik\.enable must be true or false/,
    );
    expectOneLineError(
      proxy(service({ ...WEB, "traefik.http.routers.web.tls": "on" })),
      /service cache: label traefik\.http\.routers\.web\.tls must be true or false, got "on"/,
    );
  });

  it("a bad Traefik port label names the service", () => {
    expectOneLineError(
      proxy(service({ ...WEB, "traefik.http.services.cache.loadbalancer.server.port": "http" })),
      /service cache: label traefik\.http\.services\.cache\.loadbalancer\.server\.port is not a port number/,
    );
  });

  it("--node for an unknown node lists the known nodes", () => {
    expectOneLineError(proxy(service(L4), "--node", "nas"), /unknown node "nas" \(cluster nodes: n1, n2\)/);
  });
});
