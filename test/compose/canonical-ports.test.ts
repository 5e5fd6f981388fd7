/* eslint-disable @typescript-eslint/no-explicit-any -- these tests read into untyped model JSON */
import { describe, expect, it } from "vitest";
import { canonicalizeFile, parsePortSpec } from "../../src/compose/canonical.js";

const ports = (...specs: unknown[]) =>
  (canonicalizeFile({ services: { web: { ports: specs } } }) as any).services.web.ports;

describe("ports short syntax", () => {
  it("host:container", () => {
    expect(parsePortSpec("8080:80")).toEqual([{ mode: "ingress", target: 80, published: "8080", protocol: "tcp" }]);
  });

  it("ip:host:container/udp", () => {
    expect(parsePortSpec("127.0.0.1:8080:80/udp")).toEqual([
      { mode: "ingress", host_ip: "127.0.0.1", target: 80, published: "8080", protocol: "udp" },
    ]);
  });

  it("a bare container port publishes nothing", () => {
    expect(parsePortSpec("80")).toEqual([{ mode: "ingress", target: 80, protocol: "tcp" }]);
    expect(ports(3000)).toEqual([{ target: 3000 }]);
  });

  it("expands ranges to one entry per port", () => {
    expect(parsePortSpec("9090-9091:8080-8081")).toEqual([
      { mode: "ingress", target: 8080, published: "9090", protocol: "tcp" },
      { mode: "ingress", target: 8081, published: "9091", protocol: "tcp" },
    ]);
    expect(parsePortSpec("3001-3003").map((p) => p.target)).toEqual([3001, 3002, 3003]);
  });

  it("orders an expanded range by its text, as compose-go does", () => {
    expect(parsePortSpec("9999-10001").map((p) => p.target)).toEqual([10000, 10001, 9999]);
  });

  it("keeps a host range for a single container port", () => {
    expect(parsePortSpec("8000-8010:80")).toEqual([
      { mode: "ingress", target: 80, published: "8000-8010", protocol: "tcp" },
    ]);
  });

  it("accepts bracketed IPv6 and sctp", () => {
    expect(parsePortSpec("[::1]:80:80/sctp")).toEqual([
      { mode: "ingress", host_ip: "::1", target: 80, published: "80", protocol: "sctp" },
    ]);
  });

  it("keeps the long syntax untouched and mixes with short entries", () => {
    const long = { target: 80, published: "8080", protocol: "udp", "x-note": "kept" };
    expect(ports("81", long)).toEqual([{ mode: "ingress", target: 81, protocol: "tcp" }, long]);
  });

  it.each([
    ["1.2.3:80:80", /invalid IP address/],
    ["80/icmp", /invalid proto/],
    ["8000-8001:80-82", /invalid ranges/],
    ["abc", /invalid containerPort/],
    ["70000", /invalid containerPort/],
    ["x:80", /invalid hostPort/],
  ])("rejects %s", (spec, message) => {
    expect(() => parsePortSpec(spec)).toThrow(message);
  });
});
