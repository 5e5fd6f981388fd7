/** Where `deploy` puts a node's Traefik file: the dynamic directory its Traefik container mounts. */
import { describe, expect, it } from "vitest";
import { dynamicDirectoryOf } from "../../src/proxy/deliver.js";
import type { ContainerInspect, ContainerMount } from "../../src/runtime/engine.js";

const mount = (Destination: string, RW = true): ContainerMount => ({
  Type: "bind",
  Source: `/srv${Destination}`,
  Destination,
  RW,
});

function container(
  mounts: ContainerMount[],
  config: { Cmd?: string[]; Env?: string[]; Labels?: Record<string, string> } = {},
): ContainerInspect {
  return {
    Id: "id",
    Name: "/traefik",
    Image: "sha256:x",
    State: { Status: "running", Running: true, ExitCode: 0 },
    Config: { ...config },
    Mounts: mounts,
  };
}

describe("dynamicDirectoryOf", () => {
  it("takes the one mount named dynamic", () => {
    expect(dynamicDirectoryOf(container([mount("/letsencrypt"), mount("/etc/traefik/dynamic")]))).toEqual({
      dir: "/etc/traefik/dynamic",
    });
  });

  it("prefers --providers.file.directory (either form) and the environment, inside a mounted directory", () => {
    const mounts = [mount("/config"), mount("/x/dynamic")];
    expect(dynamicDirectoryOf(container(mounts, { Cmd: ["--providers.file.directory=/config/rules/"] }))).toEqual({
      dir: "/config/rules",
    });
    expect(dynamicDirectoryOf(container(mounts, { Cmd: ["--providers.file.directory", "/config"] }))).toEqual({
      dir: "/config",
    });
    expect(dynamicDirectoryOf(container(mounts, { Env: ["TRAEFIK_PROVIDERS_FILE_DIRECTORY=/config/d"] }))).toEqual({
      dir: "/config/d",
    });
  });

  it("the c2ts.proxy.dynamic label wins over everything", () => {
    const c = container([mount("/a"), mount("/b/dynamic")], {
      Cmd: ["--providers.file.directory=/b/dynamic"],
      Labels: { "c2ts.proxy.dynamic": "/a" },
    });
    expect(dynamicDirectoryOf(c)).toEqual({ dir: "/a" });
  });

  it.each([
    ["no dynamic mount", container([mount("/letsencrypt")]), /mounts no directory named "dynamic"/],
    ["two dynamic mounts", container([mount("/a/dynamic"), mount("/b/dynamic")]), /several "dynamic" directories/],
    [
      "a provider directory outside every mount",
      container([mount("/x/dynamic")], { Cmd: ["--providers.file.directory=/etc/rules"] }),
      /\/etc\/rules is not a mounted directory/,
    ],
    ["a read-only mount", container([mount("/etc/traefik/dynamic", false)]), /is mounted read-only/],
  ])("refuses %s, saying why", (_what, c, reason) => {
    const r = dynamicDirectoryOf(c);
    expect("reason" in r && r.reason).toMatch(reason);
  });
});
