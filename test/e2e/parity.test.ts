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
      timeout: 90_000,
    });
  } catch (e) {
    const err = e as { stderr?: Buffer; message: string };
    throw new Error(`docker-compose ${args.join(" ")} failed: ${err.stderr?.toString() ?? err.message}`);
  }
}

function dockerJson(args: string[]): Array<Record<string, unknown>> {
  return JSON.parse(execFileSync("docker", args, { encoding: "utf8" })) as Array<Record<string, unknown>>;
}

function listIds(kind: "ps" | "network ls" | "volume ls", project: string): string[] {
  const args = [...kind.split(" "), ...(kind === "ps" ? ["-a"] : []), "-q", "--filter", `label=com.docker.compose.project=${project}`];
  return execFileSync("docker", args, { encoding: "utf8" }).split("\n").filter(Boolean);
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

interface Snapshot {
  containers: Record<string, Json>;
  networks: Record<string, Json>;
  volumes: Record<string, Json>;
}

/** Replace every occurrence of `from` in every string of a JSON value. */
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
    const out = value.map(dropEmpty).filter((v) => v !== undefined) as Json[];
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

interface MountSpec {
  Type: string;
  Source?: string;
  Target: string;
  ReadOnly?: boolean;
  [k: string]: unknown;
}

/**
 * HostConfig.Binds and HostConfig.Mounts as one list of mount specs. docker-compose 1.29 puts named
 * volumes in Binds (`vol:/path:rw`); Compose v2 only uses Binds for plain bind mounts and the Mount
 * API for volumes. The engine does the same either way, so both are compared in one shape.
 */
function mountSpecs(host: Record<string, unknown>): MountSpec[] {
  const out: MountSpec[] = [];
  for (const bind of (host.Binds as string[] | null) ?? []) {
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
  for (const m of (host.Mounts as MountSpec[] | null) ?? []) out.push({ ReadOnly: false, ...m });
  return out.sort(byKey((m) => m.Target));
}

function normalizeContainer(c: Record<string, any>, project: string, separator: string): Json {
  const service = c.Config.Labels["com.docker.compose.service"] as string;
  const config = { ...c.Config };
  const host = { ...c.HostConfig };
  // Compose v2 always creates with AttachStdout/AttachStderr true (as `docker compose up` attaches);
  // docker-compose 1.29 with -d creates them false. Only matters to `docker attach`-less start.
  delete config.AttachStdout;
  delete config.AttachStderr;
  config.Labels = userLabels(config.Labels);
  // Port and volume sets map keys to {}: keep the keys, which dropEmpty would otherwise discard.
  config.ExposedPorts = Object.keys(config.ExposedPorts ?? {}).sort();
  config.Volumes = Object.keys(config.Volumes ?? {}).sort();
  // Env order is each tool's map iteration order (v2 sorts); the engine does not care.
  config.Env = [...(config.Env ?? [])].sort();
  // Binds/Mounts compared together in one shape (see mountSpecs).
  const specs = mountSpecs(host);
  delete host.Binds;
  delete host.Mounts;
  // Compose v2 ranges over a Go map: ulimit order is random there too.
  host.Ulimits = [...(host.Ulimits ?? [])].sort(byKey((u: { Name: string }) => u.Name));
  const networks: Record<string, Json> = {};
  for (const [name, ep] of Object.entries((c.NetworkSettings?.Networks ?? {}) as Record<string, any>)) {
    const staticIp = ep.IPAMConfig?.IPv4Address as string | undefined;
    networks[name] = {
      // Compose v2 also aliases the container name on every network; 1.29 does not. The engine adds
      // the short container id on API < 1.44 for both.
      Aliases: [...(ep.Aliases ?? [])]
        .filter((a: string) => a !== c.Name.slice(1) && a !== c.Id.slice(0, 12))
        .sort(),
      IPAMConfig: ep.IPAMConfig,
      Links: ep.Links,
      DriverOpts: ep.DriverOpts,
      // Dynamic addresses differ between any two deployments; a configured one must be the same.
      IPAddress: staticIp ? ep.IPAddress : undefined,
      MacAddress: config.MacAddress ? ep.MacAddress : undefined,
    };
  }
  const ephemeral = new Set(
    Object.entries((host.PortBindings ?? {}) as Record<string, Array<{ HostPort: string }>>)
      .filter(([, bindings]) => bindings.some((b) => !b.HostPort))
      .map(([port]) => port),
  );
  const ports = Object.fromEntries(
    Object.entries((c.NetworkSettings?.Ports ?? {}) as Record<string, Array<{ HostIp: string; HostPort: string }> | null>).map(
      ([port, bindings]) => [
        port,
        (bindings ?? []).map((b) => ({ HostIp: b.HostIp, HostPort: ephemeral.has(port) ? "<ephemeral>" : b.HostPort })),
      ],
    ),
  );
  const value: Json = {
    Name: c.Name,
    Path: c.Path,
    Args: c.Args,
    Image: c.Image,
    Config: config,
    HostConfig: host,
    MountSpecs: specs as unknown as Json,
    // Mode is how the mount was asked for ("rw"/"ro" through Binds, "z"/"" through the Mount API).
    Mounts: [...(c.Mounts ?? [])]
      .map(({ Mode: _mode, ...m }: Record<string, unknown>) => m)
      .sort(byKey((m: Record<string, unknown>) => String(m.Destination))),
    Networks: networks,
    Ports: ports,
  };
  // docker-compose 1.29 names containers project_service_1, Compose v2 project-service-1.
  const containerName = `${project}${separator}${service}${separator}1`;
  return dropEmpty(
    replaceStrings(value, [
      [c.Id, "<id>"],
      [c.Id.slice(0, 12), "<id>"],
      [containerName, `${PLACEHOLDER}-${service}-1`],
      [project, PLACEHOLDER],
    ]),
  ) as Json;
}

function normalizeNetwork(n: Record<string, any>, project: string, model: Project): [string, Json] {
  const key = n.Labels?.["com.docker.compose.network"] as string;
  const declaresSubnet = Boolean(model.networks?.[key]?.ipam?.config?.length);
  const value: Json = {
    Name: n.Name,
    Driver: n.Driver,
    Scope: n.Scope,
    EnableIPv6: n.EnableIPv6,
    Internal: n.Internal,
    // docker-compose 1.29 creates every network attachable; Compose v2 only when `attachable: true`.
    Ingress: n.Ingress,
    ConfigOnly: n.ConfigOnly,
    Options: n.Options,
    Labels: userLabels(n.Labels),
    // A pool-allocated subnet differs between any two networks; a declared one must match.
    IPAM: declaresSubnet ? n.IPAM : { Driver: n.IPAM?.Driver },
  };
  return [key, dropEmpty(replaceStrings(value, [[project, PLACEHOLDER]])) as Json];
}

function normalizeVolume(v: Record<string, any>, project: string): [string, Json] {
  const key = v.Labels?.["com.docker.compose.volume"] as string;
  const value: Json = {
    Name: v.Name,
    Driver: v.Driver,
    Scope: v.Scope,
    Options: v.Options,
    Labels: userLabels(v.Labels),
  };
  return [key, dropEmpty(replaceStrings(value, [[project, PLACEHOLDER]])) as Json];
}

function snapshot(project: string, separator: string, model: Project): Snapshot {
  const containers = dockerJson(["inspect", ...listIds("ps", project)]) as Array<Record<string, any>>;
  const networks = dockerJson(["network", "inspect", ...listIds("network ls", project)]);
  const volumes = dockerJson(["volume", "inspect", ...listIds("volume ls", project)]);
  return {
    containers: Object.fromEntries(
      containers.map((c) => [c.Config.Labels["com.docker.compose.service"], normalizeContainer(c, project, separator)]),
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
    (await import("node:fs")).writeFileSync("/tmp/parity/snap.json", JSON.stringify({ expected, actual }, null, 1));
    const removed = await down(loaded.project, { engine: e, volumes: true, stopTimeout: 1 });
    expect(removed.result.ok).toBe(true);
    expect(listIds("ps", B)).toEqual([]);

    // The comparison is only meaningful if the fixture's features reached the engine.
    const web = expected.containers.web as Record<string, any>;
    expect(Object.keys(expected.containers).sort()).toEqual(["db", "web", "worker"]);
    expect(web.Networks[`${PLACEHOLDER}_back`].IPAddress).toBe("10.213.47.20");
    expect(web.HostConfig.Sysctls).toEqual({ "net.core.somaxconn": "1024" });
    expect(Object.keys(expected.networks).sort()).toEqual(["back", "default", "front"]);

    for (const service of Object.keys(expected.containers)) {
      expect(actual.containers[service], `container of service ${service}`).toEqual(expected.containers[service]);
    }
    expect(actual.networks).toEqual(expected.networks);
    expect(actual.volumes).toEqual(expected.volumes);
  }, 120_000);
});
