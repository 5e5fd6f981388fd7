/**
 * Loader behaviours where c2ts used to differ from Docker Compose (issue 10): each case failed
 * before the fix it names.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadProject, type LoadOptions } from "../../src/compose/loader.js";
import { toComposeJson } from "../../src/compose/compose-json.js";
import { tmpStack } from "../helpers/tmp-stack.js";

const load = (dir: string, opts: LoadOptions = {}) => loadProject({ cwd: dir, environment: {}, ...opts });

describe("name: is normalized as Compose does", () => {
  it("lower-cases a name from the file and drops what a project name may not hold", async () => {
    const dir = tmpStack({ "compose.yaml": "name: myProject\nservices:\n  a:\n    image: x\n" });
    expect((await load(dir)).project.name).toBe("myproject");
    const odd = tmpStack({ "compose.yaml": "name: _My.Stack-2\nservices:\n  a:\n    image: x\n" });
    expect((await load(odd)).project.name).toBe("mystack-2");
  });

  it("still refuses an invalid -p or COMPOSE_PROJECT_NAME", async () => {
    const dir = tmpStack({ "compose.yaml": "services:\n  a:\n    image: x\n" });
    await expect(load(dir, { projectName: "myProject" })).rejects.toThrow(/invalid project name "myProject"/);
    await expect(load(dir, { environment: { COMPOSE_PROJECT_NAME: "Bad" } })).rejects.toThrow(/invalid project name/);
  });
});

describe("include: a resource redefined by the including file", () => {
  it("is merged, the including file's definition on top", async () => {
    const dir = tmpStack({
      "compose.yaml": [
        "include: [inc/compose.yaml]",
        "services:",
        "  web:",
        "    environment: {MODE: prod}",
        "    ports: !override ['9090:90']",
        "volumes:",
        "  data: {driver: local}",
        "",
      ].join("\n"),
      "inc/compose.yaml": [
        "services:",
        "  web:",
        "    image: nginx",
        "    environment: {MODE: dev, DEBUG: '1'}",
        "    ports: ['8080:80']",
        "    volumes: [data:/data]",
        "volumes:",
        "  data: {labels: {from: include}}",
        "",
      ].join("\n"),
    });
    const { project } = await load(dir);
    const web = project.services.web!;
    expect(web.image).toBe("nginx");
    expect(web.environment).toEqual({ MODE: "prod", DEBUG: "1" });
    expect(web.ports).toEqual([{ mode: "ingress", target: 90, published: "9090", protocol: "tcp" }]);
    expect(project.volumes!.data).toMatchObject({ driver: "local", labels: { from: "include" } });
  });

  it("honours !reset like an override file", async () => {
    const dir = tmpStack({
      "compose.yaml": "include: [inc.yaml]\nservices:\n  web:\n    command: !reset null\n",
      "inc.yaml": "services:\n  web:\n    image: nginx\n    command: [serve]\n",
    });
    const { project } = await load(dir);
    expect(project.services.web!.image).toBe("nginx");
    expect(project.services.web!.command ?? null).toBeNull();
  });
});

describe("include: env_file", () => {
  it("is visible while the included files are interpolated, bare environment entries included", async () => {
    const dir = tmpStack({
      "compose.yaml": "include:\n  - path: inc/compose.yaml\n    env_file: inc.env\nservices: {}\n",
      "inc.env": "IMAGE=redis\nTOKEN=abc\n",
      "inc/compose.yaml": "services:\n  cache:\n    image: ${IMAGE}\n    environment: [TOKEN, UNKNOWN]\n",
    });
    const { project } = await load(dir);
    expect(project.services.cache!.image).toBe("redis");
    expect(project.services.cache!.environment).toEqual({ TOKEN: "abc", UNKNOWN: null });
  });
});

describe("config and secret mode", () => {
  it("reads a string mode as octal, also when it comes from interpolation", async () => {
    const dir = tmpStack({
      "compose.yaml": [
        "services:",
        "  a:",
        "    image: x",
        "    configs: [{source: c, mode: '${MODE}'}]",
        "    secrets: [{source: s, mode: '0440'}]",
        "configs:",
        "  c: {content: hi}",
        "secrets:",
        "  s: {file: ./s.txt}",
        "",
      ].join("\n"),
      "s.txt": "x",
    });
    const { project } = await load(dir, { environment: { MODE: "555" } });
    expect(project.services.a!.configs![0]!.mode).toBe(0o555);
    expect(project.services.a!.secrets![0]!.mode).toBe(0o440);
    const json = toComposeJson(project) as { services: Record<string, { configs: { mode: string }[] }> };
    expect(json.services.a!.configs[0]!.mode).toBe("0555");
  });
});

describe("extends chain with !override", () => {
  it("replaces what was inherited at every level (base → middle → service)", async () => {
    const dir = tmpStack({
      "compose.yaml": [
        "services:",
        "  base:",
        "    image: x",
        "    ports: ['80:80']",
        "    environment: {A: '1', B: '1'}",
        "  middle:",
        "    extends: base",
        "    ports: !override ['81:81']",
        "    environment: !override {C: '1'}",
        "  web:",
        "    extends: middle",
        "    ports: !override ['82:82']",
        "    environment: {D: '1'}",
        "  other:",
        "    extends: middle",
        "    ports: ['83:83']",
        "",
      ].join("\n"),
    });
    const { project } = await load(dir);
    expect(project.services.middle!.ports!.map((p) => p.target)).toEqual([81]);
    expect(project.services.middle!.environment).toEqual({ C: "1" });
    expect(project.services.web!.ports!.map((p) => p.target)).toEqual([82]);
    expect(project.services.web!.environment).toEqual({ C: "1", D: "1" });
    expect(project.services.other!.ports!.map((p) => p.target)).toEqual([81, 83]);
  });

  it("replaces what was inherited when the chain runs through other files", async () => {
    const dir = tmpStack({
      "base.yml":
        "services:\n  base:\n    image: x\n    ports: ['80:80']\n    environment: {A: '1'}\n    volumes: ['./b:/b']\n",
      "middle.yml": [
        "services:",
        "  middle:",
        "    extends: {file: base.yml, service: base}",
        "    ports: !override ['81:81']",
        "    environment: !override {C: '1'}",
        "    volumes: !override ['./m:/m']",
        "",
      ].join("\n"),
      "compose.yaml": [
        "services:",
        "  web:",
        "    extends: {file: middle.yml, service: middle}",
        "    environment: {D: '1'}",
        "  web2:",
        "    extends: {file: middle.yml, service: middle}",
        "    ports: !override ['82:82']",
        "",
      ].join("\n"),
    });
    const { project } = await load(dir);
    expect(project.services.web!.ports!.map((p) => p.target)).toEqual([81]);
    expect(project.services.web!.environment).toEqual({ C: "1", D: "1" });
    expect(project.services.web!.volumes!.map((v) => v.source)).toEqual([join(dir, "m")]);
    expect(project.services.web2!.ports!.map((p) => p.target)).toEqual([82]);
  });
});

describe("several --env-file files", () => {
  it("resolve ${VAR} in a file from its own earlier keys before earlier files", async () => {
    const dir = tmpStack({
      "compose.yaml": "services:\n  a:\n    image: x\n    environment: {URL: '${URL}'}\n",
      "a.env": "H=localhost\nURL=http://${H}\n",
      "b.env": "H=dev\nURL=http://${H}\n",
    });
    const { project } = await load(dir, { envFiles: [join(dir, "a.env"), join(dir, "b.env")] });
    expect(project.services.a!.environment).toEqual({ URL: "http://dev" });
  });

  it("still see earlier files for names the file does not set", async () => {
    const dir = tmpStack({
      "compose.yaml": "services:\n  a:\n    image: x\n    environment: {URL: '${URL}'}\n",
      "a.env": "H=localhost\n",
      "b.env": "URL=http://${H}\n",
    });
    const { project } = await load(dir, { envFiles: [join(dir, "a.env"), join(dir, "b.env")] });
    expect(project.services.a!.environment).toEqual({ URL: "http://localhost" });
  });
});

describe("an empty compose file", () => {
  it("is the error `empty compose file`, as in Compose", async () => {
    for (const content of ["", "# nothing but a comment\n"]) {
      const dir = tmpStack({ "compose.yaml": content });
      await expect(load(dir)).rejects.toThrow(/empty compose file/);
    }
  });

  it("is fine when another -f file has content, and as an included file", async () => {
    const dir = tmpStack({ "a.yml": "", "b.yml": "services:\n  x:\n    image: x\n" });
    expect(Object.keys((await load(dir, { files: ["a.yml", "b.yml"] })).project.services)).toEqual(["x"]);
    const inc = tmpStack({ "compose.yaml": "include: [empty.yml]\nservices:\n  x:\n    image: x\n", "empty.yml": "" });
    expect(Object.keys((await load(inc)).project.services)).toEqual(["x"]);
  });
});
