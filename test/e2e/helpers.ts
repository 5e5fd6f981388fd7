/**
 * Shared setup for tests against the real engine: make sure dockerd runs and the test image
 * exists (via scripts/engine/*), build projects in the canonical model, clean up by label.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import type { Project, ServiceConfig } from "../../src/compose/model.js";
import { connectEngine, type Engine } from "../../src/runtime/engine.js";
import type { DeployEvent } from "../../src/runtime/events.js";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const TEST_IMAGE = "c2ts-test/busybox:latest";

/** Start the engine and build the test image; undefined when ready, else why not. */
function prepareEngine(): string | undefined {
  try {
    execFileSync("bash", ["scripts/engine/start-dockerd.sh"], {
      cwd: ROOT,
      stdio: ["ignore", "ignore", "pipe"],
      timeout: 180_000,
    });
    execFileSync("bash", ["scripts/engine/build-test-image.sh"], {
      cwd: ROOT,
      stdio: ["ignore", "ignore", "pipe"],
      timeout: 180_000,
    });
    return undefined;
  } catch (e) {
    const err = e as { stderr?: Buffer; message: string };
    return (err.stderr?.toString().trim() || err.message).split("\n").slice(-5).join("\n");
  }
}

const failure = prepareEngine();
if (failure) {
  if (process.env.CI) throw new Error(`Docker engine unavailable in CI: ${failure}`);
  console.warn(`\n!!! SKIPPING real-engine tests: no Docker engine could be started:\n${failure}\n`);
}
/** True when the real-engine tests can run. */
export const engineReady = failure === undefined;

export function uniqueProject(prefix: string): string {
  return `c2ts-e2e-${prefix}-${randomBytes(3).toString("hex")}`;
}

/** A busybox service in canonical form; `init: true` because busybox as PID 1 ignores SIGTERM. */
export function service(overrides: Partial<ServiceConfig> = {}): ServiceConfig {
  return {
    image: TEST_IMAGE,
    init: true,
    command: ["sleep", "3600"],
    entrypoint: null,
    networks: { default: null },
    ...overrides,
  } as ServiceConfig;
}

export function project(name: string, services: Record<string, ServiceConfig>, extra: Partial<Project> = {}): Project {
  return {
    name,
    services,
    networks: { default: { name: `${name}_default`, ipam: {} }, ...(extra.networks ?? {}) },
    ...Object.fromEntries(Object.entries(extra).filter(([k]) => k !== "networks")),
  } as Project;
}

/** A healthcheck that passes once `file` exists (create it with the command). */
export function fileHealthcheck(file = "/tmp/ready", interval = "200ms"): ServiceConfig["healthcheck"] {
  return { test: ["CMD", "test", "-f", file], interval, timeout: "2s", retries: 50, start_period: "0s" };
}

let shared: Engine | undefined;
export async function engine(): Promise<Engine> {
  shared ??= await connectEngine();
  return shared;
}

/** Remove everything labelled with the project (containers, networks, volumes). */
export async function purge(name: string): Promise<void> {
  const e = await engine();
  const label = { label: [`com.docker.compose.project=${name}`] };
  await Promise.all(
    (await e.listContainers(label)).map((c) => e.removeContainer(c.Id, { force: true, volumes: true }).catch(() => {})),
  );
  await Promise.all((await e.listNetworks(label)).map((n) => e.removeNetwork(n.Id).catch(() => {})));
  await Promise.all((await e.listVolumes(label)).map((v) => e.removeVolume(v.Name, true).catch(() => {})));
}

export async function containerIds(name: string): Promise<Record<string, string>> {
  const e = await engine();
  const list = await e.listContainers({ label: [`com.docker.compose.project=${name}`] });
  return Object.fromEntries(list.map((c) => [c.Names[0].replace(/^\//, ""), c.Id]));
}

/** Collects events for assertions. */
export function recorder(): { events: DeployEvent[]; onEvent: (e: DeployEvent) => void } {
  const events: DeployEvent[] = [];
  return { events, onEvent: (e) => events.push(e) };
}

export function dockerCli(args: string[]): string {
  return execFileSync("docker", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
}
