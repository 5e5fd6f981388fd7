import { describe, expect, it } from "vitest";
import { convert, NS, warningsOf } from "./helpers.js";

describe("mounts", () => {
  it("named volumes carry the stack name, namespace label, driver and options", async () => {
    const stack = await convert(`
name: p
services:
  db:
    image: x
    volumes:
      - data:/var/lib/db
      - type: volume
        source: nfs
        target: /nfs
        read_only: true
        volume: { nocopy: true, subpath: sub }
      - type: volume
        source: ext
        target: /ext
volumes:
  data: { labels: { backup: daily } }
  nfs:
    driver: local
    driver_opts: { type: nfs, o: "addr=10.0.0.1", device: ":/export" }
  ext: { external: true, name: shared-data }
`);
    expect(stack.services.db!.TaskTemplate.ContainerSpec.Mounts).toEqual([
      {
        Type: "volume",
        Source: "p_data",
        Target: "/var/lib/db",
        VolumeOptions: { Labels: { backup: "daily", [NS]: "p" } },
      },
      {
        Type: "volume",
        Source: "p_nfs",
        Target: "/nfs",
        ReadOnly: true,
        VolumeOptions: {
          NoCopy: true,
          Subpath: "sub",
          Labels: { [NS]: "p" },
          DriverConfig: { Name: "local", Options: { type: "nfs", o: "addr=10.0.0.1", device: ":/export" } },
        },
      },
      { Type: "volume", Source: "shared-data", Target: "/ext", VolumeOptions: {} },
    ]);
  });

  it("a volume with an explicit name keeps it", async () => {
    const stack = await convert(`
name: p
services: { a: { image: x, volumes: ["vol:/v"] } }
volumes: { vol: { name: my-volume } }
`);
    expect(stack.services.a!.TaskTemplate.ContainerSpec.Mounts![0]!.Source).toBe("my-volume");
  });

  it("anonymous volumes, binds and tmpfs", async () => {
    const stack = await convert(`
services:
  a:
    image: x
    volumes:
      - /cache
      - type: bind
        source: /srv/conf
        target: /etc/app
        read_only: true
        bind: { propagation: rslave }
      - type: tmpfs
        target: /scratch
        tmpfs: { size: 1048576, mode: 493 }
    tmpfs: ["/run:size=64m,mode=1777", /tmp]
`);
    expect(stack.services.a!.TaskTemplate.ContainerSpec.Mounts).toEqual([
      { Type: "volume", Target: "/cache" },
      {
        Type: "bind",
        Source: "/srv/conf",
        Target: "/etc/app",
        ReadOnly: true,
        BindOptions: { Propagation: "rslave" },
      },
      { Type: "tmpfs", Target: "/scratch", TmpfsOptions: { SizeBytes: 1048576, Mode: 0o755 } },
      { Type: "tmpfs", Target: "/run", TmpfsOptions: { SizeBytes: 64 * 1024 * 1024, Mode: 0o1777 } },
      { Type: "tmpfs", Target: "/tmp" },
    ]);
    // Compose creates a missing bind source by default; Swarm fails the task instead.
    expect(warningsOf(stack, "a")).toEqual([
      "volumes[/etc/app].bind.create_host_path: Swarm does not create a missing host path: /srv/conf must exist on every node the service can run on",
    ]);
  });

  it("short-syntax binds warn that Swarm will not create the host path", async () => {
    const stack = await convert(`
services:
  a: { image: x, volumes: ["./conf:/conf:ro,z"] }
`);
    const m = stack.services.a!.TaskTemplate.ContainerSpec.Mounts![0]!;
    expect(m).toMatchObject({ Type: "bind", Target: "/conf", ReadOnly: true });
    expect(m.Source).toMatch(/\/proj\/conf$/);
    expect(warningsOf(stack, "a")).toEqual([
      `volumes[/conf].bind.create_host_path: Swarm does not create a missing host path: ${m.Source} must exist on every node the service can run on`,
      "volumes[/conf].bind.selinux: Swarm mounts cannot relabel for SELinux; ignored",
    ]);
  });

  it("drops what the engine API cannot take, with a warning", async () => {
    const stack = await convert(
      `
services:
  a:
    image: x
    volumes:
      - type: volume
        source: v
        target: /v
        volume: { subpath: s }
    tmpfs: ["/t:size=1k,noexec"]
volumes: { v: {} }
`,
      { apiVersion: "1.41" },
    );
    const mounts = stack.services.a!.TaskTemplate.ContainerSpec.Mounts!;
    expect(mounts[0]!.VolumeOptions!.Subpath).toBeUndefined();
    expect(mounts[1]).toEqual({ Type: "tmpfs", Target: "/t", TmpfsOptions: { SizeBytes: 1024 } });
    expect(warningsOf(stack, "a")).toEqual([
      "volumes[/v].volume.subpath: needs Engine API 1.45 for Swarm services (engine speaks 1.41); ignored",
      'tmpfs[/t]: option "noexec" cannot be set on a Swarm tmpfs mount; ignored',
    ]);
  });

  it("image mounts cannot be expressed", async () => {
    const stack = await convert(`
services:
  a:
    image: x
    volumes: [{ type: image, source: "alpine:3", target: /img }]
`);
    expect(stack.services.a!.TaskTemplate.ContainerSpec.Mounts).toBeUndefined();
    expect(warningsOf(stack, "a")).toEqual([
      "volumes[/img]: Swarm services cannot mount a volume of type image; not mounted",
    ]);
  });
});
