/* eslint-disable @typescript-eslint/no-explicit-any -- these tests read into untyped model JSON */
import { describe, expect, it } from "vitest";
import { isWindowsAbs, resolveRelativePaths } from "../../src/compose/paths.js";

const resolve = (dict: Record<string, unknown>) =>
  resolveRelativePaths(dict, "/project", { homeDir: "/home/me" }) as any;

describe("resolveRelativePaths", () => {
  it("build context and additional contexts, remote ones untouched", () => {
    const out = resolve({
      services: {
        a: {
          build: {
            context: "./app",
            additional_contexts: { base: "../base", img: "docker-image://alpine", svc: "service:b" },
          },
        },
        b: { build: { context: "https://github.com/docker/x.git" } },
        c: { build: { context: "git@github.com:x/y.git" } },
        d: { build: { dockerfile: "Containerfile" } },
      },
    });
    expect(out.services.a.build).toEqual({
      context: "/project/app",
      additional_contexts: { base: "/base", img: "docker-image://alpine", svc: "service:b" },
    });
    expect(out.services.b.build.context).toBe("https://github.com/docker/x.git");
    expect(out.services.c.build.context).toBe("git@github.com:x/y.git");
    expect(out.services.d.build).toEqual({ dockerfile: "Containerfile", context: "/project" });
  });

  it("env_file, label_file, extends.file and develop.watch paths", () => {
    const out = resolve({
      services: {
        a: {
          env_file: [
            { path: "./a.env", required: true },
            { path: "/abs.env", required: false },
          ],
          label_file: ["labels"],
          extends: { file: "../common.yml", service: "base" },
          develop: { watch: [{ path: "./src", action: "sync" }] },
        },
      },
    });
    expect(out.services.a.env_file).toEqual([
      { path: "/project/a.env", required: true },
      { path: "/abs.env", required: false },
    ]);
    expect(out.services.a.label_file).toEqual(["/project/labels"]);
    expect(out.services.a.extends.file).toBe("/common.yml");
    expect(out.services.a.develop.watch[0].path).toBe("/project/src");
  });

  it("bind sources only, with ~ expansion; Windows paths kept", () => {
    const out = resolve({
      services: {
        a: {
          volumes: [
            { type: "bind", source: ".", target: "/code" },
            { type: "bind", source: "./static/", target: "/www" },
            { type: "bind", source: "~/configs", target: "/etc/c" },
            { type: "bind", source: "C:\\data", target: "/d" },
            { type: "volume", source: "data", target: "/data" },
          ],
        },
      },
    });
    expect(out.services.a.volumes.map((v: any) => v.source)).toEqual([
      "/project",
      "/project/static",
      "/home/me/configs",
      "C:\\data",
      "data",
    ]);
  });

  it("a bind without source is an error", () => {
    expect(() => resolve({ services: { a: { volumes: [{ type: "bind", target: "/x" }] } } })).toThrow(
      /field Source must not be empty/,
    );
  });

  it("secret and config files; local bind-mounted volume devices", () => {
    const out = resolve({
      secrets: { s: { file: "./secret" }, e: { environment: "X" } },
      configs: { c: { file: "~/conf" } },
      volumes: {
        bound: { driver: "local", driver_opts: { type: "none", o: "bind", device: "./data" } },
        other: { driver: "local", driver_opts: { device: "./x" } },
        empty: null,
      },
    });
    expect(out.secrets).toEqual({ s: { file: "/project/secret" }, e: { environment: "X" } });
    expect(out.configs.c.file).toBe("/home/me/conf");
    expect(out.volumes.bound.driver_opts.device).toBe("/project/data");
    expect(out.volumes.other.driver_opts.device).toBe("./x");
    expect(out.volumes.empty).toBeNull();
  });

  it("include entries", () => {
    const out = resolve({ include: [{ path: ["sub/compose.yml"], project_directory: "sub", env_file: ["sub/.env"] }] });
    expect(out.include[0]).toEqual({
      path: ["/project/sub/compose.yml"],
      project_directory: "/project/sub",
      env_file: ["/project/sub/.env"],
    });
  });

  it("leaves other attributes and its input alone", () => {
    const input = {
      services: { a: { image: "x", working_dir: "./w", volumes: [{ type: "bind", source: "./s", target: "/t" }] } },
    };
    const copy = structuredClone(input);
    const out = resolve(input);
    expect(out.services.a.working_dir).toBe("./w");
    expect(input).toEqual(copy);
  });

  it("recognizes Windows absolute paths", () => {
    expect(["C:\\x", "c:/x", "\\\\host\\share\\x"].map(isWindowsAbs)).toEqual([true, true, true]);
    expect(["C:x", "./x", "/x"].map(isWindowsAbs)).toEqual([false, false, false]);
  });
});
