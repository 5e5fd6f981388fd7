import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadProject } from "../../src/compose/loader.js";
import type { Project } from "../../src/compose/model.js";
import { buildContainerSpec } from "../../src/runtime/container-spec.js";
import { configHash, serviceHashInput } from "../../src/runtime/hash.js";
import { planDeploy } from "../../src/runtime/plan.js";
import { emptyObserved } from "./fixtures.js";

// fixtures/compose/prototype-keys: services, a network, variables and labels named
// `__proto__`, `constructor` and `prototype`. They reach the engine as data.
const FIXTURE = join(import.meta.dirname, "../../fixtures/compose/prototype-keys/compose.yaml");
const load = async (): Promise<Project> => (await loadProject({ files: [FIXTURE], environment: {} })).project;

const spec = (project: Project, service: string) =>
  buildContainerSpec({
    project,
    service,
    number: 1,
    apiVersion: "1.41",
    configHash: "h",
    workingDir: "/srv",
    configFiles: [FIXTURE],
    composeVersion: "0.1.0",
    serviceContainers: {},
    environment: {},
  }).create;

describe("keys named like Object.prototype members reach the container spec", () => {
  it("puts `__proto__`/`constructor` variables in Env and `__proto__`/`constructor` labels in Labels", async () => {
    const project = await load();
    const ctor = spec(project, "constructor");
    expect(ctor.name).toBe("prototype-keys-constructor-1");
    expect(ctor.Env).toEqual(["__proto__=fromanchor", "constructor=c1", "hasOwnProperty=dotenv", "prototype=unset"]);
    expect(Object.entries(ctor.Labels ?? {})).toContainEqual(["constructor", "lab"]);
    const proto = spec(project, "__proto__");
    expect(proto.name).toBe("prototype-keys-__proto__-1");
    expect(Object.hasOwn(proto.Labels ?? {}, "__proto__")).toBe(true);
    expect((proto.Labels as Record<string, string>)["com.docker.compose.service"]).toBe("__proto__");
    expect(JSON.parse(JSON.stringify(proto.Labels))).toMatchObject(JSON.parse('{"__proto__":"p"}'));
  });

  it("hashes a `__proto__` variable, so changing it recreates the container", async () => {
    const project = await load();
    const hash = () => configHash(serviceHashInput(project, "constructor", {}, {}));
    const before = hash();
    (project.services["constructor"] as { environment: Record<string, string> }).environment["__proto__"] = "changed";
    expect(hash()).not.toBe(before);
  });

  it("plans a container for the `__proto__` service", async () => {
    const project = await load();
    const plan = planDeploy(project, emptyObserved(project));
    const created = plan.operations
      .filter((o) => o.kind === "create-container")
      .map((o) => (o as { service: string }).service);
    expect(created.sort()).toEqual(["__proto__", "constructor", "prototype"]);
  });
});
