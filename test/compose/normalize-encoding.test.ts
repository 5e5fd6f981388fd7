/* eslint-disable @typescript-eslint/no-explicit-any -- these tests read into untyped model JSON */
import { describe, expect, it } from "vitest";
import { formatComposeJson, toComposeJson } from "../../src/compose/compose-json.js";
import { normalizeProject } from "../../src/compose/normalize.js";

const project = (service: Record<string, unknown>) =>
  normalizeProject({ services: { web: service } }, { projectName: "demo", workingDir: "/p", environment: {} });
/** The service in the model (model.ts types). */
const web = (service: Record<string, unknown>) => (project(service) as any).services.web;
/** The service as `docker compose config --format json` prints it. */
const webJson = (service: Record<string, unknown>) => (toComposeJson(project(service)) as any).services.web;

describe("scalars as compose-go prints them", () => {
  it("command and entrypoint are always printed, null when unset", () => {
    const s = web({ image: "x" });
    expect(s).toEqual({ command: null, entrypoint: null, image: "x", networks: { default: null } });
    expect(web({ image: "x", command: [] }).command).toEqual([]);
  });

  it("omits zero values of plain fields, prints those of optional ones", () => {
    const s = web({ image: "x", privileged: false, cpu_shares: 0, init: false, scale: 0, tty: true, hostname: "" });
    expect(s.privileged).toBeUndefined();
    expect(s.cpu_shares).toBeUndefined();
    expect(s.hostname).toBeUndefined();
    expect(s.init).toBe(false);
    expect(s.scale).toBe(0);
    expect(s.tty).toBe(true);
  });

  it("durations as Go strings", () => {
    const s = web({
      image: "x",
      stop_grace_period: "90s",
      healthcheck: { interval: "1m30s", timeout: "500ms", retries: 0, disable: true },
    });
    expect(s.stop_grace_period).toBe("1m30s");
    expect(s.healthcheck).toEqual({ timeout: "500ms", interval: "1m30s", retries: 0, disable: true });
    expect(() => web({ image: "x", stop_grace_period: "soon" })).toThrow(
      /services\.web\.stop_grace_period: time: invalid duration/,
    );
  });

  it("byte sizes: numbers in the model, decimal strings in compose's JSON", () => {
    const def = {
      image: "x",
      mem_limit: "512m",
      memswap_limit: -1,
      shm_size: "64M",
      mem_reservation: 1024,
      mem_swappiness: 0,
    };
    const pick = (s: any) => [s.mem_limit, s.memswap_limit, s.shm_size, s.mem_reservation, s.mem_swappiness];
    expect(pick(web(def))).toEqual([536870912, -1, 67108864, 1024, undefined]);
    expect(pick(webJson(def))).toEqual(["536870912", "-1", "67108864", "1024", undefined]);
  });

  it("float32 values print their shortest float32 decimal", () => {
    const s = web({ image: "x", cpus: 0.123456789, deploy: { update_config: { max_failure_ratio: 0.3 } } });
    expect(s.cpus).toBe(0.12345679);
    expect(s.deploy.update_config.max_failure_ratio).toBe(0.3);
  });

  it('restart "no", pull_policy if_not_present → missing, cpus as a number', () => {
    const s = web({ image: "x", restart: "no", pull_policy: "if_not_present", cpus: "1.5" });
    expect([s.restart, s.pull_policy, s.cpus]).toEqual(["no", "missing", 1.5]);
  });

  it("expose, group_add and sysctls become strings", () => {
    const s = web({ image: "x", expose: [80, "443"], group_add: [1000, "audio"], sysctls: { a: 1 } });
    expect(s.expose).toEqual(["80", "443"]);
    expect(s.group_add).toEqual(["1000", "audio"]);
    expect(s.sysctls).toEqual({ a: "1" });
  });

  it("extra_hosts: host → addresses in the model, sorted host=ip strings in compose's JSON", () => {
    const def = { image: "x", extra_hosts: { b: ["::1"], a: ["10.0.0.1", "10.0.0.2"] } };
    expect(web(def).extra_hosts).toEqual({ a: ["10.0.0.1", "10.0.0.2"], b: ["::1"] });
    expect(webJson(def).extra_hosts).toEqual(["a=10.0.0.1", "a=10.0.0.2", "b=::1"]);
  });

  it("ulimits: {single} or {soft, hard}; a bare number in compose's JSON", () => {
    const def = { image: "x", ulimits: { nproc: 65535, nofile: { soft: 1, hard: 2 } } };
    expect(web(def).ulimits).toEqual({ nofile: { soft: 1, hard: 2 }, nproc: { single: 65535 } });
    expect(webJson(def).ulimits).toEqual({ nofile: { soft: 1, hard: 2 }, nproc: 65535 });
  });
});

describe("structured attributes", () => {
  it("ports get mode and protocol; published is a string", () => {
    expect(
      web({
        image: "x",
        ports: [
          { target: 80, published: 8080 },
          { target: "81", host_ip: "127.0.0.1", mode: "host" },
        ],
      }).ports,
    ).toEqual([
      { mode: "ingress", target: 80, published: "8080", protocol: "tcp" },
      { mode: "host", host_ip: "127.0.0.1", target: 81, protocol: "tcp" },
    ]);
  });

  it("volumes: a bind section defaults create_host_path, targets are cleaned, tmpfs size in bytes", () => {
    expect(
      web({
        image: "x",
        volumes: [
          { type: "bind", source: "/h", target: "/c/", bind: { propagation: "rshared" } },
          { type: "bind", source: "/h", target: "/d", bind: { create_host_path: false } },
          { type: "tmpfs", target: "/t", tmpfs: { size: "1k", mode: 1777 } },
        ],
      }).volumes,
    ).toEqual([
      { type: "bind", source: "/h", target: "/c", bind: { propagation: "rshared", create_host_path: true } },
      { type: "bind", source: "/h", target: "/d", bind: { create_host_path: false } },
      { type: "tmpfs", target: "/t", tmpfs: { size: 1024, mode: 1777 } },
    ]);
  });

  it("secrets default their target; modes are numbers, octal strings in compose's JSON", () => {
    const def = { image: "x", secrets: [{ source: "s" }, { source: "t", target: "/t", mode: 0o400 }] };
    expect(web(def).secrets).toEqual([
      { source: "s", target: "/run/secrets/s" },
      { source: "t", target: "/t", mode: 0o400 },
    ]);
    expect(webJson(def).secrets[1].mode).toBe("0400");
  });

  it("build defaults: context and Dockerfile", () => {
    expect(web({ build: {} }).build).toEqual({ context: "/p", dockerfile: "Dockerfile" });
    expect(web({ build: { context: "/c", dockerfile_inline: "FROM x" } }).build).toEqual({
      context: "/c",
      dockerfile_inline: "FROM x",
    });
  });

  it("deploy: resources and placement are always printed; cpus and memory typed", () => {
    expect(web({ image: "x", deploy: { replicas: 2 } }).deploy).toEqual({ replicas: 2, resources: {}, placement: {} });
    expect(
      web({
        image: "x",
        deploy: {
          resources: {
            limits: { cpus: "0.5", memory: "1g", pids: 10 },
            reservations: { devices: [{ capabilities: ["gpu"] }] },
          },
          restart_policy: { condition: "on-failure", delay: "5s", max_attempts: 0 },
        },
      }).deploy,
    ).toEqual({
      resources: {
        limits: { cpus: 0.5, memory: 1073741824, pids: 10 },
        reservations: { devices: [{ capabilities: ["gpu"], count: -1 }] },
      },
      restart_policy: { condition: "on-failure", delay: "5s", max_attempts: 0 },
      placement: {},
    });
  });

  it("depends_on always prints required", () => {
    expect(
      web({ image: "x", depends_on: { db: { condition: "service_healthy", required: false } } }).depends_on,
    ).toEqual({
      db: { condition: "service_healthy", required: false },
    });
  });

  it("blkio devices print Go field names", () => {
    expect(
      web({
        image: "x",
        blkio_config: {
          weight: 300,
          weight_device: [{ path: "/dev/sda", weight: 400 }],
          device_read_bps: [{ path: "/dev/sda", rate: "1mb" }],
        },
      }).blkio_config,
    ).toEqual({
      weight: 300,
      weight_device: [{ Path: "/dev/sda", Weight: 400 }],
      device_read_bps: [{ Path: "/dev/sda", Rate: "1048576" }],
    });
  });

  it("develop.watch triggers always carry path, action and exec", () => {
    expect(web({ image: "x", develop: { watch: [{ path: "/p/src", action: "rebuild" }] } }).develop).toEqual({
      watch: [{ path: "/p/src", action: "rebuild", exec: { command: null } }],
    });
  });

  it("post_start hooks", () => {
    expect(web({ image: "x", post_start: [{ command: "echo hi", user: "root" }] }).post_start).toEqual([
      { command: ["echo", "hi"], user: "root" },
    ]);
  });
});

describe("formatComposeJson", () => {
  it("escapes like Go's json and doubles $ like compose", () => {
    const p = normalizeProject(
      { services: { web: { image: "x", command: ["sh", "-c", "echo $HOME <a> && b"] } } },
      { projectName: "demo", workingDir: "/p", environment: {} },
    );
    const text = formatComposeJson(p);
    expect(text).toContain(String.raw`"echo $$HOME \u003ca\u003e \u0026\u0026 b"`);
    expect(text.endsWith("}")).toBe(true);
  });
});

describe("unknown attributes and extensions", () => {
  it("keeps unknown attributes after the known ones, keys sorted", () => {
    const s = web({ image: "x", "x-b": { z: 1, a: 2 }, future_field: true, "x-a": 1 });
    expect(Object.keys(s)).toEqual(["command", "entrypoint", "image", "networks", "future_field", "x-a", "x-b"]);
    expect(Object.keys(s["x-b"])).toEqual(["a", "z"]);
  });

  it("toComposeJson drops x- keys below the top level only", () => {
    const p = normalizeProject(
      { services: { web: { image: "x", labels: { "x-label": "kept" }, "x-ext": 1 } }, "x-top": { b: 1 } },
      { projectName: "demo", workingDir: "/p", environment: {} },
    );
    const json = toComposeJson(p) as any;
    expect((p as any).services.web["x-ext"]).toBe(1);
    expect(json.services.web["x-ext"]).toBeUndefined();
    expect(json.services.web.labels).toEqual({ "x-label": "kept" });
    expect(json["x-top"]).toEqual({ b: 1 });
    expect(Object.keys(json)).toEqual(["name", "networks", "services", "x-top"]);
  });
});

describe("opt-out booleans (compose-go's OptOut): true is the default and is not printed", () => {
  it("bind.create_host_path: `bind: {}` for true, only false is printed", () => {
    const volumes = webJson({
      image: "x",
      volumes: [
        { type: "bind", source: "/h", target: "/a" },
        { type: "bind", source: "/h", target: "/b", bind: { create_host_path: true } },
        { type: "bind", source: "/h", target: "/c", bind: { create_host_path: false } },
      ],
    }).volumes;
    expect(volumes.map((v: { bind?: unknown }) => v.bind)).toEqual([undefined, {}, { create_host_path: false }]);
  });

  it("env_file[].required: only false is printed (config --no-env-resolution keeps env_file)", () => {
    const p = normalizeProject(
      {
        services: {
          web: {
            image: "x",
            env_file: [
              { path: "/e/a.env", required: true },
              { path: "/e/b.env", required: false },
            ],
          },
        },
      },
      { projectName: "p", workingDir: "/w", environment: {}, keepEnvFiles: true },
    );
    expect((toComposeJson(p) as any).services.web.env_file).toEqual([
      { path: "/e/a.env" },
      { path: "/e/b.env", required: false },
    ]);
  });
});
