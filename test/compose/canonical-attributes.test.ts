/* eslint-disable @typescript-eslint/no-explicit-any -- these tests read into untyped model JSON */
import { describe, expect, it } from "vitest";
import { canonicalizeFile } from "../../src/compose/canonical.js";
import { Override, RESET } from "../../src/compose/yaml-tags.js";

const service = (def: Record<string, unknown>) => (canonicalizeFile({ services: { web: def } }) as any).services.web;

describe("canonical service attributes", () => {
  it("environment list → mapping, a bare key is null", () => {
    expect(service({ environment: ["A=1", "B=", "C", "D=x=y"] }).environment).toEqual({
      A: "1",
      B: "",
      C: null,
      D: "x=y",
    });
  });

  it("labels / annotations / sysctls lists → mapping, a bare key is empty", () => {
    const s = service({ labels: ["a=1", "b"], annotations: ["x=y"], sysctls: ["net.core.somaxconn=1024"] });
    expect(s.labels).toEqual({ a: "1", b: "" });
    expect(s.annotations).toEqual({ x: "y" });
    expect(s.sysctls).toEqual({ "net.core.somaxconn": "1024" });
  });

  it("keeps mapping forms as written (values typed later)", () => {
    expect(service({ environment: { A: 1, B: null } }).environment).toEqual({ A: 1, B: null });
  });

  it("extra_hosts: host:ip, host=ip, several ips, IPv6 in brackets, mapping form", () => {
    expect(
      service({ extra_hosts: ["a:1.2.3.4", "b=::1", "c=10.0.0.1,10.0.0.2", "d=[::2]", "a=5.6.7.8"] }).extra_hosts,
    ).toEqual({
      a: ["1.2.3.4", "5.6.7.8"],
      b: ["::1"],
      c: ["10.0.0.1", "10.0.0.2"],
      d: ["::2"],
    });
    expect(service({ extra_hosts: { a: "1.2.3.4", b: ["::1", "::2"], c: null } }).extra_hosts).toEqual({
      a: ["1.2.3.4"],
      b: ["::1", "::2"],
      c: [""],
    });
    expect(() => service({ extra_hosts: ["nohost"] })).toThrow(/missing IP/);
  });

  it("healthcheck test string → CMD-SHELL", () => {
    expect(service({ healthcheck: { test: "curl -f http://x", interval: "10s" } }).healthcheck).toEqual({
      test: ["CMD-SHELL", "curl -f http://x"],
      interval: "10s",
    });
    expect(service({ healthcheck: { test: ["NONE"] } }).healthcheck.test).toEqual(["NONE"]);
  });

  it("command / entrypoint strings are shell-split; lists stay", () => {
    const s = service({ command: `sh -c "echo hi"`, entrypoint: ["/bin/sh", "-c"] });
    expect(s.command).toEqual(["sh", "-c", "echo hi"]);
    expect(s.entrypoint).toEqual(["/bin/sh", "-c"]);
    expect(service({ command: "" }).command).toEqual([]);
    expect(() => service({ command: "echo 'x" })).toThrow(/services\.web\.command: invalid command line string/);
  });

  it("depends_on list → mapping with defaults; mapping entries get the defaults too", () => {
    expect(service({ depends_on: ["db", "cache"] }).depends_on).toEqual({
      db: { condition: "service_started", required: true },
      cache: { condition: "service_started", required: true },
    });
    expect(service({ depends_on: { db: { condition: "service_healthy" } } }).depends_on).toEqual({
      db: { condition: "service_healthy", required: true },
    });
    expect(service({ depends_on: { db: { required: false, restart: true } } }).depends_on).toEqual({
      db: { required: false, restart: true, condition: "service_started" },
    });
  });

  it("build string → {context}; build lists → mappings", () => {
    expect(service({ build: "./app" }).build).toEqual({ context: "./app" });
    expect(
      service({
        build: {
          args: ["A=1", "B"],
          labels: ["l=v"],
          additional_contexts: ["base=docker-image://alpine"],
          ssh: ["default", "key=/path/key"],
          secrets: ["token"],
          cache_from: "type=local,src=x",
          extra_hosts: ["h:1.1.1.1"],
        },
      }).build,
    ).toEqual({
      args: { A: "1", B: null },
      labels: { l: "v" },
      additional_contexts: { base: "docker-image://alpine" },
      ssh: { default: null, key: "/path/key" },
      secrets: [{ source: "token" }],
      cache_from: ["type=local,src=x"],
      extra_hosts: { h: ["1.1.1.1"] },
    });
    expect(() => service({ build: { ssh: ["nodefault"] } })).toThrow(/invalid ssh key/);
  });

  it("secrets / configs strings → {source}", () => {
    const s = service({ secrets: ["a", { source: "b", target: "/b" }], configs: ["c"] });
    expect(s.secrets).toEqual([{ source: "a" }, { source: "b", target: "/b" }]);
    expect(s.configs).toEqual([{ source: "c" }]);
  });

  it("networks list → mapping of null", () => {
    expect(service({ networks: ["front", "back"] }).networks).toEqual({ front: null, back: null });
  });

  it("env_file and label_file strings → lists", () => {
    expect(service({ env_file: ".env" }).env_file).toEqual([{ path: ".env", required: true }]);
    expect(service({ env_file: ["a.env", { path: "b.env", required: false }, { path: "c.env" }] }).env_file).toEqual([
      { path: "a.env", required: true },
      { path: "b.env", required: false },
      { path: "c.env", required: true },
    ]);
    expect(service({ label_file: "labels.env" }).label_file).toEqual(["labels.env"]);
  });

  it("devices short syntax", () => {
    expect(service({ devices: ["/dev/a", "/dev/b:/dev/c", "/dev/d:/dev/e:r"] }).devices).toEqual([
      { source: "/dev/a", target: "/dev/a", permissions: "rwm" },
      { source: "/dev/b", target: "/dev/c", permissions: "rwm" },
      { source: "/dev/d", target: "/dev/e", permissions: "r" },
    ]);
  });

  it("dns / dns_search / tmpfs strings → lists; empty dns entries go", () => {
    const s = service({ dns: "8.8.8.8", dns_search: "example.com", tmpfs: "/run" });
    expect([s.dns, s.dns_search, s.tmpfs]).toEqual([["8.8.8.8"], ["example.com"], ["/run"]]);
    expect(service({ dns: ["", "1.1.1.1"] }).dns).toEqual(["1.1.1.1"]);
  });

  it("gpus: all, extends string, deploy labels", () => {
    const s = service({ gpus: "all", extends: "base", deploy: { labels: ["a=b"] } });
    expect(s.gpus).toEqual([{ count: "all" }]);
    expect(s.extends).toEqual({ service: "base" });
    expect(s.deploy).toEqual({ labels: { a: "b" } });
  });

  it("develop.watch: an entry with several paths becomes one entry per path", () => {
    expect(
      service({ develop: { watch: [{ path: ["./a", "./b"], action: "sync", target: "/app" }] } }).develop.watch,
    ).toEqual([
      { path: "./a", action: "sync", target: "/app" },
      { path: "./b", action: "sync", target: "/app" },
    ]);
  });

  it("keeps unknown attributes and extensions", () => {
    expect(service({ image: "nginx", "x-custom": { a: 1 }, profiles: ["debug"] })).toEqual({
      image: "nginx",
      "x-custom": { a: 1 },
      profiles: ["debug"],
    });
  });
});

describe("canonical top-level resources", () => {
  it("legacy external.name becomes name + external: true", () => {
    const out = canonicalizeFile({
      networks: { n: { external: { name: "real" } } },
      volumes: { v: { external: true }, w: null },
      secrets: { s: { external: { name: "x" }, name: "x" } },
    }) as any;
    expect(out.networks.n).toEqual({ external: true, name: "real" });
    expect(out.volumes).toEqual({ v: { external: true }, w: null });
    expect(out.secrets.s).toEqual({ external: true, name: "x" });
    expect(() => canonicalizeFile({ volumes: { v: { name: "a", external: { name: "b" } } } })).toThrow(/conflict/);
  });

  it("include shorthand", () => {
    expect((canonicalizeFile({ include: ["a.yml", { path: "b.yml", env_file: "b.env" }] }) as any).include).toEqual([
      { path: ["a.yml"] },
      { path: ["b.yml"], env_file: ["b.env"] },
    ]);
  });
});

describe("override markers", () => {
  it("transforms the value inside !override and keeps !reset", () => {
    const out = canonicalizeFile({
      services: { web: { ports: new Override(["80:80"]), environment: RESET, volumes: [RESET] } },
    }) as any;
    expect(out.services.web.ports).toBeInstanceOf(Override);
    expect(out.services.web.ports.value).toEqual([{ mode: "ingress", target: 80, published: "80", protocol: "tcp" }]);
    expect(out.services.web.environment).toBe(RESET);
    expect(out.services.web.volumes).toEqual([RESET]);
  });

  it("does not modify its input", () => {
    const input = { services: { web: { environment: ["A=1"], ports: ["80"] } } };
    const copy = structuredClone(input);
    canonicalizeFile(input);
    expect(input).toEqual(copy);
  });
});
