/* eslint-disable @typescript-eslint/no-explicit-any -- these tests read into untyped model JSON */
import { describe, expect, it } from "vitest";
import { canonicalizeFile, parseVolumeSpec } from "../../src/compose/canonical.js";

describe("volumes short syntax", () => {
  it("relative bind, read-only", () => {
    expect(parseVolumeSpec("./data:/data:ro")).toEqual({
      type: "bind",
      source: "./data",
      target: "/data",
      read_only: true,
      bind: { create_host_path: true },
    });
  });

  it("named volume", () => {
    expect(parseVolumeSpec("data:/data")).toEqual({ type: "volume", source: "data", target: "/data", volume: {} });
  });

  it("anonymous volume", () => {
    expect(parseVolumeSpec("/var/lib/anonymous")).toEqual({ type: "volume", target: "/var/lib/anonymous", volume: {} });
  });

  it("bind options: rw, selinux and propagation", () => {
    expect(parseVolumeSpec("/abs:/x:rw,z")).toEqual({
      type: "bind",
      source: "/abs",
      target: "/x",
      bind: { selinux: "z", create_host_path: true },
    });
    expect(parseVolumeSpec("/abs:/x:ro,rshared").bind).toEqual({ propagation: "rshared", create_host_path: true });
  });

  it("nocopy on a named volume", () => {
    expect(parseVolumeSpec("data:/x:nocopy")).toEqual({
      type: "volume",
      source: "data",
      target: "/x",
      volume: { nocopy: true },
    });
  });

  it("home-relative sources are binds (expanded later with the paths)", () => {
    expect(parseVolumeSpec("~/configs:/etc/configs:ro")).toMatchObject({
      type: "bind",
      source: "~/configs",
      read_only: true,
    });
  });

  it("Windows drive letters are part of the source", () => {
    expect(parseVolumeSpec("C:\\data:/data")).toMatchObject({ type: "bind", source: "C:\\data", target: "/data" });
  });

  it("cleans the target", () => {
    expect(parseVolumeSpec("data:/var/lib/../data/")).toMatchObject({ target: "/var/data" });
  });

  it("keeps ${} intact", () => {
    expect(parseVolumeSpec("${SRC:-./x}:/y")).toMatchObject({ source: "${SRC:-./x}", target: "/y" });
  });

  it.each([
    ["", /empty volume spec/],
    ["ab::c", /empty section between colons/],
    ["/a:/b:ro:x", /too many colons/],
  ])("rejects %j", (spec, message) => {
    expect(() => parseVolumeSpec(spec)).toThrow(message);
  });

  it("canonicalizes service volumes and leaves long syntax alone", () => {
    const long = { type: "tmpfs", target: "/tmp", tmpfs: { size: "10m" } };
    const out = canonicalizeFile({ services: { web: { volumes: [".:/code", long] } } }) as any;
    expect(out.services.web.volumes).toEqual([
      { type: "bind", source: ".", target: "/code", bind: { create_host_path: true } },
      long,
    ]);
  });
});
