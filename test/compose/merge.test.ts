import { describe, expect, it } from "vitest";

import { UserError } from "../../src/compose/errors.js";
import { enforceUnicity, mergeComposeFiles, mergeService, stripResetMarkers } from "../../src/compose/merge.js";
import { Override, RESET } from "../../src/compose/yaml-tags.js";

type Doc = Record<string, unknown>;

/** A document with one service `test`. */
const svc = (service: Doc, extra: Doc = {}): Doc => ({ services: { test: service }, ...extra });

const port = (target: number, published?: string, more: Doc = {}): Doc => ({
  target,
  ...(published === undefined ? {} : { published }),
  protocol: "tcp",
  mode: "ingress",
  ...more,
});

/** Cases ported from compose-go's override/merge_*_test.go, in canonical (long) syntax. */
const cases: Array<{ name: string; base: Doc; override: Doc; expected: Doc }> = [
  {
    name: "scalars are replaced, mappings merged (spec 13-merge)",
    base: svc({ image: "foo", scale: 1, user: "root" }),
    override: svc({ image: "bar", hostname: "h" }),
    expected: svc({ image: "bar", scale: 1, user: "root", hostname: "h" }),
  },
  {
    name: "a null override keeps the base value",
    base: svc({ image: "foo", working_dir: "/app" }),
    override: svc({ image: null }),
    expected: svc({ image: "foo", working_dir: "/app" }),
  },
  {
    name: "sequences append, strictly identical entries are not repeated",
    base: svc({ cap_add: ["NET_ADMIN"], security_opt: ["label:role:ROLE"], group_add: ["mail"] }),
    override: svc({
      cap_add: ["NET_ADMIN", "SYS_PTRACE"],
      security_opt: ["label:user:USER"],
      group_add: ["mail", "mail", "audio"],
    }),
    expected: svc({
      cap_add: ["NET_ADMIN", "SYS_PTRACE"],
      security_opt: ["label:role:ROLE", "label:user:USER"],
      group_add: ["mail", "audio"],
    }),
  },
  {
    name: "dns accepts a string on either side",
    base: svc({ dns: "8.8.8.8", dns_search: ["a.example"] }),
    override: svc({ dns: ["8.8.8.8", "9.9.9.9"], dns_search: "b.example" }),
    expected: svc({ dns: ["8.8.8.8", "9.9.9.9"], dns_search: ["a.example", "b.example"] }),
  },
  {
    name: "command, entrypoint and healthcheck.test are replaced, not appended",
    base: svc({
      command: ["echo", "foo"],
      entrypoint: ["/bin/sh", "-c"],
      healthcheck: { test: ["CMD", "true"], interval: "10s" },
    }),
    override: svc({ command: ["echo", "bar"], entrypoint: ["tini"], healthcheck: { test: ["CMD-SHELL", "ok"] } }),
    expected: svc({
      command: ["echo", "bar"],
      entrypoint: ["tini"],
      healthcheck: { test: ["CMD-SHELL", "ok"], interval: "10s" },
    }),
  },
  {
    name: "a null command replaces the base command",
    base: svc({ command: ["echo"] }),
    override: svc({ command: null }),
    expected: svc({ command: null }),
  },
  {
    name: "environment merges by key, the override wins, a bare key included",
    base: svc({ environment: { FOO: "foo", BAR: "bar", KEEP: "me" } }),
    override: svc({ environment: { FOO: "FOO", BAR: null, NEW: "1" } }),
    expected: svc({ environment: { FOO: "FOO", BAR: null, KEEP: "me", NEW: "1" } }),
  },
  {
    name: "labels, annotations, sysctls, deploy.labels, build.args merge by key",
    base: svc({
      labels: { a: "1", b: "2" },
      annotations: { x: "1" },
      sysctls: { "net.core.somaxconn": "1024" },
      deploy: { labels: { d: "1" }, replicas: 1 },
      build: { context: ".", args: { FOO: "1" }, additional_contexts: { app: "docker-image://a" } },
    }),
    override: svc({
      labels: { b: "3" },
      annotations: { y: "2" },
      sysctls: { "net.core.somaxconn": "2048" },
      deploy: { labels: { d: "2" } },
      build: { args: { FOO: "3", EMPTY: "", NIL: null }, additional_contexts: { app: "docker-image://b" } },
    }),
    expected: svc({
      labels: { a: "1", b: "3" },
      annotations: { x: "1", y: "2" },
      sysctls: { "net.core.somaxconn": "2048" },
      deploy: { labels: { d: "2" }, replicas: 1 },
      build: {
        context: ".",
        args: { FOO: "3", EMPTY: "", NIL: null },
        additional_contexts: { app: "docker-image://b" },
      },
    }),
  },
  {
    name: "key/value lists (non-canonical) follow compose-go: sorted, last entry of a key wins in place",
    base: svc({ environment: ["MODE=release", "A=1"] }),
    override: svc({ environment: { MODE: "debug" } }),
    expected: svc({ environment: ["MODE=debug", "A=1"] }),
  },
  {
    name: "extra_hosts appends addresses per host, without repeating one",
    base: svc({ extra_hosts: { "example.com": ["1.2.3.4"], other: ["10.0.0.1"] } }),
    override: svc({ extra_hosts: { "example.com": ["1.2.3.4", "5.6.7.8"], localhost: ["127.0.0.1"] } }),
    expected: svc({
      extra_hosts: { "example.com": ["1.2.3.4", "5.6.7.8"], other: ["10.0.0.1"], localhost: ["127.0.0.1"] },
    }),
  },
  {
    name: "depends_on merges per dependency",
    base: svc({
      depends_on: {
        db: { condition: "service_started", required: true },
        cache: { condition: "service_started", required: true },
      },
    }),
    override: svc({
      depends_on: {
        db: { condition: "service_healthy" },
        init: { condition: "service_completed_successfully", required: false },
      },
    }),
    expected: svc({
      depends_on: {
        db: { condition: "service_healthy", required: true },
        cache: { condition: "service_started", required: true },
        init: { condition: "service_completed_successfully", required: false },
      },
    }),
  },
  {
    name: "depends_on given as a list gets compose's defaults",
    base: svc({ depends_on: ["db"] }),
    override: svc({ depends_on: { db: { condition: "service_healthy" } } }),
    expected: svc({ depends_on: { db: { condition: "service_healthy", required: true } } }),
  },
  {
    name: "networks merge per network; aliases append (merge_networks_test)",
    base: svc({
      networks: {
        network1: { aliases: ["alias1", "alias2"], link_local_ips: ["57.123.22.11", "57.123.22.13"] },
        network2: { aliases: ["alias1", "alias3"] },
        front: null,
      },
    }),
    override: svc({
      networks: {
        network1: { aliases: ["alias3", "alias1"], link_local_ips: ["57.123.22.12", "57.123.22.13"] },
        front: { priority: 10 },
        back: null,
      },
    }),
    expected: svc({
      networks: {
        network1: {
          aliases: ["alias1", "alias2", "alias3"],
          link_local_ips: ["57.123.22.11", "57.123.22.13", "57.123.22.12"],
        },
        network2: { aliases: ["alias1", "alias3"] },
        front: { priority: 10 },
        back: null,
      },
    }),
  },
  {
    name: "a null networks / depends_on override keeps the base (merge_null_test)",
    base: svc({ networks: { runtime: null }, depends_on: { db: { condition: "service_started", required: true } } }),
    override: svc({ networks: null, depends_on: null }),
    expected: svc({
      networks: { runtime: null },
      depends_on: { db: { condition: "service_started", required: true } },
    }),
  },
  {
    name: "a null base networks takes the override's",
    base: svc({ networks: null }),
    override: svc({ networks: ["runtime"] }),
    expected: svc({ networks: { runtime: null } }),
  },
  {
    name: "build merges, a string build is a context",
    base: svc({ build: { context: ".", dockerfile: "foo.Dockerfile", tags: ["a:1"] } }),
    override: svc({ build: "./other" }),
    expected: svc({ build: { context: "./other", dockerfile: "foo.Dockerfile", tags: ["a:1"] } }),
  },
  {
    name: "logging with the same driver merges options",
    base: svc({ logging: { driver: "syslog", options: { "syslog-address": "tcp://192.168.0.42:123", tag: "x" } } }),
    override: svc({ logging: { driver: "syslog", options: { "syslog-address": "tcp://127.0.0.1:123" } } }),
    expected: svc({ logging: { driver: "syslog", options: { "syslog-address": "tcp://127.0.0.1:123", tag: "x" } } }),
  },
  {
    name: "logging with another driver replaces the options",
    base: svc({ logging: { driver: "local", options: { "max-size": "10m" } } }),
    override: svc({ logging: { driver: "syslog", options: { "syslog-address": "tcp://127.0.0.1:123" } } }),
    expected: svc({ logging: { driver: "syslog", options: { "syslog-address": "tcp://127.0.0.1:123" } } }),
  },
  {
    name: "logging without a driver on one side merges",
    base: svc({ logging: { options: { "max-size": "10m" } } }),
    override: svc({ logging: { driver: "json-file", options: { "max-file": "3" } } }),
    expected: svc({ logging: { driver: "json-file", options: { "max-size": "10m", "max-file": "3" } } }),
  },
  {
    name: "ulimits merge soft/hard per key; a syntax change lets the override win (merge_ulimits_test)",
    base: svc({
      ulimits: {
        nofile: { soft: 20000, hard: 40000 },
        nproc: 65535,
        locks: { soft: 20000, hard: 40000 },
        short_over_long: { soft: 100, hard: 200 },
        single_over_long: { soft: 100, hard: 200 },
      },
    }),
    override: svc({
      ulimits: {
        nofile: { soft: 10000, hard: 40000 },
        nproc: { soft: 65535 },
        locks: { hard: 65535 },
        short_over_long: 500,
        single_over_long: { single: 500 },
      },
    }),
    expected: svc({
      ulimits: {
        nofile: { soft: 10000, hard: 40000 },
        nproc: { soft: 65535 },
        locks: { soft: 20000, hard: 65535 },
        short_over_long: 500,
        single_over_long: { single: 500 },
      },
    }),
  },
  {
    name: "ports: an entry with the same host ip, published port, target and protocol is replaced in place",
    base: svc({ ports: [port(80, "8080"), port(443, "8443")] }),
    override: svc({
      ports: [
        port(80, "8080", { app_protocol: "http" }),
        port(80, "8080", { host_ip: "127.0.0.1" }),
        port(53, "53", { protocol: "udp" }),
      ],
    }),
    expected: svc({
      ports: [
        port(80, "8080", { app_protocol: "http" }),
        port(443, "8443"),
        port(80, "8080", { host_ip: "127.0.0.1" }),
        port(53, "53", { protocol: "udp" }),
      ],
    }),
  },
  {
    name: "ports: a missing protocol or host ip counts as tcp on 0.0.0.0",
    base: svc({ ports: [{ target: 80, published: "80" }] }),
    override: svc({ ports: [{ target: 80, published: "80", protocol: "tcp", host_ip: "0.0.0.0", mode: "host" }] }),
    expected: svc({ ports: [{ target: 80, published: "80", protocol: "tcp", host_ip: "0.0.0.0", mode: "host" }] }),
  },
  {
    name: "volumes: the mount target is the key (spec 13-merge)",
    base: svc({
      volumes: [
        { type: "volume", source: "foo", target: "/work" },
        { type: "bind", source: "/abs/b", target: "/b" },
      ],
    }),
    override: svc({
      volumes: [
        { type: "volume", source: "bar", target: "/work", read_only: true },
        { type: "volume", source: "c", target: "/c" },
      ],
    }),
    expected: svc({
      volumes: [
        { type: "volume", source: "bar", target: "/work", read_only: true },
        { type: "bind", source: "/abs/b", target: "/b" },
        { type: "volume", source: "c", target: "/c" },
      ],
    }),
  },
  {
    name: "secrets: key is the target, /run/secrets/<source> by default (merge_mounts_test)",
    base: svc({ secrets: [{ source: "foo" }, { source: "bar" }, { source: "zot" }] }),
    override: svc({ secrets: [{ source: "zot", target: "/run/secrets/foo" }] }),
    expected: svc({ secrets: [{ source: "zot", target: "/run/secrets/foo" }, { source: "bar" }, { source: "zot" }] }),
  },
  {
    name: "configs: key is the target, /<source> by default",
    base: svc({ configs: [{ source: "a" }, { source: "b", target: "/etc/b" }] }),
    override: svc({
      configs: [
        { source: "a2", target: "/a" },
        { source: "b", target: "/etc/b", mode: 0o400 },
      ],
    }),
    expected: svc({
      configs: [
        { source: "a2", target: "/a" },
        { source: "b", target: "/etc/b", mode: 0o400 },
      ],
    }),
  },
  {
    name: "env_file: key is the path (merge_env_file_test)",
    base: svc({
      env_file: [
        { path: "/p/bar.env", required: true },
        { path: "/p/foo.env", required: true },
      ],
    }),
    override: svc({
      env_file: [
        { path: "/p/foo.env", required: false },
        { path: "/p/baz.env", required: true },
      ],
    }),
    expected: svc({
      env_file: [
        { path: "/p/bar.env", required: true },
        { path: "/p/foo.env", required: false },
        { path: "/p/baz.env", required: true },
      ],
    }),
  },
  {
    name: "devices: key is the target path",
    base: svc({ devices: [{ source: "/dev/sda", target: "/dev/xvda", permissions: "rwm" }] }),
    override: svc({ devices: [{ source: "/dev/sdb", target: "/dev/xvda", permissions: "r" }] }),
    expected: svc({ devices: [{ source: "/dev/sdb", target: "/dev/xvda", permissions: "r" }] }),
  },
  {
    name: "expose, profiles, links, tmpfs are deduplicated; tmpfs keys on the text before '='",
    base: svc({ expose: ["80", "443"], profiles: ["a"], links: ["db:database"], tmpfs: ["/run:size=1m"] }),
    override: svc({ expose: ["80"], profiles: ["a", "b"], links: ["db:database"], tmpfs: ["/run:size=2m", "/tmp"] }),
    expected: svc({
      expose: ["80", "443"],
      profiles: ["a", "b"],
      links: ["db:database"],
      tmpfs: ["/run:size=2m", "/tmp"],
    }),
  },
  {
    name: "ipam pools merge by subnet",
    base: { networks: { n: { ipam: { config: [{ subnet: "10.0.0.0/24", gateway: "10.0.0.1" }] } } } },
    override: {
      networks: {
        n: { ipam: { config: [{ subnet: "10.0.0.0/24", ip_range: "10.0.0.128/25" }, { subnet: "10.2.0.0/24" }] } },
      },
    },
    expected: {
      networks: {
        n: {
          ipam: {
            config: [
              { subnet: "10.0.0.0/24", gateway: "10.0.0.1", ip_range: "10.0.0.128/25" },
              { subnet: "10.2.0.0/24" },
            ],
          },
        },
      },
    },
  },
  {
    // compose-go's mergeIPAMConfig: the unmatched base pool is merged with the override pool already
    // placed, takes its subnet and replaces it, so both base pools are lost.
    name: "ipam pools: compose-go quirk with a base pool no override pool matches",
    base: {
      networks: {
        n: { ipam: { config: [{ subnet: "10.0.0.0/24", gateway: "10.0.0.1" }, { subnet: "10.1.0.0/24" }] } },
      },
    },
    override: { networks: { n: { ipam: { config: [{ subnet: "10.0.0.0/24", ip_range: "10.0.0.128/25" }] } } } },
    expected: { networks: { n: { ipam: { config: [{ subnet: "10.0.0.0/24", ip_range: "10.0.0.128/25" }] } } } },
  },
  {
    name: "top-level resources and extensions merge recursively",
    base: {
      name: "a",
      networks: { front: { driver: "bridge", labels: { a: "1" } } },
      volumes: { data: { driver: "local" } },
      "x-common": { a: 1, list: [1] },
    },
    override: {
      name: "b",
      networks: { front: { labels: { b: "2" } }, back: null },
      volumes: { data: { driver_opts: { type: "tmpfs" } } },
      "x-common": { b: 2, list: [2] },
    },
    expected: {
      name: "b",
      networks: { front: { driver: "bridge", labels: { a: "1", b: "2" } }, back: null },
      volumes: { data: { driver: "local", driver_opts: { type: "tmpfs" } } },
      "x-common": { a: 1, b: 2, list: [1, 2] },
    },
  },
  {
    name: "services only in one file are kept as they are",
    base: { services: { a: { image: "a" } } },
    override: { services: { b: { image: "b" } } },
    expected: { services: { a: { image: "a" }, b: { image: "b" } } },
  },
];

describe("mergeComposeFiles", () => {
  it.each(cases)("$name", ({ base, override, expected }) => {
    expect(mergeComposeFiles(base, override)).toEqual(expected);
  });

  it("dedupes a single document merged into an empty model, as compose-go does for the first file", () => {
    const doc = svc({ cap_add: ["NET_ADMIN", "NET_ADMIN"], ports: [port(80, "80"), port(80, "80", { mode: "host" })] });
    expect(mergeComposeFiles({}, doc)).toEqual(
      svc({ cap_add: ["NET_ADMIN"], ports: [port(80, "80", { mode: "host" })] }),
    );
  });

  it("merges three files in order (merge_test Test_mergeOverrides)", () => {
    const files = [svc({ image: "foo", scale: 1 }), svc({ image: "bar" }), svc({ scale: 2 })];
    expect(files.reduce((model, file) => mergeComposeFiles(model, file), {})).toEqual(svc({ image: "bar", scale: 2 }));
  });

  it("does not mutate its inputs nor share objects with them", () => {
    const base = svc({ environment: { A: "1" }, ports: [port(80, "80")], build: { context: ".", args: { X: "1" } } });
    const override = svc({ environment: { B: "2" }, ports: [port(81, "81")], labels: { l: "1" } });
    const before = structuredClone([base, override]);
    const merged = mergeComposeFiles(base, override);
    expect([base, override]).toEqual(before);
    const service = (merged.services as Doc).test as Doc;
    (service.labels as Doc).l = "changed";
    (service.build as Doc).context = "changed";
    expect(override).toEqual(before[1]);
    expect(base).toEqual(before[0]);
  });

  it("rejects a mapping overridden by a list", () => {
    const run = () => mergeComposeFiles(svc({ healthcheck: { interval: "1s" } }), svc({ healthcheck: ["x"] }));
    expect(run).toThrow(UserError);
    expect(run).toThrow("cannot override services.test.healthcheck");
  });

  it("reports a volume without target", () => {
    expect(() => mergeComposeFiles({}, svc({ volumes: [{ type: "volume", source: "x" }] }))).toThrow(
      "service volume services.test.volumes[0] is missing a mount target",
    );
  });

  it("reports a depends_on list entry that is not a name", () => {
    expect(() => mergeComposeFiles(svc({ depends_on: ["y"] }), svc({ depends_on: [{}] }))).toThrow("cannot use");
  });
});

describe("mergeComposeFiles: !reset and !override", () => {
  const resetCases: Array<{ name: string; base: Doc; override: Doc; expected: Doc }> = [
    {
      name: "!reset removes the attribute (spec example)",
      base: svc({ image: "myapp", ports: [port(80, "8080")], environment: { FOO: "BAR" } }),
      override: svc({ image: "myapp", ports: RESET, environment: { FOO: RESET } }),
      expected: svc({ image: "myapp", environment: {} }),
    },
    {
      name: "!reset of build and of one environment key (Test_LoadWithReset)",
      base: svc({ build: { context: ".", dockerfile: "foo.Dockerfile" }, environment: { FOO: "BAR", KEEP: "ME" } }),
      override: svc({ image: "foo", build: RESET, environment: { FOO: RESET } }),
      expected: svc({ image: "foo", environment: { KEEP: "ME" } }),
    },
    {
      name: "!reset of keys accumulated by earlier merges (docker/compose#11816)",
      base: svc({
        environment: { FOO: "BAR", KEEP: "ME", ANOTHER: "BAR", PASSTHROUGH: null },
        labels: { "com.example.foo": "bar", "com.example.extra": "bar" },
      }),
      override: svc({
        environment: { FOO: RESET, ANOTHER: RESET, PASSTHROUGH: RESET },
        labels: { "com.example.foo": RESET },
      }),
      expected: svc({ environment: { KEEP: "ME" }, labels: { "com.example.extra": "bar" } }),
    },
    {
      name: "!reset of a whole service removes it",
      base: { services: { a: { image: "a" }, b: { image: "b" } } },
      override: { services: { b: RESET } },
      expected: { services: { a: { image: "a" } } },
    },
    {
      name: "!reset of something the base does not have is a no-op",
      base: svc({ image: "a" }),
      override: svc({ command: RESET, networks: { front: RESET } }),
      expected: svc({ image: "a", networks: {} }),
    },
    {
      name: "!override replaces a list instead of appending (spec example)",
      base: svc({ image: "myapp", ports: [port(80, "8080")] }),
      override: svc({ ports: new Override([port(443, "8443")]) }),
      expected: svc({ image: "myapp", ports: [port(443, "8443")] }),
    },
    {
      name: "!override replaces a mapping instead of merging it",
      base: svc({
        environment: { A: "1", B: "2" },
        depends_on: { db: { condition: "service_started", required: true } },
      }),
      override: svc({
        environment: new Override({ C: "3" }),
        depends_on: new Override({ cache: { condition: "service_healthy", required: true } }),
      }),
      expected: svc({
        environment: { C: "3" },
        depends_on: { cache: { condition: "service_healthy", required: true } },
      }),
    },
    {
      name: "!override of one nested key merges the rest",
      base: svc({ logging: { driver: "local", options: { "max-size": "1m", "max-file": "2" } } }),
      override: svc({ logging: { options: new Override({ compress: "true" }) } }),
      expected: svc({ logging: { driver: "local", options: { compress: "true" } } }),
    },
    {
      name: "!reset before a driver change: the other options go too",
      base: svc({ logging: { driver: "local", options: { "max-size": "1m" } } }),
      override: svc({ logging: { driver: "syslog", options: RESET } }),
      expected: svc({ logging: { driver: "syslog" } }),
    },
    {
      name: "!reset on a list item drops it from the override only",
      base: svc({ cap_add: ["A"] }),
      override: svc({
        cap_add: [RESET, "B"],
        volumes: [{ type: "volume", source: "v", target: "/v", read_only: RESET }],
      }),
      expected: svc({ cap_add: ["A", "B"], volumes: [{ type: "volume", source: "v", target: "/v" }] }),
    },
    {
      name: "markers inside an !override value are resolved",
      base: svc({ environment: { A: "1" } }),
      override: svc({ environment: new Override({ B: "2", C: RESET }) }),
      expected: svc({ environment: { B: "2" } }),
    },
  ];

  it.each(resetCases)("$name", ({ base, override, expected }) => {
    expect(mergeComposeFiles(base, override)).toEqual(expected);
  });

  it("consumes markers left in the base (a document never merged)", () => {
    expect(mergeComposeFiles(svc({ a: RESET, b: new Override(1) }), {})).toEqual(svc({ b: 1 }));
  });
});

describe("mergeService", () => {
  it("merges with the services.* rules", () => {
    const merged = mergeService(
      { image: "a", command: ["a"], environment: { A: "1" }, ports: [port(80, "80")] },
      { command: ["b"], environment: { B: "2" }, ports: [port(80, "80")] },
    );
    // No unicity pass here: identical entries are not repeated, same-key ones wait for mergeComposeFiles.
    expect(merged).toEqual({ image: "a", command: ["b"], environment: { A: "1", B: "2" }, ports: [port(80, "80")] });
  });

  it("keeps the override's markers when asked, after applying them", () => {
    const merged = mergeService(
      { image: "a", command: ["a"], environment: { A: "1", B: "2" }, ports: [port(80, "80")] },
      { command: RESET, environment: { B: RESET }, ports: new Override([port(81, "81")]), cap_add: [RESET, "X"] },
      { keepMarkers: true },
    );
    expect(merged).toEqual({
      image: "a",
      command: RESET,
      environment: { A: "1", B: RESET },
      ports: new Override([port(81, "81")]),
      cap_add: ["X"],
    });
    // Merged later into an earlier document, the markers act there too.
    const earlier = svc({ command: ["old"], environment: { B: "old", C: "3" }, ports: [port(90, "90")] });
    expect(mergeComposeFiles(earlier, svc(merged))).toEqual(
      svc({ image: "a", environment: { A: "1", C: "3" }, ports: [port(81, "81")], cap_add: ["X"] }),
    );
  });
  it("keeps a marker on one extra_hosts host as a marker", () => {
    const merged = mergeService(
      { extra_hosts: { a: ["1.1.1.1"], b: ["2.2.2.2"] } },
      { extra_hosts: { a: RESET, b: ["3.3.3.3"] } },
      { keepMarkers: true },
    );
    expect(merged).toEqual({ extra_hosts: { a: RESET, b: ["2.2.2.2", "3.3.3.3"] } });
    expect(mergeComposeFiles(svc({ extra_hosts: { a: ["9.9.9.9"] } }), svc(merged))).toEqual(
      svc({ extra_hosts: { b: ["2.2.2.2", "3.3.3.3"] } }),
    );
  });
});

describe("stripResetMarkers", () => {
  it("removes !reset keys and items, unwraps !override, copies the rest", () => {
    const input = { a: RESET, b: new Override({ c: [1, RESET, new Override(2)] }), d: [{ e: RESET, f: 1 }] };
    const out = stripResetMarkers(input);
    expect(out).toEqual({ b: { c: [1, 2] }, d: [{ f: 1 }] });
    expect((out as Doc).d).not.toBe(input.d);
  });
});

describe("enforceUnicity", () => {
  it("leaves lists outside the unique paths alone", () => {
    const doc = svc({ security_opt: ["a", "a"], cap_drop: ["ALL", "ALL"] });
    expect(enforceUnicity(doc)).toEqual(svc({ security_opt: ["a", "a"], cap_drop: ["ALL"] }));
  });
});
