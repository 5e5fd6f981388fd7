/**
 * Parity with Docker Compose: the same fixture deployed by docker-compose (project A) and by c2ts
 * (project B) must give containers, networks and volumes that `docker inspect` shows as identical
 * once the project name is normalized away.
 *
 * The installed peer is docker-compose 1.29 (Python); our reference is Compose v2. Where the two
 * legitimately differ, the field is normalized or excluded below with a comment saying why; every
 * other field of Config, HostConfig, Mounts and the network endpoints is compared.
 *
 * The fixture publishes fixed host ports and a fixed subnet, so A is removed before B is deployed.
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadProject } from "../../src/compose/loader.js";
import type { Project } from "../../src/compose/model.js";
import { deploy, down } from "../../src/runtime/index.js";
import { engine, engineReady, purge, ROOT, uniqueProject } from "./helpers.js";

const FIXTURE = join(ROOT, "fixtures/parity/compose.yml");
const A = uniqueProject("parity-dc");
const B = uniqueProject("parity-c2ts");
const PLACEHOLDER = "PROJECT";

/** The environment both tools see: nothing that the fixture interpolates. */
function toolEnvironment(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith("PARITY_") || k.startsWith("COMPOSE_")) delete env[k];
  return env;
}

function composeAvailable(): boolean {
  try {
    execFileSync("docker-compose", ["version", "--short"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

function dockerCompose(args: string[]): void {
  try {
    execFileSync("docker-compose", ["-f", FIXTURE, "-p", A, ...args], {
      env: toolEnvironment(),
      stdio: ["ignore", "pipe", "pipe"],
      timeout: 180_000,
    });
  } catch (e) {
    const err = e as { stderr?: Buffer; message: string };
    throw new Error(`docker-compose ${args.join(" ")} failed: ${err.stderr?.toString() ?? err.message}`);
  }
}

/** Subset of `docker inspect` output the comparison reads; everything else is carried as is. */
interface ContainerInspect {
  Id: string;
  Name: string;
  Path: string;
  Args: string[];
  Image: string;
  Config: Record<string, unknown> & {
    Labels: Record<string, string>;
    Env?: string[];
    ExposedPorts?: Record<string, unknown>;
    MacAddress?: string;
  };
  HostConfig: Record<string, unknown> & {
    Binds?: string[] | null;
    Mounts?: MountSpec[] | null;
    Ulimits?: Array<{ Name: string }> | null;
    PortBindings?: Record<string, Array<{ HostIp: string; HostPort: string }>> | null;
  };
  Mounts?: Array<Record<string, unknown> & { Destination: string }>;
  NetworkSettings?: {
    Networks?: Record<string, EndpointInspect>;
    Ports?: Record<string, Array<{ HostIp: string; HostPort: string }> | null>;
  };
}

interface EndpointInspect {
  Aliases?: string[] | null;
  IPAMConfig?: { IPv4Address?: string } | null;
  Links?: string[] | null;
  DriverOpts?: Record<string, string> | null;
  IPAddress?: string;
  MacAddress?: string;
}

interface NetworkInspect extends Record<string, unknown> {
  Name: string;
  Labels?: Record<string, string> | null;
  IPAM?: { Driver?: string };
}

interface VolumeInspect extends Record<string, unknown> {
  Name: string;
  Labels?: Record<string, string> | null;
}

interface MountSpec {
  Type: string;
  Source?: string;
  Target: string;
  ReadOnly?: boolean;
  [k: string]: unknown;
}

function dockerJson<T>(args: string[]): T[] {
  return JSON.parse(execFileSync("docker", args, { encoding: "utf8" })) as T[];
}

function listIds(kind: "ps" | "network ls" | "volume ls", project: string): string[] {
  const args = [
    ...kind.split(" "),
    ...(kind === "ps" ? ["-a"] : []),
    "-q",
    "--filter",
    `label=com.docker.compose.project=${project}`,
  ];
  return execFileSync("docker", args, { encoding: "utf8" }).split("\n").filter(Boolean);
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

interface Snapshot {
  containers: Record<string, Json>;
  networks: Record<string, Json>;
  volumes: Record<string, Json>;
}

/** Replace every occurrence of each `from` in every string (and key) of a JSON value. */
function replaceStrings(value: Json, pairs: Array<[string, string]>): Json {
  if (typeof value === "string") return pairs.reduce((s, [from, to]) => s.split(from).join(to), value);
  if (Array.isArray(value)) return value.map((v) => replaceStrings(v, pairs));
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [replaceStrings(k, pairs) as string, replaceStrings(v, pairs)]),
    );
  }
  return value;
}

/** null, [], {} and "" all mean "not set" to the engine; drop them so the two tools compare equal. */
function dropEmpty(value: Json): Json | undefined {
  if (value === null || value === "") return undefined;
  if (Array.isArray(value)) {
    const out = value.map(dropEmpty).filter((v) => v !== undefined);
    return out.length ? out : undefined;
  }
  if (typeof value === "object") {
    const out: Record<string, Json> = {};
    for (const [k, v] of Object.entries(value)) {
      const d = dropEmpty(v);
      if (d !== undefined) out[k] = d;
    }
    return Object.keys(out).length ? out : undefined;
  }
  return value;
}

/** Project name (and container ids) replaced, empties dropped: the comparable form. */
function canonical(value: unknown, pairs: Array<[string, string]>): Json {
  // The JSON round trip turns undefined fields into absent ones.
  return dropEmpty(replaceStrings(JSON.parse(JSON.stringify(value)) as Json, pairs)) ?? null;
}

/** User labels only: com.docker.compose.* is each tool's bookkeeping, dev.c2ts.* is c2ts's own. */
function userLabels(labels: Record<string, string> | null | undefined): Record<string, string> {
  return Object.fromEntries(
    Object.entries(labels ?? {}).filter(([k]) => !k.startsWith("com.docker.compose.") && !k.startsWith("dev.c2ts.")),
  );
}

const byKey =
  <T>(key: (t: T) => string) =>
  (a: T, b: T) =>
    key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;

/**
 * HostConfig.Binds and HostConfig.Mounts as one list of mount specs. docker-compose 1.29 puts named
 * volumes in Binds (`vol:/path:rw`); Compose v2 only uses Binds for plain bind mounts and the Mount
 * API for volumes. The engine does the same either way, so both are compared in one shape.
 */
function mountSpecs(host: ContainerInspect["HostConfig"]): MountSpec[] {
  const out: MountSpec[] = [];
  for (const bind of host.Binds ?? []) {
    const [source, target, opts = ""] = bind.split(":");
    const flags = opts.split(",").filter((o) => o && o !== "rw" && o !== "ro");
    out.push({
      Type: source.startsWith("/") ? "bind" : "volume",
      Source: source,
      Target: target,
      ReadOnly: opts.split(",").includes("ro"),
      ...(flags.length ? { Flags: flags } : {}),
    });
  }
  for (const m of host.Mounts ?? []) out.push({ ReadOnly: false, ...m });
  return out.sort(byKey((m) => m.Target));
}

function normalizeContainer(c: ContainerInspect, project: string, separator: string): Json {
  const service = c.Config.Labels["com.docker.compose.service"];
  const config = { ...c.Config };
  const host = { ...c.HostConfig };
  // Compose v2 always creates with AttachStdout/AttachStderr true (as `docker compose up` attaches);
  // docker-compose 1.29 with -d creates them false. Nothing attaches to a detached container.
  delete config.AttachStdout;
  delete config.AttachStderr;
  config.Labels = userLabels(config.Labels);
  // Env order is each tool's map iteration order (v2 sorts); the engine does not care.
  config.Env = [...(config.Env ?? [])].sort();
  // A port set maps keys to {}: keep the keys, which dropEmpty would otherwise discard.
  config.ExposedPorts = Object.fromEntries(
    Object.keys(config.ExposedPorts ?? {})
      .sort()
      .map((p) => [p, true]),
  );
  // docker-compose 1.29 also lists every mount target in Config.Volumes (the image-VOLUME field);
  // Compose v2 leaves it empty and the mounts themselves are compared below.
  delete config.Volumes;
  // Binds/Mounts compared together in one shape (see mountSpecs).
  const specs = mountSpecs(host);
  delete host.Binds;
  delete host.Mounts;
  // Compose v2 ranges over a Go map: ulimit order is random there too.
  host.Ulimits = [...(host.Ulimits ?? [])].sort(byKey((u) => u.Name));
  const networks: Record<string, unknown> = {};
  for (const [name, ep] of Object.entries(c.NetworkSettings?.Networks ?? {})) {
    networks[name] = {
      // Compose v2 also aliases the container name on every network (checked separately); 1.29
      // does not. The engine adds the short container id on API < 1.44 for both.
      Aliases: [...(ep.Aliases ?? [])].filter((a) => a !== c.Name.slice(1) && a !== c.Id.slice(0, 12)).sort(),
      IPAMConfig: ep.IPAMConfig,
      Links: ep.Links,
      DriverOpts: ep.DriverOpts,
      // Dynamic addresses differ between any two deployments; configured ones must be the same.
      IPAddress: ep.IPAMConfig?.IPv4Address ? ep.IPAddress : undefined,
      MacAddress: config.MacAddress ? ep.MacAddress : undefined,
    };
  }
  const ephemeral = new Set(
    Object.entries(host.PortBindings ?? {})
      .filter(([, bindings]) => bindings.some((b) => !b.HostPort))
      .map(([port]) => port),
  );
  const ports = Object.fromEntries(
    Object.entries(c.NetworkSettings?.Ports ?? {}).map(([port, bindings]) => [
      port,
      (bindings ?? []).map((b) => ({ HostIp: b.HostIp, HostPort: ephemeral.has(port) ? "<ephemeral>" : b.HostPort })),
    ]),
  );
  const value = {
    Name: c.Name,
    Path: c.Path,
    Args: c.Args,
    Image: c.Image,
    Config: config,
    HostConfig: host,
    MountSpecs: specs,
    // Mode is how the mount was asked for ("rw"/"ro" through Binds, "z"/"" through the Mount API).
    Mounts: [...(c.Mounts ?? [])].map(({ Mode: _mode, ...m }) => m).sort(byKey((m) => String(m.Destination))),
    Networks: networks,
    Ports: ports,
  };
  // docker-compose 1.29 names containers project_service_1, Compose v2 project-service-1.
  const containerName = `${project}${separator}${service}${separator}1`;
  return canonical(value, [
    [c.Id, "<id>"],
    [c.Id.slice(0, 12), "<id>"],
    [containerName, `${PLACEHOLDER}-${service}-1`],
    [project, PLACEHOLDER],
  ]);
}

function normalizeNetwork(n: NetworkInspect, project: string, model: Project): [string, Json] {
  const key = n.Labels?.["com.docker.compose.network"] ?? n.Name;
  const declaresSubnet = Boolean(model.networks?.[key]?.ipam?.config?.length);
  const value = {
    Name: n.Name,
    Driver: n.Driver,
    Scope: n.Scope,
    EnableIPv6: n.EnableIPv6,
    Internal: n.Internal,
    // Attachable is left out: docker-compose 1.29 creates every network attachable, Compose v2
    // only those declared `attachable: true`.
    Ingress: n.Ingress,
    ConfigOnly: n.ConfigOnly,
    Options: n.Options,
    Labels: userLabels(n.Labels),
    // A pool-allocated subnet differs between any two networks; a declared one must match.
    IPAM: declaresSubnet ? n.IPAM : { Driver: n.IPAM?.Driver },
  };
  return [key, canonical(value, [[project, PLACEHOLDER]])];
}

function normalizeVolume(v: VolumeInspect, project: string): [string, Json] {
  const key = v.Labels?.["com.docker.compose.volume"] ?? v.Name;
  const value = { Name: v.Name, Driver: v.Driver, Scope: v.Scope, Options: v.Options, Labels: userLabels(v.Labels) };
  return [key, canonical(value, [[project, PLACEHOLDER]])];
}

function inspectContainers(project: string): ContainerInspect[] {
  return dockerJson<ContainerInspect>(["inspect", ...listIds("ps", project)]);
}

function snapshot(project: string, separator: string, model: Project): Snapshot {
  const networks = dockerJson<NetworkInspect>(["network", "inspect", ...listIds("network ls", project)]);
  const volumes = dockerJson<VolumeInspect>(["volume", "inspect", ...listIds("volume ls", project)]);
  return {
    containers: Object.fromEntries(
      inspectContainers(project).map((c) => [
        c.Config.Labels["com.docker.compose.service"],
        normalizeContainer(c, project, separator),
      ]),
    ),
    networks: Object.fromEntries(networks.map((n) => normalizeNetwork(n, project, model))),
    volumes: Object.fromEntries(volumes.map((v) => normalizeVolume(v, project))),
  };
}

async function loadFixture(name: string) {
  return loadProject({ files: [FIXTURE], projectName: name, environment: toolEnvironment() });
}

describe.skipIf(!engineReady || !composeAvailable())("parity with docker-compose", () => {
  afterAll(async () => {
    try {
      dockerCompose(["down", "-v", "--timeout", "1"]);
    } catch {
      // already gone, or compose failed: purge below removes what is left
    }
    await purge(A);
    await purge(B);
    (await engine()).close();
  });

  it("deploys containers, networks and volumes that inspect the same as docker-compose's", async () => {
    const model = (await loadFixture(A)).project;
    dockerCompose(["up", "-d"]);
    const expected = snapshot(A, "_", model);
    dockerCompose(["down", "-v", "--timeout", "1"]);

    const loaded = await loadFixture(B);
    const e = await engine();
    const deployed = await deploy(loaded.project, {
      engine: e,
      workingDir: loaded.workingDir,
      configFiles: loaded.configFiles,
      environment: toolEnvironment(),
    });
    expect(deployed.result.errors).toEqual([]);
    const actual = snapshot(B, "-", loaded.project);
    // What the alias normalization hides for 1.29's sake must still hold for c2ts: Compose v2
    // aliases the container name on every network.
    for (const c of inspectContainers(B)) {
      for (const [network, ep] of Object.entries(c.NetworkSettings?.Networks ?? {})) {
        expect(ep.Aliases, `${c.Name} on ${network}`).toContain(c.Name.slice(1));
      }
    }
    const removed = await down(loaded.project, { engine: e, volumes: true, stopTimeout: 1 });
    expect(removed.result.ok).toBe(true);
    expect(listIds("ps", B)).toEqual([]);

    // The comparison is only meaningful if the fixture's features reached the engine.
    expect(Object.keys(expected.containers).sort()).toEqual(["db", "web", "worker"]);
    expect(expected.containers.web).toMatchObject({
      Networks: { [`${PLACEHOLDER}_back`]: { IPAddress: "10.213.47.20" } },
      HostConfig: { Sysctls: { "net.core.somaxconn": "1024" }, Init: true },
    });
    expect(Object.keys(expected.networks).sort()).toEqual(["back", "default", "front"]);

    for (const service of Object.keys(expected.containers)) {
      expect(actual.containers[service], `container of service ${service}`).toEqual(expected.containers[service]);
    }
    expect(actual.networks).toEqual(expected.networks);
    expect(actual.volumes).toEqual(expected.volumes);
  }, 120_000);
});
