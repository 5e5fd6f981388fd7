/* eslint-disable @typescript-eslint/no-explicit-any -- these tests read into untyped model JSON */
import { describe, expect, it } from "vitest";
import { normalizeProject, type NormalizeContext } from "../../src/compose/normalize.js";

/** What the loader would have read: these files exist, no other does. */
function files(contents: Record<string, string>): NormalizeContext["files"] {
  return new Map(Object.entries(contents));
}

const ctx = (over: Partial<NormalizeContext> = {}): NormalizeContext => ({
  projectName: "demo",
  workingDir: "/p",
  environment: {},
  files: files({}),
  ...over,
});

const web = (service: Record<string, unknown>, over: Partial<NormalizeContext> = {}) =>
  (normalizeProject({ services: { web: { image: "x", ...service } } }, ctx(over)) as any).services.web;

describe("environment", () => {
  it("bare keys come from the project environment, or stay null", () => {
    const s = web({ environment: { A: null, B: null, C: "set", D: 3 } }, { environment: { A: "from-env" } });
    expect(s.environment).toEqual({ A: "from-env", B: null, C: "set", D: "3" });
  });

  it("COMPOSE_PROJECT_NAME is always known", () => {
    expect(web({ environment: { COMPOSE_PROJECT_NAME: null } }).environment).toEqual({ COMPOSE_PROJECT_NAME: "demo" });
  });

  it("env_file values go under the service's own, later files win, env_file is dropped", () => {
    const s = web(
      {
        environment: { B: "service", C: null },
        env_file: [
          { path: "/p/a.env", required: true },
          { path: "/p/b.env", required: true },
        ],
      },
      { files: files({ "/p/a.env": "A=a\nB=a\nC=a\nD=a\n", "/p/b.env": "D=b\n" }) },
    );
    expect(s.environment).toEqual({ A: "a", B: "service", C: null, D: "b" });
    expect(s.env_file).toBeUndefined();
  });

  it("interpolates env files with the project environment first", () => {
    const s = web(
      { env_file: [{ path: "/p/a.env", required: true }] },
      { environment: { HOST: "db" }, files: files({ "/p/a.env": "URL=postgres://${HOST}:5432\nINHERITED\n" }) },
    );
    expect(s.environment).toEqual({ URL: "postgres://db:5432" });
  });

  it("a missing optional env file is skipped, a missing required one is an error", () => {
    expect(web({ env_file: [{ path: "/p/none.env", required: false }] }).environment).toBeUndefined();
    expect(() => web({ env_file: [{ path: "/p/none.env", required: true }] })).toThrow(
      /env file \/p\/none.env not found/,
    );
  });

  it("build args: null values from the environment, unresolved ones dropped", () => {
    const s = web({ build: { context: "/p", args: { A: null, B: null, C: "c" } } }, { environment: { A: "1" } });
    expect(s.build.args).toEqual({ A: "1", C: "c" });
  });
});

describe("labels", () => {
  it("label_file entries go under the service's labels, and label_file is dropped", () => {
    const s = web(
      { labels: { b: "own" }, label_file: ["/p/l1", "/p/l2"] },
      { files: files({ "/p/l1": "a=1\nb=1\n", "/p/l2": "c=${a}\n" }) },
    );
    expect(s.labels).toEqual({ a: "1", b: "own", c: "1" });
    expect(s.label_file).toBeUndefined();
    expect(() => web({ label_file: ["/p/missing"] })).toThrow(/label file \/p\/missing not found/);
  });

  it("label values are strings; a key without value is empty", () => {
    expect(web({ labels: { n: 42, t: true, e: null } }).labels).toEqual({ e: "", n: "42", t: "true" });
  });
});
