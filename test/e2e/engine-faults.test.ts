/**
 * Engine faults against a private engine this file starts (scripts/engine/private-dockerd.sh), which
 * it freezes with SIGSTOP: never the shared one. A frozen engine must not hold c2ts past its
 * --timeout; two deploys of one project at once must not both half-fail.
 */
import { spawn } from "node:child_process";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engineReady, ROOT } from "./helpers.js";

const SCRIPT = join(ROOT, "scripts/engine/private-dockerd.sh");
const BIN = join(ROOT, "bin/c2ts.js");
const canRun = engineReady && process.getuid?.() === 0;

interface Run {
  pid: number;
  done: Promise<{ code: number | null; stderr: string; ms: number }>;
  stderr: () => string;
}

function c2ts(args: string[], env: NodeJS.ProcessEnv): Run {
  const t0 = Date.now();
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env, NO_COLOR: "1" } });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  child.stdout.on("data", () => {});
  const done = new Promise<{ code: number | null; stderr: string; ms: number }>((resolve) =>
    child.on("close", (code) => resolve({ code, stderr, ms: Date.now() - t0 })),
  );
  return { pid: child.pid!, done, stderr: () => stderr };
}

async function until(what: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!what()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A db that turns healthy after `delay` seconds and an app waiting for it. */
function stack(dir: string, name: string, delay: number): string {
  const file = join(dir, `${name}.yml`);
  writeFileSync(
    file,
    `name: ${name}
services:
  db:
    image: c2ts-test/busybox:latest
    init: true
    command: ["sh", "-c", "sleep ${delay}; touch /tmp/ready; sleep 3600"]
    healthcheck: { test: ["CMD", "test", "-f", "/tmp/ready"], interval: 300ms, retries: 200 }
  app:
    image: c2ts-test/busybox:latest
    init: true
    command: ["sleep", "3600"]
    depends_on: { db: { condition: service_healthy } }
`,
  );
  return file;
}

describe.skipIf(!canRun)("engine faults (private engine)", () => {
  let dir = "";
  let engineDir = "";
  let dockerdPid = 0;
  let env: NodeJS.ProcessEnv = {};

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "c2ts-i14-faults-"));
    engineDir = join(dir, "engine");
    mkdirSync(engineDir);
    const out = execFileSync("bash", [SCRIPT, "up", engineDir], { encoding: "utf8", timeout: 120_000 });
    dockerdPid = Number(out.trim().split("\n").pop());
    env = { DOCKER_HOST: `unix://${engineDir}/docker.sock` };
  }, 150_000);

  afterAll(() => {
    if (dockerdPid) process.kill(dockerdPid, "SIGCONT");
    if (engineDir) execFileSync("bash", [SCRIPT, "down", engineDir], { timeout: 120_000 });
    execFileSync("rm", ["-rf", dir]);
  }, 150_000);

  it(
    "an engine frozen mid-deploy: c2ts exits 1 within --timeout; the next deploy takes the dead deploy's lock",
    { timeout: 120_000 },
    async () => {
      const file = stack(dir, "i14-faults-frozen", 4);
      const run = c2ts(["deploy", "-f", file, "--timeout", "6"], env);
      await until(() => /Creat(ing|ed)/.test(run.stderr()), 30_000);
      process.kill(dockerdPid, "SIGSTOP");
      let r: Awaited<Run["done"]>;
      try {
        r = await Promise.race([
          run.done,
          new Promise<never>((_, reject) =>
            setTimeout(() => reject(new Error(`c2ts still running 40s after the freeze:\n${run.stderr()}`)), 40_000),
          ),
        ]);
      } finally {
        process.kill(dockerdPid, "SIGCONT");
      }
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(/timed out/);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
      // Bounded: the deploy's deadline plus the start-up and the lock release, not forever.
      expect(r.ms).toBeLessThan(6_000 + 15_000);

      const again = c2ts(["deploy", "-f", file, "--timeout", "60"], env);
      const r2 = await again.done;
      expect(r2.stderr).not.toMatch(/another deploy/);
      expect(r2.code, r2.stderr).toBe(0);
    },
  );

  it(
    "a second deploy of the same project while one runs is refused, naming the running deploy; the first succeeds",
    { timeout: 120_000 },
    async () => {
      const file = stack(dir, "i14-faults-twice", 5);
      const first = c2ts(["deploy", "-f", file, "--timeout", "60"], env);
      await until(() => /Creat(ing|ed)/.test(first.stderr()), 30_000);
      const second = await c2ts(["deploy", "-f", file, "--timeout", "60"], env).done;
      expect(second.code, second.stderr).toBe(1);
      expect(second.stderr).toContain(
        `another deploy of project i14-faults-twice is running: pid ${first.pid} on host`,
      );
      expect(second.stderr.split("\n")[0]).toMatch(/^error: another deploy of project i14-faults-twice is running/);
      expect(second.stderr).not.toMatch(/Conflict|already in use|\n\s+at /);
      const r1 = await first.done;
      expect(r1.code, r1.stderr).toBe(0);
      // the lock is gone with the deploy: a later one goes ahead
      const third = await c2ts(["deploy", "-f", file, "--timeout", "60"], env).done;
      expect(third.code, third.stderr).toBe(0);
    },
  );
});
