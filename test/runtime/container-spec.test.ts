import { describe, expect, it } from "vitest";
import { buildContainerSpec, networksByPriority, type SpecContext } from "../../src/runtime/container-spec.js";
import { proj, svc } from "./fixtures.js";
import type { Project } from "../../src/compose/model.js";

function ctx(project: Project, service: string, extra: Partial<SpecContext> = {}): SpecContext {
  return {
    project,
    service,
    number: 1,
    apiVersion: "1.41",
    configHash: "hash123",
    composeHash: "composehash456",
    workingDir: "/srv/app",
    configFiles: ["/srv/app/compose.yaml", "/srv/app/compose.override.yaml"],
    composeVersion: "0.1.0",
    serviceContainers: {},
    environment: {},
    ...extra,
  };
}

describe("buildContainerSpec", () => {
  it("names the container and writes Compose's labels", () => {
    const p = proj({
      web: svc({
        labels: { "x.custom": "1" },
        depends_on: {
          db: { condition: "service_healthy", required: true, restart: true },
          cache: { condition: "service_started", required: true },
        },
      }),
      db: svc(),
      cache: svc(),
    });
    const { create } = buildContainerSpec(ctx(p, "web", { imageDigest: "sha256:abc", number: 2 }));
    expect(create.name).toBe("demo-web-2");
    expect(create.Image).toBe("busybox:latest");
    expect(create.Labels).toEqual({
      "x.custom": "1",
      "com.docker.compose.project": "demo",
      "com.docker.compose.service": "web",
      "com.docker.compose.version": "0.1.0",
      "com.docker.compose.project.working_dir": "/srv/app",
      "com.docker.compose.project.config_files": "/srv/app/compose.yaml,/srv/app/compose.override.yaml",
      "com.docker.compose.oneoff": "False",
      "com.docker.compose.container-number": "2",
      "com.docker.compose.config-hash": "composehash456",
      "dev.c2ts.config-hash": "hash123",
      "com.docker.compose.depends_on": "cache:service_started:false,db:service_healthy:true",
      "com.docker.compose.image": "sha256:abc",
    });
  });

  it("uses container_name and the project-service default image for build-only services", () => {
    const p = proj({ api: svc({ image: undefined, container_name: "my-api", build: { context: "/x" } }) });
    const { create } = buildContainerSpec(ctx(p, "api"));
    expect(create.name).toBe("my-api");
    expect(create.Image).toBe("demo-api");
  });

  it("maps command, entrypoint, sorted env with bare keys for unset values, user, workdir, stop settings", () => {
    const p = proj({
      web: svc({
        command: ["node", "server.js"],
        entrypoint: ["tini", "--"],
        environment: { ZED: "z", ALPHA: "a", UNSET: null, EMPTY: "" },
        user: "1000:1000",
        working_dir: "/app",
        hostname: "web",
        domainname: "example.com",
        stop_signal: "SIGINT",
        stop_grace_period: "1m30s",
        tty: true,
        stdin_open: true,
      }),
    });
    const { create } = buildContainerSpec(ctx(p, "web"));
    expect(create.Cmd).toEqual(["node", "server.js"]);
    expect(create.Entrypoint).toEqual(["tini", "--"]);
    expect(create.Env).toEqual(["ALPHA=a", "EMPTY=", "UNSET", "ZED=z"]);
    expect(create.User).toBe("1000:1000");
    expect(create.WorkingDir).toBe("/app");
    expect(create.Hostname).toBe("web");
    expect(create.Domainname).toBe("example.com");
    expect(create.StopSignal).toBe("SIGINT");
    expect(create.StopTimeout).toBe(90);
    expect(create.Tty).toBe(true);
    expect(create.OpenStdin).toBe(true);
  });

  it("maps ports with ranges, host IPs and protocols, and expands expose ranges", () => {
    const p = proj({
      web: svc({
        ports: [
          { mode: "ingress", target: 80, published: "8080", protocol: "tcp" },
          { mode: "ingress", target: 80, published: "8081", protocol: "tcp", host_ip: "127.0.0.1" },
          { mode: "ingress", target: 53, published: "5353", protocol: "udp" },
          { mode: "ingress", target: 9000, published: "9000-9010", protocol: "tcp" },
          { mode: "ingress", target: 3000, protocol: "tcp" },
        ],
        expose: ["7000-7002/udp", "6000"],
      }),
    });
    const { create } = buildContainerSpec(ctx(p, "web"));
    expect(Object.keys(create.ExposedPorts!).sort()).toEqual([
      "3000/tcp",
      "53/udp",
      "6000/tcp",
      "7000/udp",
      "7001/udp",
      "7002/udp",
      "80/tcp",
      "9000/tcp",
    ]);
    expect(create.HostConfig.PortBindings).toEqual({
      "80/tcp": [
        { HostIp: "", HostPort: "8080" },
        { HostIp: "127.0.0.1", HostPort: "8081" },
      ],
      "53/udp": [{ HostIp: "", HostPort: "5353" }],
      "9000/tcp": [{ HostIp: "", HostPort: "9000-9010" }],
      "3000/tcp": [{ HostIp: "", HostPort: "" }],
    });
  });

  it("uses Binds for plain bind mounts and Mounts for volumes, tmpfs and binds needing mount options", () => {
    const p = proj(
      {
        web: svc({
          volumes: [
            {
              type: "bind",
              source: "/srv/conf",
              target: "/etc/conf",
              read_only: true,
              bind: { create_host_path: true, selinux: "z" },
            },
            { type: "bind", source: "/srv/data", target: "/data" },
            { type: "bind", source: "/srv/strict", target: "/strict", bind: { create_host_path: false } },
            { type: "bind", source: "/mnt", target: "/mnt", bind: { create_host_path: true, propagation: "rshared" } },
            { type: "volume", source: "db", target: "/var/lib/db", volume: { nocopy: true } },
            { type: "volume", target: "/anon" },
            { type: "tmpfs", target: "/cache", tmpfs: { size: 1048576, mode: 0o1777 } },
          ],
          tmpfs: ["/run:size=64k", "/tmp"],
        }),
      },
      { volumes: { db: { name: "demo_db" } } },
    );
    const { create, warnings } = buildContainerSpec(ctx(p, "web"));
    expect(warnings).toEqual([]);
    expect(create.HostConfig.Binds).toEqual(["/srv/conf:/etc/conf:ro,z", "/srv/data:/data:rw"]);
    expect(create.HostConfig.Mounts).toEqual([
      { Type: "bind", Source: "/srv/strict", Target: "/strict" },
      { Type: "bind", Source: "/mnt", Target: "/mnt", BindOptions: { Propagation: "rshared", CreateMountpoint: true } },
      { Type: "volume", Source: "demo_db", Target: "/var/lib/db", VolumeOptions: { NoCopy: true } },
      { Type: "volume", Target: "/anon" },
      { Type: "tmpfs", Target: "/cache", TmpfsOptions: { SizeBytes: 1048576, Mode: 0o1777 } },
    ]);
    expect(create.HostConfig.Tmpfs).toEqual({ "/run": "size=64k", "/tmp": "" });
  });

  it("carries anonymous volumes of the replaced container over, including image VOLUMEs", () => {
    const p = proj({ db: svc({ volumes: [{ type: "volume", target: "/anon" }] }) });
    const { create } = buildContainerSpec(
      ctx(p, "db", {
        inherit: {
          id: "old",
          imageVolumes: ["/var/lib/data"],
          mounts: [
            {
              Type: "volume",
              Name: "abc123",
              Source: "/var/lib/docker/volumes/abc123/_data",
              Destination: "/anon",
              RW: true,
            },
            { Type: "volume", Name: "def456", Source: "", Destination: "/var/lib/data", RW: true },
            { Type: "bind", Source: "/x", Destination: "/x", RW: true },
          ],
        },
      }),
    );
    expect(create.HostConfig.Mounts).toEqual([
      { Type: "volume", Source: "abc123", Target: "/anon" },
      { Type: "volume", Source: "def456", Target: "/var/lib/data" },
    ]);
    expect(create.Labels!["com.docker.compose.replace"]).toBe("old");
  });

  it("puts the highest-priority network first with aliases and IPs; older engines connect the rest after create", () => {
    const p = proj(
      {
        web: svc({
          networks: {
            back: { aliases: ["api"], ipv4_address: "10.5.0.9", priority: 10 },
            front: null,
            admin: { priority: 1 },
          },
          links: ["db:database"],
          mac_address: "02:42:ac:11:00:02",
        }),
        db: svc(),
      },
      {
        networks: {
          default: { name: "demo_default", ipam: {} },
          back: { name: "demo_back", ipam: {} },
          front: { name: "demo_front", ipam: {} },
          admin: { name: "corp-admin", ipam: {}, external: true },
        },
      },
    );
    expect(networksByPriority(p.services.web)).toEqual(["back", "admin", "front"]);
    const spec = buildContainerSpec(ctx(p, "web", { serviceContainers: { db: ["demo-db-1"] } }));
    expect(spec.create.HostConfig.NetworkMode).toBe("demo_back");
    expect(spec.create.NetworkingConfig).toEqual({
      EndpointsConfig: {
        demo_back: {
          Aliases: ["demo-web-1", "web", "api"],
          Links: ["demo-db-1:database"],
          IPAMConfig: { IPv4Address: "10.5.0.9" },
        },
      },
    });
    expect(spec.create.MacAddress).toBe("02:42:ac:11:00:02");
    expect(spec.connect).toEqual([
      { network: "corp-admin", endpoint: { Aliases: ["demo-web-1", "web"], Links: ["demo-db-1:database"] } },
      { network: "demo_front", endpoint: { Aliases: ["demo-web-1", "web"], Links: ["demo-db-1:database"] } },
    ]);
    expect(spec.create.HostConfig.Links).toEqual(["demo-db-1:database"]);

    const modern = buildContainerSpec(ctx(p, "web", { apiVersion: "1.44", serviceContainers: { db: ["demo-db-1"] } }));
    expect(modern.connect).toEqual([]);
    expect(Object.keys(modern.create.NetworkingConfig!.EndpointsConfig)).toEqual([
      "demo_back",
      "corp-admin",
      "demo_front",
    ]);
    expect(modern.create.MacAddress).toBeUndefined();
    expect(modern.create.NetworkingConfig!.EndpointsConfig.demo_back.MacAddress).toBe("02:42:ac:11:00:02");
  });

  it("resolves service: references in network_mode, ipc, pid and volumes_from to containers", () => {
    const p = proj({
      vpn: svc(),
      app: svc({
        network_mode: "service:vpn",
        networks: undefined,
        ipc: "service:vpn",
        pid: "host",
        volumes_from: ["vpn:ro", "container:legacy:rw"],
      }),
      solo: svc({ network_mode: "none", networks: undefined }),
    });
    const { create } = buildContainerSpec(ctx(p, "app", { serviceContainers: { vpn: ["demo-vpn-1"] } }));
    expect(create.HostConfig.NetworkMode).toBe("container:demo-vpn-1");
    expect(create.NetworkingConfig).toBeUndefined();
    expect(create.HostConfig.IpcMode).toBe("container:demo-vpn-1");
    expect(create.HostConfig.PidMode).toBe("host");
    expect(create.HostConfig.VolumesFrom).toEqual(["demo-vpn-1:ro", "legacy:rw"]);
    expect(buildContainerSpec(ctx(p, "solo")).create.HostConfig.NetworkMode).toBe("none");
    expect(() => buildContainerSpec(ctx(p, "app"))).toThrow(/container missing/);
  });

  it("maps healthchecks to nanoseconds and warns about what the engine API cannot take", () => {
    const p = proj({
      web: svc({
        healthcheck: {
          test: ["CMD-SHELL", "curl -f localhost"],
          interval: "1m30s",
          timeout: "500ms",
          retries: 3,
          start_period: "10s",
          start_interval: "1s",
        },
      }),
      off: svc({ healthcheck: { disable: true } }),
    });
    const old = buildContainerSpec(ctx(p, "web"));
    expect(old.create.Healthcheck).toEqual({
      Test: ["CMD-SHELL", "curl -f localhost"],
      Interval: 90e9,
      Timeout: 5e8,
      Retries: 3,
      StartPeriod: 10e9,
    });
    expect(old.warnings).toEqual([
      'service "web": healthcheck.start_interval needs Engine API 1.44 (engine speaks 1.41); ignored',
    ]);
    const modern = buildContainerSpec(ctx(p, "web", { apiVersion: "1.44" }));
    expect(modern.create.Healthcheck!.StartInterval).toBe(1e9);
    expect(modern.warnings).toEqual([]);
    expect(buildContainerSpec(ctx(p, "off")).create.Healthcheck).toEqual({ Test: ["NONE"] });
  });

  it("maps runtime options, restart policies and resources", () => {
    const p = proj({
      web: svc({
        restart: "on-failure:3",
        init: true,
        privileged: true,
        read_only: true,
        cap_add: ["NET_ADMIN"],
        cap_drop: ["ALL"],
        dns: ["1.1.1.1"],
        dns_search: ["corp"],
        dns_opt: ["ndots:1"],
        extra_hosts: { "host.docker.internal": ["host-gateway"], db: ["10.0.0.2", "::1"] },
        security_opt: ["no-new-privileges:true", "systempaths=unconfined"],
        sysctls: { "net.core.somaxconn": "1024" },
        ulimits: { nproc: { single: 65535 }, nofile: { soft: 20000, hard: 40000 } },
        shm_size: 67108864,
        pids_limit: 100,
        mem_limit: 536870912,
        cpus: 1.5,
        devices: [
          { source: "/dev/fuse", target: "/dev/fuse", permissions: "rwm" },
          { source: "vendor.com/gpu=all", target: "vendor.com/gpu=all" },
        ],
        logging: { driver: "json-file", options: { "max-size": "10m" } },
        pid: "host",
        userns_mode: "host",
        group_add: ["audio"],
        deploy: {
          resources: {
            limits: { cpus: "0.5", memory: 268435456, pids: 50 },
            reservations: { memory: 134217728, cpus: "0.25" },
          },
        },
      }),
    });
    const { create, warnings } = buildContainerSpec(ctx(p, "web"));
    const h = create.HostConfig;
    expect(h.RestartPolicy).toEqual({ Name: "on-failure", MaximumRetryCount: 3 });
    expect(h.Init).toBe(true);
    expect(h.Privileged).toBe(true);
    expect(h.ReadonlyRootfs).toBe(true);
    expect(h.CapAdd).toEqual(["NET_ADMIN"]);
    expect(h.CapDrop).toEqual(["ALL"]);
    expect(h.Dns).toEqual(["1.1.1.1"]);
    expect(h.DnsSearch).toEqual(["corp"]);
    expect(h.DnsOptions).toEqual(["ndots:1"]);
    expect(h.ExtraHosts).toEqual(["host.docker.internal:host-gateway", "db:10.0.0.2", "db:::1"]);
    expect(h.SecurityOpt).toEqual(["no-new-privileges:true"]);
    expect(h.MaskedPaths).toEqual([]);
    expect(h.Sysctls).toEqual({ "net.core.somaxconn": "1024" });
    expect(h.Ulimits).toEqual([
      { Name: "nofile", Soft: 20000, Hard: 40000 },
      { Name: "nproc", Soft: 65535, Hard: 65535 },
    ]);
    expect(h.ShmSize).toBe(67108864);
    expect(h.Memory).toBe(268435456);
    expect(h.MemoryReservation).toBe(134217728);
    expect(h.NanoCpus).toBe(5e8);
    expect(h.PidsLimit).toBe(50);
    expect(h.Devices).toEqual([{ PathOnHost: "/dev/fuse", PathInContainer: "/dev/fuse", CgroupPermissions: "rwm" }]);
    expect(h.DeviceRequests).toEqual([{ Driver: "cdi", DeviceIDs: ["vendor.com/gpu=all"] }]);
    expect(h.LogConfig).toEqual({ Type: "json-file", Config: { "max-size": "10m" } });
    expect(h.PidMode).toBe("host");
    expect(h.UsernsMode).toBe("host");
    expect(h.GroupAdd).toEqual(["audio"]);
    expect(warnings).toEqual([
      'service "web": deploy.resources.reservations.cpus is a Swarm scheduling hint the engine cannot enforce; ignored',
    ]);
  });

  it("maps deploy.restart_policy over restart and warns about swarm-only deploy fields", () => {
    const p = proj({
      web: svc({
        restart: "always",
        deploy: {
          mode: "global",
          restart_policy: { condition: "any", max_attempts: 0 },
          placement: { constraints: [] },
        },
      }),
    });
    const { create, warnings } = buildContainerSpec(ctx(p, "web"));
    expect(create.HostConfig.RestartPolicy).toEqual({ Name: "always", MaximumRetryCount: 0 });
    expect(warnings).toEqual([
      'service "web": deploy.mode "global" is Swarm-only; deployed as replicated',
      'service "web": deploy.placement is Swarm-only; ignored',
    ]);
  });

  it("binds file secrets/configs read-only and copies content/environment ones with owner and mode", () => {
    const p = proj(
      {
        web: svc({
          secrets: [{ source: "db_pass" }, { source: "token", target: "tok" }],
          configs: [
            { source: "nginx", target: "/etc/nginx/nginx.conf" },
            { source: "inline", uid: "101", gid: "102", mode: 0o440 },
          ],
        }),
      },
      {
        secrets: {
          db_pass: { name: "demo_db_pass", file: "/srv/secrets/db.txt" },
          token: { name: "demo_token", environment: "TOKEN" },
        },
        configs: {
          nginx: { name: "demo_nginx", file: "/srv/nginx.conf" },
          inline: { name: "demo_inline", content: "hello" },
        },
      },
    );
    const spec = buildContainerSpec(ctx(p, "web", { environment: { TOKEN: "t0k" } }));
    expect(spec.create.HostConfig.Mounts).toEqual([
      { Type: "bind", Source: "/srv/secrets/db.txt", Target: "/run/secrets/db_pass", ReadOnly: true },
      { Type: "bind", Source: "/srv/nginx.conf", Target: "/etc/nginx/nginx.conf", ReadOnly: true },
    ]);
    expect(spec.copies).toEqual([
      { target: "/run/secrets/tok", content: "t0k", uid: 0, gid: 0, mode: 0o444 },
      { target: "/inline", content: "hello", uid: 101, gid: 102, mode: 0o440 },
    ]);
  });

  it("warns per service and field for what older engines cannot honour", () => {
    const p = proj(
      {
        web: svc({
          annotations: { a: "b" },
          volumes: [
            { type: "volume", source: "v", target: "/v", volume: { subpath: "sub" } },
            { type: "image", source: "alpine", target: "/img" },
          ],
          networks: { default: { gw_priority: 5 } },
          post_start: [{ command: ["echo"] }],
        }),
      },
      { volumes: { v: { name: "demo_v" } } },
    );
    const { create, warnings } = buildContainerSpec(ctx(p, "web"));
    expect(warnings).toEqual([
      'service "web": volumes[/v].volume.subpath needs Engine API 1.45 (engine speaks 1.41); ignored',
      'service "web": volumes[/img] of type image needs Engine API 1.48 (engine speaks 1.41); not mounted',
      'service "web": networks.default.gw_priority needs Engine API 1.48 (engine speaks 1.41); ignored',
      'service "web": annotations need Engine API 1.43 (engine speaks 1.41); ignored',
    ]);
    expect(create.HostConfig.Mounts).toEqual([{ Type: "volume", Source: "demo_v", Target: "/v" }]);
    expect(create.HostConfig.Annotations).toBeUndefined();
  });

  it("sends seccomp profiles by content, compacted, and warns when one cannot be read", () => {
    const p = proj({ web: svc({ security_opt: ["seccomp=./profile.json", "seccomp:unconfined", "apparmor=x"] }) });
    const withProfile = buildContainerSpec(
      ctx(p, "web", { seccompProfiles: { "./profile.json": '{\n  "defaultAction": "SCMP_ACT_ALLOW"\n}' } }),
    );
    expect(withProfile.create.HostConfig.SecurityOpt).toEqual([
      'seccomp={"defaultAction":"SCMP_ACT_ALLOW"}',
      "seccomp:unconfined",
      "apparmor=x",
    ]);
    expect(withProfile.warnings).toEqual([]);
    expect(buildContainerSpec(ctx(p, "web")).warnings).toEqual([
      'service "web": security_opt seccomp profile ./profile.json could not be read; passed through as written',
    ]);
  });
});
