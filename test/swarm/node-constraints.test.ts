import { describe, expect, it } from "vitest";
import type { SwarmNode } from "../../src/swarm/api.js";
import { eligibleNodes, nodeMatchesConstraint, parseConstraint } from "../../src/swarm/node-constraints.js";

function node(
  id: string,
  o: Partial<{
    name: string;
    role: "manager" | "worker";
    state: string;
    availability: "active" | "pause" | "drain";
    arch: string;
    engineLabels: Record<string, string>;
    addr: string;
  }> = {},
): SwarmNode {
  return {
    ID: id,
    Version: { Index: 1 },
    Spec: {
      Role: o.role ?? "worker",
      Availability: o.availability ?? "active",
      Labels: o.name ? { "c2ts.node": o.name, "c2ts.tier": "primary" } : {},
    },
    Description: {
      Hostname: `host-${id}`,
      Platform: { OS: "linux", Architecture: o.arch ?? "x86_64" },
      Engine: { Labels: o.engineLabels ?? {} },
    },
    Status: { State: o.state ?? "ready", Addr: o.addr ?? "10.0.0.1" },
  };
}

const matches = (n: SwarmNode, expression: string) => nodeMatchesConstraint(n, parseConstraint(expression));

describe("parseConstraint", () => {
  it("splits key, operator and value, trimming spaces around them", () => {
    expect(parseConstraint(" node.labels.disk == ssd ")).toEqual({ key: "node.labels.disk", op: "==", value: "ssd" });
    expect(parseConstraint("node.role!=manager")).toEqual({ key: "node.role", op: "!=", value: "manager" });
    expect(parseConstraint("node==node 1").value).toBe("node 1");
  });

  it("refuses what swarmkit refuses: no operator, bad key, empty value", () => {
    expect(() => parseConstraint("nodeabc")).toThrow(/expected one operator/);
    expect(() => parseConstraint("node ~ abc")).toThrow(/expected one operator/);
    expect(() => parseConstraint("1node==a")).toThrow(/key "1node" is invalid/);
    expect(() => parseConstraint("no de==a")).toThrow(/key/);
    expect(() => parseConstraint("no*de==a")).toThrow(/key/);
    expect(() => parseConstraint("==a")).toThrow(/key/);
    expect(() => parseConstraint("node==")).toThrow(/value "" is invalid/);
    expect(() => parseConstraint("node== ")).toThrow(/value/);
  });
});

describe("nodeMatchesConstraint", () => {
  const n = node("abc123", {
    name: "pi",
    role: "manager",
    arch: "aarch64",
    engineLabels: { storage: "ssd" },
    addr: "10.254.79.2",
  });

  it("node.labels: the label name exactly, the value case-insensitively; a missing label matches != only", () => {
    expect(matches(n, "node.labels.c2ts.node==pi")).toBe(true);
    expect(matches(n, "node.labels.c2ts.node==PI")).toBe(true);
    expect(matches(n, "node.labels.c2ts.node!=pi")).toBe(false);
    expect(matches(n, "node.labels.c2ts.node==nas")).toBe(false);
    expect(matches(n, "node.labels.c2ts.node!=nas")).toBe(true);
    expect(matches(n, "node.labels.C2TS.NODE==pi")).toBe(false);
    expect(matches(n, "NODE.LABELS.c2ts.node==pi")).toBe(true);
    expect(matches(n, "node.labels.gpu==yes")).toBe(false);
    expect(matches(n, "node.labels.gpu!=yes")).toBe(true);
  });

  it("node.role, node.hostname, node.id, node.platform.os/arch, engine.labels", () => {
    expect(matches(n, "node.role==manager")).toBe(true);
    expect(matches(n, "node.role==worker")).toBe(false);
    expect(matches(n, "node.role!=worker")).toBe(true);
    expect(matches(n, "node.hostname==host-abc123")).toBe(true);
    expect(matches(n, "node.hostname!=host-abc123")).toBe(false);
    expect(matches(n, "node.id==abc123")).toBe(true);
    expect(matches(n, "node.id==abc")).toBe(false);
    expect(matches(n, "node.platform.os==linux")).toBe(true);
    expect(matches(n, "node.platform.os==windows")).toBe(false);
    expect(matches(n, "node.platform.arch==aarch64")).toBe(true);
    expect(matches(n, "node.platform.arch!=x86_64")).toBe(true);
    expect(matches(n, "engine.labels.storage==ssd")).toBe(true);
    expect(matches(n, "engine.labels.storage==hdd")).toBe(false);
    expect(matches(n, "engine.labels.zone!=eu")).toBe(true);
  });

  it("node.ip against an address or a CIDR", () => {
    expect(matches(n, "node.ip==10.254.79.2")).toBe(true);
    expect(matches(n, "node.ip==10.254.79.0/24")).toBe(true);
    expect(matches(n, "node.ip==10.254.78.0/24")).toBe(false);
    expect(matches(n, "node.ip!=10.254.78.0/24")).toBe(true);
  });

  it("an unknown key matches no node, whatever the operator", () => {
    expect(matches(n, "node.name==pi")).toBe(false);
    expect(matches(n, "node.name!=pi")).toBe(false);
  });
});

describe("eligibleNodes", () => {
  const nodes = [
    node("a", { name: "n1", role: "manager" }),
    node("b", { name: "n2", arch: "aarch64" }),
    node("c", { name: "n3" }),
    node("d", { name: "n4", state: "down" }),
    node("e", { name: "n5", availability: "drain" }),
  ];
  const ids = (p: Parameters<typeof eligibleNodes>[1]) => eligibleNodes(nodes, p).map((x) => x.ID);

  it("every ready, active node when the service has no placement", () => {
    expect(ids(undefined)).toEqual(["a", "b", "c"]);
  });

  it("constraints are ANDed; cluster placement as converted (one == or several !=) selects its nodes", () => {
    expect(ids({ Constraints: ["node.labels.c2ts.node==n2"] })).toEqual(["b"]);
    expect(ids({ Constraints: ["node.labels.c2ts.node!=n1", "node.labels.c2ts.node!=n4"] })).toEqual(["b", "c"]);
    expect(ids({ Constraints: ["node.role==worker", "node.labels.c2ts.node!=n3"] })).toEqual(["b"]);
    expect(ids({ Constraints: ["node.labels.c2ts.node==n4"] })).toEqual([]);
  });

  it("platforms: engine architecture names (x86_64, aarch64) match image ones (amd64, arm64)", () => {
    expect(ids({ Platforms: [{ OS: "linux", Architecture: "arm64" }] })).toEqual(["b"]);
    expect(ids({ Platforms: [{ Architecture: "amd64" }, { Architecture: "arm64" }] })).toEqual(["a", "b", "c"]);
    expect(ids({ Platforms: [{ OS: "windows" }] })).toEqual([]);
  });

  it("an invalid constraint is an error, not a silent mismatch", () => {
    expect(() => ids({ Constraints: ["node.labels.x"] })).toThrow(/expected one operator/);
  });
});
