import { describe, expect, it } from "vitest";
import type { Project } from "../../src/compose/model.js";
import type { SwarmService } from "../../src/swarm/api.js";
import type { ServiceSpec, SwarmStackSpec } from "../../src/swarm/convert/types.js";
import type { SwarmObserved } from "../../src/swarm/observe.js";
import { planSwarmDeploy, planSwarmDown } from "../../src/swarm/plan.js";
import { diffServiceSpecs } from "../../src/swarm/spec-diff.js";

const NS = { "com.docker.stack.namespace": "p" };

function spec(name: string, extra: Partial<ServiceSpec["TaskTemplate"]["ContainerSpec"]> = {}): ServiceSpec {
  return {
    Name: `p_${name}`,
    Labels: { ...NS },
    TaskTemplate: {
      ContainerSpec: { Image: "busybox", Env: ["MODE=prod", "DB_PASSWORD=hunter2"], ...extra },
      Networks: [{ Target: "p_back", Aliases: [name] }],
    },
    Mode: { Replicated: { Replicas: 1 } },
    UpdateConfig: { Parallelism: 1, FailureAction: "rollback" },
    EndpointSpec: { Mode: "dnsrr" },
  };
}

/** The spec as a manager stores it: network IDs, secret IDs, filled-in defaults. */
function stored(s: ServiceSpec): ServiceSpec {
  const out = structuredClone(s) as ServiceSpec & { TaskTemplate: { Runtime?: string } };
  out.TaskTemplate.Networks = out.TaskTemplate.Networks?.map((n) => ({ ...n, Target: "netid1" }));
  out.TaskTemplate.ForceUpdate = 0;
  out.TaskTemplate.Runtime = "container";
  out.TaskTemplate.ContainerSpec.Isolation = "default";
  for (const r of out.TaskTemplate.ContainerSpec.Secrets ?? []) r.SecretID = "sid";
  out.UpdateConfig = { ...out.UpdateConfig!, MaxFailureRatio: 0, Order: "stop-first" };
  return out;
}

const project: Project = {
  name: "p",
  services: {
    db: { image: "busybox" },
    api: { image: "busybox", depends_on: { db: { condition: "service_healthy", required: true } } },
  },
} as unknown as Project;

function stack(specs: Record<string, ServiceSpec>, secretName = "p_token_bbbbbbbbbbbb"): SwarmStackSpec {
  return {
    namespace: "p",
    services: specs,
    networks: { back: { Name: "p_back", Driver: "overlay", Labels: { ...NS } } },
    externalNetworks: {},
    secrets: { token: { Name: secretName, Labels: { ...NS }, Data: "eA==" } },
    externalSecrets: {},
    configs: {},
    externalConfigs: {},
    warnings: [{ service: "api", field: "privileged", reason: "Swarm services cannot run privileged" }],
  };
}

function observed(specs: ServiceSpec[], secrets: string[]): SwarmObserved {
  return {
    services: Object.fromEntries(
      specs.map((s, i) => [s.Name, { ID: `id${i}`, Version: { Index: 10 + i }, Spec: stored(s) } as SwarmService]),
    ),
    networks: { p_back: { Id: "netid1", Name: "p_back", Scope: "swarm", Labels: { ...NS } } },
    networkNames: { netid1: "p_back" },
    secrets: secrets.map((n, i) => ({ ID: `s${i}`, Version: { Index: 1 }, Spec: { Name: n, Labels: { ...NS } } })),
    configs: [],
    allSecretNames: new Set(secrets),
    allConfigNames: new Set(),
  };
}

describe("diffServiceSpecs", () => {
  it("finds no change between a spec and the manager's stored form of it", () => {
    const s = spec("api", {
      Secrets: [{ File: { Name: "t", UID: "0", GID: "0", Mode: 0o444 }, SecretName: "p_token_x" }],
    });
    expect(diffServiceSpecs(stored(s), s, { netid1: "p_back" })).toEqual([]);
  });

  it("reports one field per changed variable and masks credentials", () => {
    const before = spec("api");
    const after = spec("api", { Env: ["MODE=dev", "DB_PASSWORD=other"] });
    expect(diffServiceSpecs(stored(before), after, { netid1: "p_back" })).toEqual([
      { path: "TaskTemplate.ContainerSpec.Env.DB_PASSWORD", before: "***", after: "***" },
      { path: "TaskTemplate.ContainerSpec.Env.MODE", before: '"prod"', after: '"dev"' },
    ]);
  });

  it("sees a removed field that is not a server default", () => {
    const before = spec("api", { User: "1000" });
    expect(diffServiceSpecs(stored(before), spec("api"), { netid1: "p_back" })).toEqual([
      { path: "TaskTemplate.ContainerSpec.User", before: '"1000"' },
    ]);
  });
});

describe("planSwarmDeploy", () => {
  it("plans nothing for an unchanged stack", () => {
    const specs = { db: spec("db"), api: spec("api") };
    const plan = planSwarmDeploy(project, stack(specs), observed(Object.values(specs), ["p_token_bbbbbbbbbbbb"]));
    expect(plan.operations).toEqual([]);
    expect(plan.order).toEqual(["db", "api"]);
    expect(plan.warnings).toEqual(['service "api": privileged: Swarm services cannot run privileged']);
  });

  it("rotates a secret: creates the new version, updates its user, removes the old version", () => {
    const ref = (name: string) => ({
      Secrets: [{ File: { Name: "t", UID: "0", GID: "0", Mode: 0o444 }, SecretName: name }],
    });
    const old = { db: spec("db", ref("p_token_aaaaaaaaaaaa")), api: spec("api") };
    const next = { db: spec("db", ref("p_token_bbbbbbbbbbbb")), api: spec("api") };
    const plan = planSwarmDeploy(project, stack(next), observed(Object.values(old), ["p_token_aaaaaaaaaaaa"]));
    expect(plan.operations.map((o) => `${o.kind} ${o.name}`)).toEqual([
      "create-secret p_token_bbbbbbbbbbbb",
      "update-service p_db",
      "remove-secret p_token_aaaaaaaaaaaa",
    ]);
  });

  it("keeps a version a service outside the selection still uses", () => {
    const ref = (name: string) => ({
      Secrets: [{ File: { Name: "t", UID: "0", GID: "0", Mode: 0o444 }, SecretName: name }],
    });
    const old = { db: spec("db"), api: spec("api", ref("p_token_aaaaaaaaaaaa")) };
    const plan = planSwarmDeploy(
      project,
      stack({ db: spec("db"), api: spec("api") }),
      observed(Object.values(old), ["p_token_aaaaaaaaaaaa"]),
      {
        services: ["db"],
      },
    );
    expect(plan.operations.map((o) => o.kind)).toEqual(["create-secret"]);
  });

  it("creates what is missing and warns about orphan services", () => {
    const specs = { db: spec("db"), api: spec("api") };
    const plan = planSwarmDeploy(project, stack(specs), {
      ...observed([spec("gone")], []),
      networks: {},
      networkNames: {},
    });
    expect(plan.operations.map((o) => `${o.kind} ${o.name}`)).toEqual([
      "create-network p_back",
      "create-secret p_token_bbbbbbbbbbbb",
      "create-service p_db",
      "create-service p_api",
    ]);
    expect(plan.warnings.some((w) => w.includes("orphan services (p_gone)"))).toBe(true);
  });

  it("refuses a missing external network, naming it", () => {
    const s = { ...stack({ db: spec("db"), api: spec("api") }), externalNetworks: { shared: "proxy-net" } };
    expect(() => planSwarmDeploy(project, s, observed([], []))).toThrow(/network proxy-net declared as external/);
  });
});

describe("planSwarmDown", () => {
  it("removes services, the stack's networks and every version; volumes only when listed", () => {
    const plan = planSwarmDown("p", observed([spec("db")], ["p_token_aaaaaaaaaaaa"]), []);
    expect(plan.operations.map((o) => `${o.kind} ${o.name}`)).toEqual([
      "remove-service p_db",
      "remove-network p_back",
      "remove-secret p_token_aaaaaaaaaaaa",
    ]);
  });
});
