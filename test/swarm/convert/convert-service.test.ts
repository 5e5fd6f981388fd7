import { describe, expect, it } from "vitest";
import { UserError } from "../../../src/compose/errors.js";
import { convert, NS, warningsOf } from "./helpers.js";

describe("convertStack: whole service payloads", () => {
  it("a VIP service with an ingress port", async () => {
    const stack = await convert(`
name: shop
services:
  web:
    image: nginx:1.27
    ports: ["8080:80"]
    deploy:
      replicas: 3
`);
    expect(stack.services.web).toEqual({
      Name: "shop_web",
      Labels: { [NS]: "shop", "com.docker.stack.image": "nginx:1.27" },
      TaskTemplate: {
        ContainerSpec: { Image: "nginx:1.27", Labels: { [NS]: "shop" } },
        Networks: [{ Target: "shop_default", Aliases: ["web"] }],
      },
      Mode: { Replicated: { Replicas: 3 } },
      UpdateConfig: { Parallelism: 1, FailureAction: "rollback", Monitor: 5_000_000_000 },
      EndpointSpec: {
        Mode: "vip",
        Ports: [{ Protocol: "tcp", TargetPort: 80, PublishedPort: 8080, PublishMode: "ingress" }],
      },
    });
    expect(stack.networks).toEqual({
      default: {
        Name: "shop_default",
        Driver: "overlay",
        Options: { "com.docker.network.driver.mtu": "1230" },
        Labels: { [NS]: "shop" },
      },
    });
    expect(stack.warnings).toEqual([]);
  });

  it("a dnsrr service with a host-mode port", async () => {
    const stack = await convert(`
name: shop
services:
  api:
    image: c2ts-test/busybox:latest
    init: true
    command: ["httpd", "-f", "-p", "8000"]
    ports:
      - target: 8000
        published: "18000"
        mode: host
        protocol: udp
    deploy:
      endpoint_mode: dnsrr
      replicas: 2
`);
    expect(stack.services.api).toEqual({
      Name: "shop_api",
      Labels: { [NS]: "shop", "com.docker.stack.image": "c2ts-test/busybox:latest" },
      TaskTemplate: {
        ContainerSpec: {
          Image: "c2ts-test/busybox:latest",
          Labels: { [NS]: "shop" },
          Args: ["httpd", "-f", "-p", "8000"],
          Init: true,
        },
        Networks: [{ Target: "shop_default", Aliases: ["api"] }],
      },
      Mode: { Replicated: { Replicas: 2 } },
      UpdateConfig: { Parallelism: 1, FailureAction: "rollback", Monitor: 5_000_000_000 },
      EndpointSpec: {
        Mode: "dnsrr",
        Ports: [{ Protocol: "udp", TargetPort: 8000, PublishedPort: 18000, PublishMode: "host" }],
      },
    });
  });

  it("refuses an ingress port on a dnsrr service, naming service and field", async () => {
    await expect(
      convert(`
services:
  api:
    image: x
    ports: ["80:80"]
    deploy: { endpoint_mode: dnsrr }
`),
    ).rejects.toThrow(/service "api": ports: port 80 is published in ingress mode, which needs endpoint_mode vip/);
  });

  it("maps every container field the ContainerSpec has", async () => {
    const stack = await convert(`
name: p
services:
  app:
    image: app:1
    entrypoint: ["/entry.sh"]
    command: ["serve", "--port", "80"]
    environment: { B: "2", A: "1", EMPTY: "", UNSET: null }
    labels: { role: container }
    hostname: apphost
    user: "1000:1000"
    working_dir: /srv
    group_add: [audio, "44"]
    tty: true
    stdin_open: true
    read_only: true
    stop_signal: SIGINT
    stop_grace_period: 1m30s
    init: false
    isolation: default
    extra_hosts: ["db.local:10.0.0.5", "v6.local=::1"]
    dns: [1.1.1.1, 8.8.8.8]
    dns_search: [example.com]
    dns_opt: [ndots:2]
    sysctls: { net.core.somaxconn: "1024" }
    cap_add: [net_admin, CAP_SYS_TIME, NET_ADMIN]
    cap_drop: [mknod, sys_time]
    ulimits:
      nofile: { soft: 1024, hard: 2048 }
      nproc: 512
    oom_score_adj: 100
    logging: { driver: json-file, options: { max-size: 10m } }
    healthcheck:
      test: ["CMD", "wget", "-q", "http://localhost/health"]
      interval: 10s
      timeout: 2s
      retries: 4
      start_period: 30s
      start_interval: 1s
    deploy:
      labels: { role: service }
`);
    const svc = stack.services.app!;
    expect(svc.Labels).toEqual({ role: "service", [NS]: "p", "com.docker.stack.image": "app:1" });
    expect(svc.TaskTemplate.ContainerSpec).toEqual({
      Image: "app:1",
      Labels: { role: "container", [NS]: "p" },
      Command: ["/entry.sh"],
      Args: ["serve", "--port", "80"],
      Env: ["A=1", "B=2", "EMPTY=", "UNSET"],
      Hostname: "apphost",
      Dir: "/srv",
      User: "1000:1000",
      Groups: ["audio", "44"],
      TTY: true,
      OpenStdin: true,
      ReadOnly: true,
      StopSignal: "SIGINT",
      StopGracePeriod: 90_000_000_000,
      Init: false,
      Isolation: "default",
      Healthcheck: {
        Test: ["CMD", "wget", "-q", "http://localhost/health"],
        Interval: 10_000_000_000,
        Timeout: 2_000_000_000,
        Retries: 4,
        StartPeriod: 30_000_000_000,
        StartInterval: 1_000_000_000,
      },
      Hosts: ["10.0.0.5 db.local", "::1 v6.local"],
      DNSConfig: { Nameservers: ["1.1.1.1", "8.8.8.8"], Search: ["example.com"], Options: ["ndots:2"] },
      Sysctls: { "net.core.somaxconn": "1024" },
      CapabilityAdd: ["CAP_NET_ADMIN", "CAP_SYS_TIME"],
      CapabilityDrop: ["CAP_MKNOD"],
      Ulimits: [
        { Name: "nofile", Soft: 1024, Hard: 2048 },
        { Name: "nproc", Soft: 512, Hard: 512 },
      ],
      OomScoreAdj: 100,
    });
    expect(svc.TaskTemplate.LogDriver).toEqual({ Name: "json-file", Options: { "max-size": "10m" } });
    expect(warningsOf(stack, "app")).toEqual([]);
  });

  it("a disabled healthcheck is NONE", async () => {
    const stack = await convert(`
services:
  a: { image: x, healthcheck: { disable: true } }
`);
    expect(stack.services.a!.TaskTemplate.ContainerSpec.Healthcheck).toEqual({ Test: ["NONE"] });
  });

  it("ALL in cap_add replaces the other additions, and what is added is not dropped", async () => {
    const stack = await convert(`
services:
  a: { image: x, cap_add: [ALL, chown], cap_drop: [ALL] }
  b: { image: x, cap_add: [chown], cap_drop: [chown, kill] }
`);
    expect(stack.services.a!.TaskTemplate.ContainerSpec.CapabilityAdd).toEqual(["ALL"]);
    expect(stack.services.a!.TaskTemplate.ContainerSpec.CapabilityDrop).toBeUndefined();
    expect(stack.services.b!.TaskTemplate.ContainerSpec).toMatchObject({
      CapabilityAdd: ["CAP_CHOWN"],
      CapabilityDrop: ["CAP_KILL"],
    });
  });

  it("uses the caller's image (a content-hash build tag) for the task and the stack image label", async () => {
    const stack = await convert(
      `
name: p
services:
  built:
    build: .
  pulled:
    image: redis:7
`,
      { images: { built: "c2ts/p-built:3f2a9c" } },
    );
    expect(stack.services.built!.TaskTemplate.ContainerSpec.Image).toBe("c2ts/p-built:3f2a9c");
    expect(stack.services.built!.Labels["com.docker.stack.image"]).toBe("c2ts/p-built:3f2a9c");
    expect(stack.services.pulled!.TaskTemplate.ContainerSpec.Image).toBe("redis:7");
    expect(stack.warnings).toEqual([]);
  });

  it("warns when a build-only service gets no built image", async () => {
    const stack = await convert(`
name: p
services:
  built: { build: . }
`);
    expect(stack.services.built!.TaskTemplate.ContainerSpec.Image).toBe("p-built");
    expect(warningsOf(stack, "built")).toEqual([
      "build: Swarm cannot build; no built image was given, so the default image name is used",
    ]);
  });

  it("converts only the services asked for, and only their networks", async () => {
    const stack = await convert(
      `
name: p
services:
  a: { image: x, networks: [front] }
  b: { image: y, networks: [back] }
networks: { front: {}, back: {} }
`,
      { serviceNames: ["a"] },
    );
    expect(Object.keys(stack.services)).toEqual(["a"]);
    expect(Object.keys(stack.networks)).toEqual(["front"]);
  });

  it("names everything after the stack namespace, not the file's project name", async () => {
    const stack = await convert(
      `
name: p
services:
  a: { image: x, volumes: [data:/d] }
volumes: { data: {} }
`,
      { projectName: "prod" },
    );
    const a = stack.services.a!;
    expect(a.Name).toBe("prod_a");
    expect(a.Labels[NS]).toBe("prod");
    expect(a.TaskTemplate.Networks).toEqual([{ Target: "prod_default", Aliases: ["a"] }]);
    expect(a.TaskTemplate.ContainerSpec.Mounts![0]!.Source).toBe("prod_data");
    expect(stack.networks.default!.Name).toBe("prod_default");
  });

  it("rejects a service that is not in the project", async () => {
    await expect(convert(`services: { a: { image: x } }`, { serviceNames: ["nope"] })).rejects.toThrow(
      /service "nope": service: not defined in the project/,
    );
  });

  it("bad input is a UserError with the model path, so the CLI prints it without a stack trace", async () => {
    const err = await convert(`services: { a: { image: x, deploy: { mode: daemonset } } }`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).path).toBe("services.a.deploy.mode");
    expect((err as UserError).message).toBe(
      'service "a": deploy.mode: unknown mode "daemonset" (replicated, global, replicated-job or global-job)',
    );
  });

  it("refuses service names Swarm would reject", async () => {
    await expect(convert(`services: { "web.v2": { image: x } }`)).rejects.toThrow(
      /service "web.v2": name: "proj_web.v2" is not a valid Swarm service name/,
    );
    await expect(convert(`services: { a: { image: x } }`, { projectName: "p".repeat(62) })).rejects.toThrow(
      /is longer than the 63 characters Swarm allows/,
    );
  });
});
