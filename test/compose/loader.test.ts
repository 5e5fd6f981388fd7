import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { UserError } from "../../src/compose/errors.js";
import { loadProject, type LoadOptions } from "../../src/compose/loader.js";
import { tmpStack } from "../helpers/tmp-stack.js";

const load = (dir: string, opts: LoadOptions = {}) => loadProject({ cwd: dir, environment: {}, ...opts });

async function loadError(dir: string, opts: LoadOptions = {}): Promise<UserError> {
  try {
    await load(dir, opts);
  } catch (e) {
    if (e instanceof UserError) return e;
    throw e;
  }
  throw new Error("expected the load to fail");
}

describe("loadProject", () => {
  it("finds compose.yaml and its override in the working directory", async () => {
    const dir = tmpStack({
      "compose.yaml": "services:\n  web:\n    image: nginx\n",
      "compose.override.yaml": "services:\n  web:\n    environment: [DEBUG=1]\n",
    });
    const { project, configFiles } = await load(dir);
    expect(configFiles).toEqual([join(dir, "compose.yaml"), join(dir, "compose.override.yaml")]);
    expect(project.name).toBe("proj");
    expect(project.services.web!.environment).toEqual({ DEBUG: "1" });
  });

  it("merges -f files in order with override semantics", async () => {
    const dir = tmpStack({
      "a.yml":
        "services:\n  web:\n    image: nginx\n    command: a b\n    ports: ['80:80']\n    environment: {A: '1', B: '1'}\n",
      "b.yml": "services:\n  web:\n    command: [c]\n    ports: !reset []\n    environment: {B: '2'}\n",
    });
    const { project } = await load(dir, { files: ["a.yml", "b.yml"] });
    const web = project.services.web!;
    expect(web.command).toEqual(["c"]);
    expect(web.ports ?? []).toEqual([]);
    expect(web.environment).toEqual({ A: "1", B: "2" });
  });

  it("interpolates from the shell first, then .env, and sets COMPOSE_PROJECT_NAME", async () => {
    const dir = tmpStack({
      "compose.yaml":
        "services:\n  web:\n    image: ${IMAGE:-busybox}:${TAG}\n    labels: {project: $COMPOSE_PROJECT_NAME}\n",
      ".env": "IMAGE=fromdotenv\nTAG=1\n",
    });
    const { project } = await load(dir, { environment: { TAG: "shell" } });
    expect(project.services.web!.image).toBe("fromdotenv:shell");
    expect(project.services.web!.labels).toEqual({ project: "proj" });
  });

  it("uses --env-file instead of .env", async () => {
    const dir = tmpStack({
      "compose.yaml": "services:\n  web:\n    image: ${IMAGE}\n",
      ".env": "IMAGE=dotenv\n",
      "other.env": "IMAGE=other\n",
    });
    const { project } = await load(dir, { envFiles: [join(dir, "other.env")] });
    expect(project.services.web!.image).toBe("other");
  });

  it("takes the project name from name:, interpolated", async () => {
    const dir = tmpStack({ "compose.yaml": "name: ${STACK:-stack}-x\nservices:\n  web:\n    image: a\n" });
    expect((await load(dir)).project.name).toBe("stack-x");
    expect((await load(dir, { projectName: "explicit" })).project.name).toBe("explicit");
  });

  it("loads includes with their own directory and env file, and imports their resources", async () => {
    const dir = tmpStack({
      "compose.yaml": [
        "include:",
        "  - sub/one.yml",
        "  - path: two/two.yml",
        "    env_file: two.env",
        "services:",
        "  web:",
        "    image: web",
        "    depends_on: [one, two]",
      ].join("\n"),
      "sub/one.yml": "services:\n  one:\n    image: one\n    volumes: ['./data:/data']\n",
      "two/two.yml": "services:\n  two:\n    image: ${TWO_IMAGE}\n    env_file: two-svc.env\n",
      "two/two-svc.env": "FROM_FILE=yes\n",
      "two.env": "TWO_IMAGE=two-from-include-env\n",
    });
    const { project } = await load(dir);
    expect(Object.keys(project.services).sort()).toEqual(["one", "two", "web"]);
    expect(project.services.one!.volumes![0]).toMatchObject({
      type: "bind",
      source: join(dir, "sub/data"),
      target: "/data",
    });
    expect(project.services.two!.image).toBe("two-from-include-env");
    expect(project.services.two!.environment).toMatchObject({ FROM_FILE: "yes" });
  });

  it("rejects two includes that define one service differently", async () => {
    const dir = tmpStack({
      "compose.yaml": "include: [sub.yml, sub2.yml]\nservices: {}\n",
      "sub.yml": "services:\n  one:\n    image: one\n",
      "sub2.yml": "services:\n  one:\n    image: other\n",
    });
    expect((await loadError(dir)).message).toMatch(/services\.one conflicts with imported resource/);
  });

  it("detects include cycles", async () => {
    const dir = tmpStack({
      "compose.yaml": "include: [a.yml]\nservices:\n  web:\n    image: w\n",
      "a.yml": "include: [b.yml]\nservices: {}\n",
      "b.yml": "include: [a.yml]\nservices: {}\n",
    });
    expect((await loadError(dir)).message).toMatch(/include cycle detected/);
  });

  it("resolves extends from another file relative to that file", async () => {
    const dir = tmpStack({
      "compose.yaml": "services:\n  web:\n    extends: {file: base/common.yml, service: base}\n    image: web\n",
      "base/common.yml": "services:\n  base:\n    image: base\n    env_file: common.env\n    environment: {A: '1'}\n",
      "base/common.env": "B=2\n",
    });
    const { project } = await load(dir);
    expect(project.services.web!.image).toBe("web");
    expect(project.services.web!.environment).toEqual({ A: "1", B: "2" });
  });

  it("filters services by profile", async () => {
    const dir = tmpStack({
      "compose.yaml": "services:\n  web:\n    image: w\n  debug:\n    image: d\n    profiles: [debug]\n",
    });
    expect(Object.keys((await load(dir)).project.services)).toEqual(["web"]);
    expect(Object.keys((await load(dir, { profiles: ["debug"] })).project.services).sort()).toEqual(["debug", "web"]);
    expect(
      Object.keys((await load(dir, { environment: { COMPOSE_PROFILES: "debug" } })).project.services).sort(),
    ).toEqual(["debug", "web"]);
  });

  it("merges multiple YAML documents in one file", async () => {
    const dir = tmpStack({ "compose.yaml": "services:\n  web:\n    image: a\n---\nservices:\n  web:\n    image: b\n" });
    expect((await load(dir)).project.services.web!.image).toBe("b");
  });
});

describe("loadProject errors", () => {
  it("malformed YAML names file, line and column", async () => {
    const dir = tmpStack({ "compose.yaml": "services:\n  web:\n    image: [oops\n" });
    const err = await loadError(dir);
    expect(err.location).toMatchObject({ file: join(dir, "compose.yaml") });
    expect(err.location?.line).toBeGreaterThanOrEqual(3);
  });

  it("schema violations point at the offending key", async () => {
    const dir = tmpStack({ "compose.yaml": "services:\n  web:\n    image: a\n    imagee: b\n" });
    const err = await loadError(dir);
    expect(err.message).toMatch(/additional property "imagee" is not allowed/);
    expect(err.location).toEqual({ file: join(dir, "compose.yaml"), line: 4, column: 5 });
  });

  it("a missing required variable gives its message and location", async () => {
    const dir = tmpStack({
      "compose.yaml": "services:\n  web:\n    image: a\n    volumes:\n      - ${DATA:?set DATA first}:/data\n",
    });
    const err = await loadError(dir);
    expect(err.message).toMatch(/required variable DATA is missing a value: set DATA first/);
    expect(err.location).toMatchObject({ file: join(dir, "compose.yaml"), line: 5 });
  });

  it("undefined references name the service and field", async () => {
    const cases: [string, RegExp][] = [
      ["services:\n  web:\n    image: a\n    depends_on: [db]\n", /service "web" depends on undefined service "db"/],
      ["services:\n  web:\n    image: a\n    networks: [back]\n", /service "web" refers to undefined network back/],
      [
        "services:\n  web:\n    image: a\n    volumes: ['data:/data']\n",
        /service "web" refers to undefined volume data/,
      ],
      ["services:\n  web:\n    image: a\n    secrets: [token]\n", /service "web" refers to undefined secret token/],
      ["services:\n  web:\n    image: a\n    configs: [conf]\n", /service "web" refers to undefined config conf/],
    ];
    for (const [yaml, message] of cases) {
      const err = await loadError(tmpStack({ "compose.yaml": yaml }));
      expect(err.message).toMatch(message);
      expect(err.path).toMatch(/^services\.web\./);
    }
  });

  it("dependency cycles are reported with the cycle", async () => {
    const dir = tmpStack({
      "compose.yaml": "services:\n  a:\n    image: x\n    depends_on: [b]\n  b:\n    image: x\n    depends_on: [a]\n",
    });
    expect((await loadError(dir)).message).toMatch(/dependency cycle detected: a -> b -> a/);
  });

  it("extends cycles are reported", async () => {
    const dir = tmpStack({
      "compose.yaml": "services:\n  a:\n    image: x\n    extends: b\n  b:\n    image: x\n    extends: a\n",
    });
    expect((await loadError(dir)).message).toMatch(/Circular reference/);
  });

  it("missing include, env file and compose file are named", async () => {
    const inc = await loadError(tmpStack({ "compose.yaml": "include: [nope.yml]\nservices: {}\n" }));
    expect(inc.message).toMatch(/nope\.yml not found/);
    const envf = await loadError(
      tmpStack({ "compose.yaml": "services:\n  web:\n    image: a\n    env_file: missing.env\n" }),
    );
    expect(envf.message).toMatch(/missing\.env/);
    const none = await loadError(tmpStack({ README: "" }));
    expect(none.message).toMatch(/no configuration file provided/);
    const dotenv = await loadError(tmpStack({ "compose.yaml": "services: {}\n" }), { envFiles: ["/nonexistent/.env"] });
    expect(dotenv.message).toMatch(/nonexistent\/\.env/);
  });
});
