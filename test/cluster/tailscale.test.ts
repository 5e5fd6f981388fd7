import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { UserError } from "../../src/compose/errors.js";
import { discoverNodes, execFileRunner, parseTailscaleStatus } from "../../src/cluster/tailscale.js";
import type { CommandRunner } from "../../src/cluster/tailscale.js";

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/tailscale/${name}`, import.meta.url), "utf8");
const fixturePath = (name: string) => new URL(`../../fixtures/tailscale/${name}`, import.meta.url).pathname;

describe("parseTailscaleStatus", () => {
  it("reads Self and the Peer map, keeps offline peers marked offline, skips sharee nodes", () => {
    const status = parseTailscaleStatus(fixture("status-running.json"));
    expect(status.backendState).toBe("Running");
    expect(status.magicDnsSuffix).toBe("tail1234.ts.net");
    expect(status.nodes.map((n) => [n.name, n.online])).toEqual([
      ["alices-macbook-pro", false],
      ["backup", false],
      ["nas", true],
      ["pi", true],
      ["vps", true],
    ]);
    expect(status.self?.name).toBe("nas");
    const pi = status.nodes.find((n) => n.name === "pi")!;
    expect(pi).toMatchObject({
      hostName: "raspberrypi",
      dnsName: "pi.tail1234.ts.net",
      ip: "100.101.102.11",
      ips: ["100.101.102.11", "fd7a:115c:a1e0::6f01:660b"],
      os: "linux",
      tags: ["tag:server"],
      self: false,
    });
    expect(status.nodes.some((n) => n.name.startsWith("bobs"))).toBe(false);
    expect(status.warnings).toEqual([]);
  });

  it("accepts Peer as an array and falls back to a sanitized HostName without DNSName", () => {
    const status = parseTailscaleStatus(fixture("status-peer-array.json"));
    expect(status.nodes.map((n) => n.name)).toEqual(["alices-macbook-pro", "backup", "nas", "pi-4-living-room", "vps"]);
    const pi = status.nodes.find((n) => n.name === "pi-4-living-room")!;
    expect(pi.dnsName).toBeUndefined();
    expect(pi.online).toBe(true);
  });

  it("gives the same nodes for the map and array forms apart from the renamed one", () => {
    const map = parseTailscaleStatus(fixture("status-running.json")).nodes.filter((n) => n.name !== "pi");
    const arr = parseTailscaleStatus(fixture("status-peer-array.json")).nodes.filter((n) => !n.name.startsWith("pi"));
    expect(arr).toEqual(map);
  });

  it("puts IPv4 first whatever the order Tailscale prints", () => {
    const status = parseTailscaleStatus({
      BackendState: "Running",
      Self: { HostName: "a", DNSName: "a.x.ts.net.", TailscaleIPs: ["fd7a::1", "100.64.0.1"] },
    });
    expect(status.self).toMatchObject({ ip: "100.64.0.1", ips: ["100.64.0.1", "fd7a::1"] });
  });

  it("marks expired peers offline and assumes online (with a warning) when Online is missing", () => {
    const status = parseTailscaleStatus({
      Peer: {
        "nodekey:1": { HostName: "old", DNSName: "old.x.ts.net.", TailscaleIPs: ["100.64.0.2"] },
        "nodekey:2": {
          HostName: "exp",
          DNSName: "exp.x.ts.net.",
          TailscaleIPs: ["100.64.0.3"],
          Online: true,
          Expired: true,
        },
      },
    });
    expect(status.nodes.map((n) => [n.name, n.online])).toEqual([
      ["exp", false],
      ["old", true],
    ]);
    expect(status.warnings).toEqual([expect.stringContaining('old): no "Online" field')]);
  });

  it("keeps one node per name, preferring the online one, and says so", () => {
    const status = parseTailscaleStatus({
      Peer: [
        { ID: "b", HostName: "box", TailscaleIPs: ["100.64.0.5"], Online: false },
        { ID: "a", HostName: "Box", TailscaleIPs: ["100.64.0.6"], Online: true },
      ],
    });
    expect(status.nodes).toHaveLength(1);
    expect(status.nodes[0].ip).toBe("100.64.0.6");
    expect(status.warnings[0]).toMatch(/two tailnet nodes are named "box"/);
  });

  it("reports invalid JSON and non-status documents as UserErrors", () => {
    expect(() => parseTailscaleStatus("{not json")).toThrow(UserError);
    expect(() => parseTailscaleStatus("[1,2]")).toThrow(/not an object/);
    expect(() => parseTailscaleStatus({ Peer: "x" })).toThrow(/neither a map nor an array/);
  });
});

const runnerFor =
  (stdout: string, code = 0, stderr = ""): CommandRunner =>
  async () => ({ stdout, stderr, code });

describe("discoverNodes with an injected runner", () => {
  it("runs `tailscale status --json`", async () => {
    const calls: string[][] = [];
    const status = await discoverNodes(async (cmd, args) => {
      calls.push([cmd, ...args]);
      return { stdout: fixture("status-running.json"), code: 0 };
    });
    expect(calls).toEqual([["tailscale", "status", "--json"]]);
    expect(status.self?.name).toBe("nas");
  });

  it("turns BackendState Stopped (exit 0) into a UserError that says to run tailscale up", async () => {
    const err = await discoverNodes(runnerFor(fixture("status-stopped.json"))).catch((e) => e);
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toMatch(/Tailscale is stopped.*tailscale up/);
  });

  it("explains logged-out and unapproved machines", async () => {
    await expect(discoverNodes(runnerFor(JSON.stringify({ BackendState: "NeedsLogin" })))).rejects.toThrow(
      /logged out.*tailscale up/,
    );
    await expect(discoverNodes(runnerFor(JSON.stringify({ BackendState: "NeedsMachineAuth" })))).rejects.toThrow(
      /approval/,
    );
  });

  it("turns an unreachable daemon into a UserError that says how to start it", async () => {
    const msg =
      "failed to connect to local tailscaled; it doesn't appear to be running (sudo systemctl start tailscaled ?)\n";
    const err = await discoverNodes(runnerFor("", 1, msg)).catch((e) => e);
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toMatch(/Cannot reach the local tailscaled daemon.*systemctl start tailscaled/);
  });

  it("reports other failures with the exit code and first line of output", async () => {
    await expect(discoverNodes(runnerFor("", 2, "boom: something odd\nmore\n"))).rejects.toThrow(
      /exit code 2: boom: something odd/,
    );
    await expect(discoverNodes(runnerFor("   "))).rejects.toThrow(/printed nothing/);
  });

  it("turns ENOENT from the runner into a 'not found on PATH' UserError", async () => {
    const enoent = Object.assign(new Error("spawn tailscale ENOENT"), { code: "ENOENT" });
    const err = await discoverNodes(async () => {
      throw enoent;
    }).catch((e) => e);
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toMatch(/not found on PATH/);
    expect(err.cause).toBe(enoent);
  });
});

describe("discoverNodes with stand-in tailscale scripts on PATH", () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  function standIn(script: string): string {
    const dir = mkdtempSync(join(tmpdir(), "c2ts-ts-"));
    dirs.push(dir);
    const file = join(dir, "tailscale");
    writeFileSync(file, `#!/bin/sh\n${script}\n`);
    chmodSync(file, 0o755);
    return dir;
  }
  const withPath = (dir: string) =>
    execFileRunner({ env: { ...process.env, PATH: `${dir}${delimiter}${process.env.PATH ?? ""}` } });

  it("parses what the binary prints and passes the right arguments", async () => {
    const dir = standIn(
      `[ "$1 $2" = "status --json" ] || { echo "bad args: $*" >&2; exit 9; }\ncat '${fixturePath("status-running.json")}'`,
    );
    const status = await discoverNodes(withPath(dir));
    expect(status.nodes.map((n) => n.name)).toContain("vps");
  });

  it("uses PATH from the process environment by default", async () => {
    const dir = standIn(`cat '${fixturePath("status-peer-array.json")}'`);
    const saved = process.env.PATH;
    process.env.PATH = `${dir}${delimiter}${saved ?? ""}`;
    try {
      const status = await discoverNodes();
      expect(status.nodes.map((n) => n.name)).toContain("pi-4-living-room");
    } finally {
      process.env.PATH = saved;
    }
  });

  it("reports a stopped daemon", async () => {
    const dir = standIn(
      `echo "failed to connect to local tailscaled; it doesn't appear to be running (sudo systemctl start tailscaled ?)" >&2\nexit 1`,
    );
    await expect(discoverNodes(withPath(dir))).rejects.toThrow(/Cannot reach the local tailscaled daemon/);
  });

  it("reports 'Tailscale is stopped.' from older clients that exit 1", async () => {
    const dir = standIn(`echo "Tailscale is stopped."\nexit 1`);
    await expect(discoverNodes(withPath(dir))).rejects.toThrow(/Tailscale is stopped on this machine/);
  });

  it("reports a missing binary", async () => {
    const empty = mkdtempSync(join(tmpdir(), "c2ts-empty-"));
    dirs.push(empty);
    const err = await discoverNodes(execFileRunner({ env: { PATH: empty } })).catch((e) => e);
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toMatch(/`tailscale` command was not found on PATH/);
  });
});
