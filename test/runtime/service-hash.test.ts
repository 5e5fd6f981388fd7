import { describe, expect, it } from "vitest";
import { loadProject } from "../../src/compose/loader.js";
import { composeServiceHash, composeServiceHashes, serviceHashOfJson } from "../../src/runtime/service-hash.js";
import { planDeploy } from "../../src/runtime/plan.js";
import { convergedObserved, observedContainer, proj, svc } from "./fixtures.js";
import { tmpStack } from "../helpers/tmp-stack.js";

/**
 * The recipe docker/compose's ServiceHash documents: sha256 of Go's compact json.Marshal of the
 * service as `config --format json` encodes it, with build, pull_policy, scale, deploy.replicas,
 * depends_on and profiles cleared. The JSON below was written by hand from that recipe (compose-go
 * field order, nil slices as null, Go's <>& escapes, `$` not doubled) and hashed with sha256sum.
 */
const KNOWN_JSON =
  '{"command":null,"deploy":{"resources":{},"placement":{}},"entrypoint":null,' +
  '"environment":{"A":"1\\u003c2 \\u0026 $HOME"},"image":"nginx","networks":{"default":null}}';
const KNOWN_HASH = "7ec51d1feed8f28d713bef7aa70cf9e576e98c897d4682b6c0cd79460e5b53a8";

const YAML = `services:
  web:
    image: nginx
    build: .
    pull_policy: build
    profiles: [x]
    depends_on: [db]
    deploy:
      replicas: 2
    environment:
      A: "1<2 & $$HOME"
  db:
    image: postgres
`;

describe("Compose's ServiceHash", () => {
  it("equals sha256 of the documented JSON of the service", async () => {
    const { project } = await loadProject({
      cwd: tmpStack({ "compose.yaml": YAML }),
      environment: {},
      allProfiles: true,
    });
    expect(composeServiceHash(project, "web")).toBe(KNOWN_HASH);
    expect(composeServiceHashes(project).web).toBe(KNOWN_HASH);
  });

  it("ignores the cleared fields and nothing else", () => {
    const base = JSON.parse(KNOWN_JSON) as Record<string, unknown>;
    expect(serviceHashOfJson(base)).toBe(KNOWN_HASH);
    const withCleared = {
      ...base,
      build: { context: "/x" },
      pull_policy: "always",
      scale: 3,
      depends_on: { db: { condition: "service_started" } },
      profiles: ["x"],
      deploy: { replicas: 5, resources: {}, placement: {} },
    };
    expect(serviceHashOfJson(withCleared)).toBe(KNOWN_HASH);
    expect(serviceHashOfJson({ ...base, image: "nginx:1" })).not.toBe(KNOWN_HASH);
  });
});

describe("plan with both hash labels", () => {
  const p = proj({ web: svc({ environment: { A: "1" } }) });

  it("sees a container `docker compose up` created (Compose's hash only) as up to date", () => {
    const observed = convergedObserved(p);
    observed.containers = [
      observedContainer(p, "web", { configHash: undefined, composeHash: composeServiceHash(p, "web") }),
    ];
    expect(planDeploy(p, observed).operations).toEqual([]);
  });

  it("recreates a Compose container whose Compose hash differs", () => {
    const observed = convergedObserved(p);
    observed.containers = [observedContainer(p, "web", { configHash: undefined, composeHash: "0".repeat(64) })];
    expect(planDeploy(p, observed).operations.map((o) => o.kind)).toEqual(["recreate-container"]);
  });

  it("decides by c2ts's content-aware hash when the container has it", () => {
    const observed = convergedObserved(p);
    observed.containers = [observedContainer(p, "web", { composeHash: "0".repeat(64) })];
    expect(planDeploy(p, observed).operations).toEqual([]);
    observed.containers = [
      observedContainer(p, "web", { configHash: "stale", composeHash: composeServiceHash(p, "web") }),
    ];
    expect(planDeploy(p, observed).operations.map((o) => o.kind)).toEqual(["recreate-container"]);
  });

  it("writes Compose's hash into the plan for the compose label", () => {
    expect(planDeploy(p, convergedObserved(p)).services.web!.composeHash).toBe(composeServiceHash(p, "web"));
  });
});
