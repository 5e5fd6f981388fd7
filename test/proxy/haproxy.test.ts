import { describe, expect, it } from "vitest";
import type { Project, ServiceConfig } from "../../src/compose/model.js";
import { UserError } from "../../src/compose/errors.js";
import { resolveCluster } from "../../src/cluster/resolve.js";
import type { ClusterDefinition } from "../../src/cluster/define.js";
import { buildHaproxyConfig, haproxyEscape, redisPassword } from "../../src/proxy/haproxy.js";

const svc = (partial: Partial<ServiceConfig> = {}): ServiceConfig => ({ command: null, entrypoint: null, ...partial });

const clusterDef: ClusterDefinition = {
  domain: "example.com",
  tiers: ["core", "edge"],
  localNode: "b",
  nodes: [
    { name: "a", address: "100.64.0.1", tier: "edge" },
    { name: "b", address: "100.64.0.2", tier: "edge" },
    { name: "c", address: "100.64.0.3", tier: "core" },
  ],
};

function build(services: Record<string, ServiceConfig>, def: ClusterDefinition = clusterDef, node?: string) {
  const project: Project = { name: "t", services };
  return buildHaproxyConfig(project, resolveCluster(def, undefined, project), node ? { node } : {});
}

const l4 = (labels: Record<string, string>, extra: Partial<ServiceConfig> = {}) =>
  svc({ labels: { "osvc.l4.enable": "true", "osvc.l4.port": "5432", ...labels }, ...extra });

/** The indented lines of section `title`. */
function sectionOf(cfg: string, title: string): string[] {
  const block = cfg.split("\n\n").find((b) => b.startsWith(`${title}\n`));
  if (!block) throw new Error(`no section ${title} in:\n${cfg}`);
  return block
    .trimEnd()
    .split("\n")
    .slice(1)
    .map((l) => l.trim());
}

/** A backend's lines without its timeouts (checked on their own below). */
function backendOf(cfg: string, title: string): string[] {
  return sectionOf(cfg, title).filter((l) => !l.startsWith("timeout "));
}

describe("buildHaproxyConfig", () => {
  it("failover mode: local server active, others backup by tier; defaults and stats present", () => {
    const { config } = build({ db: l4({}) });
    expect(sectionOf(config, "frontend fe_db")).toEqual(["bind :5432", "default_backend be_db"]);
    expect(backendOf(config, "backend be_db")).toEqual([
      "server b 100.64.0.2:5432 check inter 2s fastinter 500ms fall 2 rise 2 on-marked-up shutdown-backup-sessions on-marked-down shutdown-sessions",
      "server c 100.64.0.3:5432 check inter 2s fastinter 500ms fall 2 rise 2 backup on-marked-down shutdown-sessions",
      "server a 100.64.0.1:5432 check inter 2s fastinter 500ms fall 2 rise 2 backup on-marked-down shutdown-sessions",
    ]);
    expect(sectionOf(config, "defaults")).toEqual(
      expect.arrayContaining(["mode tcp", "timeout connect 5s", "timeout client 1h", "timeout server 1h"]),
    );
    expect(sectionOf(config, "listen stats")).toEqual(
      expect.arrayContaining(["bind 127.0.0.1:8404", "mode http", "stats enable"]),
    );
  });

  it("balance mode: every server active with the chosen algorithm; a label can override per service", () => {
    const def = { ...clusterDef, proxy: { haproxy: { mode: "balance" as const, balance: "leastconn" as const } } };
    const { config } = build(
      {
        db: l4({}),
        cache: l4({ "osvc.l4.port": "6379", "osvc.l4.balance": "roundrobin" }),
        pinned: l4({ "osvc.l4.port": "1", "osvc.l4.mode": "failover" }),
      },
      def,
    );
    const db = backendOf(config, "backend be_db");
    expect(db[0]).toBe("balance leastconn");
    expect(db.filter((l) => l.startsWith("server")).every((l) => !l.includes("backup"))).toBe(true);
    expect(backendOf(config, "backend be_cache")[0]).toBe("balance roundrobin");
    expect(backendOf(config, "backend be_pinned").filter((l) => l.includes(" backup "))).toHaveLength(2);
  });

  it("generates for another node: that node's server is the active one", () => {
    const { config } = build({ db: l4({}) }, clusterDef, "a");
    expect(backendOf(config, "backend be_db").map((l) => l.split(" ")[1])).toEqual(["a", "c", "b"]);
  });

  it("uses backend_port, else the host port publishing osvc.l4.port, else osvc.l4.port", () => {
    const { config } = build({
      explicit: l4(
        { "osvc.l4.port": "1000", "osvc.l4.backend_port": "2000" },
        { ports: [{ mode: "ingress", target: 1000, published: "3000", protocol: "tcp" }] },
      ),
      mapped: l4(
        { "osvc.l4.port": "1001" },
        { ports: [{ mode: "ingress", target: 1001, published: "31001", protocol: "tcp" }] },
      ),
      plain: l4({ "osvc.l4.port": "1002" }),
    });
    expect(backendOf(config, "backend be_explicit")[0]).toMatch(/^server b 100\.64\.0\.2:2000 /);
    expect(backendOf(config, "backend be_mapped")[0]).toMatch(/^server b 100\.64\.0\.2:31001 /);
    expect(backendOf(config, "backend be_plain")[0]).toMatch(/^server b 100\.64\.0\.2:1002 /);
  });

  it("check timing comes from labels", () => {
    const { config } = build({
      db: l4({ "osvc.l4.check.inter": "500ms", "osvc.l4.check.fall": "5", "osvc.l4.check.rise": "1" }),
    });
    expect(backendOf(config, "backend be_db")[0]).toContain("check inter 500ms fastinter 125ms fall 5 rise 1");
  });

  it("bounds each check by inter/4 (connect and reply) and re-checks a failing server every inter/4", () => {
    const { config } = build({
      fast: l4({ "osvc.l4.port": "1", "osvc.l4.check.inter": "500ms" }),
      slow: l4({ "osvc.l4.port": "2", "osvc.l4.check.inter": "1m" }),
      tiny: l4({ "osvc.l4.port": "3", "osvc.l4.check.inter": "2" }),
    });
    expect(sectionOf(config, "backend be_fast").slice(0, 2)).toEqual(["timeout connect 125ms", "timeout check 125ms"]);
    expect(sectionOf(config, "backend be_fast")[2]).toContain("check inter 500ms fastinter 125ms fall 2");
    // Capped at the 5 s a connect may take anyway; at least 1 ms.
    expect(sectionOf(config, "backend be_slow").slice(0, 2)).toEqual([
      "timeout connect 5000ms",
      "timeout check 5000ms",
    ]);
    expect(sectionOf(config, "backend be_tiny")[0]).toBe("timeout connect 1ms");
  });

  it("http check: option httpchk with the path, mode stays tcp", () => {
    const { config } = build({ api: l4({ "osvc.l4.check": "http", "osvc.l4.check.path": "/healthz?full=1" }) });
    expect(backendOf(config, "backend be_api")[0]).toBe("option httpchk GET /healthz?full=1");
    expect(backendOf(config, "backend be_api")).not.toContain("mode http");
  });

  it("redis check without a password: PING / +PONG", () => {
    const { config } = build({ redis: l4({ "osvc.l4.port": "6379", "osvc.l4.check": "redis" }) });
    expect(backendOf(config, "backend be_redis").slice(0, 5)).toEqual([
      "option tcp-check",
      "tcp-check send PING\\r\\n",
      "tcp-check expect string +PONG",
      "tcp-check send QUIT\\r\\n",
      "tcp-check expect string +OK",
    ]);
  });

  it("redis check with REDIS_PASSWORD: AUTH first, password escaped byte by byte", () => {
    const { config } = build({
      redis: l4(
        { "osvc.l4.port": "6379", "osvc.l4.check": "redis" },
        { environment: { REDIS_PASSWORD: 'p w#"\\\n€' } },
      ),
    });
    const lines = backendOf(config, "backend be_redis");
    expect(lines.slice(0, 4)).toEqual([
      "option tcp-check",
      "tcp-check send *2\\r\\n$4\\r\\nAUTH\\r\\n$10\\r\\np\\x20w\\x23\\x22\\x5c\\x0a\\xe2\\x82\\xac\\r\\n",
      "tcp-check expect string +OK",
      "tcp-check send PING\\r\\n",
    ]);
    // Nothing of the password survives unescaped on the line.
    expect(config).not.toMatch(/p w/);
  });

  it("finds the password in --requirepass, resolving $VAR from the environment", () => {
    expect(redisPassword("r", svc({ command: ["redis-server", "--requirepass", "abc"] }))).toEqual({ password: "abc" });
    expect(
      redisPassword(
        "r",
        svc({ command: ["sh", "-c", 'redis-server --requirepass "$PW" --port 6379'], environment: { PW: "xyz" } }),
      ),
    ).toEqual({
      password: "xyz",
    });
    expect(
      redisPassword(
        "r",
        svc({
          command: ["redis-server", "--requirepass", "${PW}"],
          environment: { REDIS_PASSWORD: "other", PW: "pw" },
        }),
      ),
    ).toEqual({
      password: "pw",
    });
    expect(redisPassword("r", svc({ command: ["redis-server", "--requirepass", "$NOPE"] })).warning).toMatch(/\$NOPE/);
    expect(redisPassword("r", svc({ environment: { REDIS_PASSWORD: null } })).warning).toMatch(
      /REDIS_PASSWORD has no value/,
    );
    expect(redisPassword("r", svc())).toEqual({});
  });

  it.each([
    ["osvc.l4.port", "5432\nlisten evil"],
    ["osvc.l4.check.path", "/ok\r\n"],
    ["osvc.l4.check.path", "/a b"],
    ["osvc.l4.check.path", "/#x"],
    ["osvc.l4.check.inter", '2s"'],
    ["osvc.l4.check.fall", "2'"],
    ["osvc.l4.check", "tcp\u0000"],
    ["osvc.l4.backend_port", "\\x0a"],
    ["osvc.l4.whatever", "x y"],
  ])("rejects %s=%j naming the service and label", (label, value) => {
    let error: unknown;
    try {
      build({ db: l4({ [label]: value }) });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toContain(`service db: label ${label} has a value HAProxy would misread`);
    expect((error as UserError).path).toBe(`services.db.labels.${label}`);
  });

  it.each([
    [{ "osvc.l4.port": "99999" }, /osvc\.l4\.port must be a port number/],
    [{ "osvc.l4.port": "" }, /has a value HAProxy would misread/],
    [{ "osvc.l4.check": "mysql" }, /must be one of tcp, redis, http/],
    [{ "osvc.l4.check.inter": "0s" }, /positive HAProxy time/],
    [{ "osvc.l4.check.rise": "0" }, /whole number/],
    [{ "osvc.l4.check": "http", "osvc.l4.check.path": "health" }, /must start with "\/"/],
  ])("rejects invalid values %j", (labels, message) => {
    expect(() => build({ db: l4(labels) })).toThrow(message);
  });

  it("requires osvc.l4.port and refuses two services on one frontend port or on the stats port", () => {
    expect(() => build({ db: svc({ labels: { "osvc.l4.enable": "true" } }) })).toThrow(/osvc\.l4\.port is required/);
    expect(() => build({ a1: l4({}), b1: l4({}) })).toThrow(/port 5432 is already used by service a1/);
    expect(() => build({ a1: l4({ "osvc.l4.port": "8404" }) })).toThrow(/already used by the HAProxy stats page/);
  });

  it("warns about unknown osvc.l4 labels and services without online nodes", () => {
    const { config, warnings } = build({ db: l4({ "osvc.l4.chek": "tcp", "c2ts.nodes": "" }) });
    expect(warnings).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/unknown label osvc\.l4\.chek/),
        expect.stringMatching(/no online node runs this service/),
      ]),
    );
    expect(backendOf(config, "backend be_db")).toEqual(["# no online node runs db"]);
  });

  it("ignores services without osvc.l4.enable=true and is deterministic", () => {
    const services = { web: svc({ labels: { "osvc.l4.port": "80" } }), db: l4({}) };
    const first = build(services).config;
    expect(first).not.toContain("fe_web");
    expect(build(structuredClone(services)).config).toBe(first);
  });
});

describe("haproxyEscape", () => {
  it("keeps letters and digits and hex-escapes every other byte", () => {
    expect(haproxyEscape("Ab9")).toBe("Ab9");
    expect(haproxyEscape(" #\\'\"$\t")).toBe("\\x20\\x23\\x5c\\x27\\x22\\x24\\x09");
    expect(haproxyEscape("é")).toBe("\\xc3\\xa9");
  });
});
