import { describe, expect, it } from "vitest";
import { planDeploy, planDown, planExitCode, parsePullPolicy, type Operation } from "../../src/runtime/plan.js";
import { configHash, encodeConfigLabel, serviceHashInput } from "../../src/runtime/hash.js";
import { LABEL } from "../../src/runtime/labels.js";
import { convergedObserved, emptyObserved, observedContainer, proj, svc } from "./fixtures.js";

const kinds = (ops: Operation[]) =>
  ops.map((o) => `${o.kind}:${"service" in o ? o.service : "name" in o ? o.name : (o as { image: string }).image}`);

describe("planDeploy", () => {
  it("creates networks, volumes and containers in dependency order on an empty engine", () => {
    const p = proj(
      {
        web: svc({ depends_on: { db: { condition: "service_healthy", required: true } } }),
        db: svc({ volumes: [{ type: "volume", source: "data", target: "/data" }] }),
      },
      { volumes: { data: { name: "demo_data" } } },
    );
    const plan = planDeploy(p, emptyObserved(p));
    expect(kinds(plan.operations)).toEqual([
      "create-network:demo_default",
      "create-volume:demo_data",
      "create-container:db",
      "create-container:web",
    ]);
    expect(plan.order).toEqual(["db", "web"]);
    expect(plan.operations.every((o) => o.reason.length > 0)).toBe(true);
    expect(planExitCode(plan)).toBe(2);
  });

  it("plans nothing when everything is up to date", () => {
    const p = proj({ web: svc({ environment: { A: "1" } }), db: svc() });
    const plan = planDeploy(p, convergedObserved(p));
    expect(plan.operations).toEqual([]);
    expect(planExitCode(plan)).toBe(0);
  });

  it("recreates exactly the changed service with a field-by-field diff, masking secret-looking values", () => {
    const before = proj({ web: svc({ environment: { FOO: "a", DB_PASSWORD: "old", KEEP: "x" } }), db: svc() });
    const observed = convergedObserved(before);
    const after = proj({
      web: svc({ environment: { FOO: "b", DB_PASSWORD: "new", KEEP: "x", ADDED: "1" } }),
      db: svc(),
    });
    const plan = planDeploy(after, observed);
    expect(kinds(plan.operations)).toEqual(["recreate-container:web"]);
    const op = plan.operations[0] as Extract<Operation, { kind: "recreate-container" }>;
    expect(op.changes).toEqual([
      { path: "environment.ADDED", after: '"1"' },
      { path: "environment.DB_PASSWORD", before: "***", after: "***" },
      { path: "environment.FOO", before: '"a"', after: '"b"' },
    ]);
    expect(op.reason).toBe(
      'config changed: environment.ADDED: added "1"; environment.DB_PASSWORD: *** → ***; environment.FOO: "a" → "b"',
    );
    expect(JSON.stringify(plan)).not.toContain("new");
  });

  it("recreates when the image behind the tag changed, or when forced; never recreates with recreate: never", () => {
    const p = proj({ web: svc() });
    const observed = convergedObserved(p);
    observed.images["busybox:latest"] = { id: "sha256:img2", volumes: [] };
    const plan = planDeploy(p, observed);
    expect(kinds(plan.operations)).toEqual(["recreate-container:web"]);
    expect(plan.operations[0].reason).toBe("image busybox:latest changed (img1 → img2)");
    expect(planDeploy(p, observed, { recreate: "never" }).operations).toEqual([]);
    expect(kinds(planDeploy(p, convergedObserved(p), { recreate: "force" }).operations)).toEqual([
      "recreate-container:web",
    ]);
  });

  it("detects content changes of file secrets by digest, not path", () => {
    const p = (file: string) =>
      proj({ web: svc({ secrets: [{ source: "s" }] }) }, { secrets: { s: { name: "demo_s", file } } });
    const observed = emptyObserved(p("/a/secret.txt"), { files: { "/a/secret.txt": "d1" } });
    observed.containers = [observedContainer(p("/a/secret.txt"), "web")];
    observed.networks = convergedObserved(p("/a/secret.txt")).networks;
    // the fixture hashed with no digests; label the container with the real ones
    const input = serviceHashInput(p("/a/secret.txt"), "web", { "/a/secret.txt": "d1" }, {});
    observed.containers[0].configHash = configHash(input);
    observed.containers[0].labels[LABEL.c2tsConfig] = encodeConfigLabel(input);
    expect(planDeploy(p("/a/secret.txt"), observed).operations).toEqual([]);
    // same content at another path: nothing to do
    expect(planDeploy(p("/b/moved.txt"), { ...observed, files: { "/b/moved.txt": "d1" } }).operations).toEqual([]);
    // new content: recreate, reason without the content
    const changed = planDeploy(p("/a/secret.txt"), { ...observed, files: { "/a/secret.txt": "d2" } });
    expect(kinds(changed.operations)).toEqual(["recreate-container:web"]);
    expect(changed.operations[0].reason).toBe("config changed: secrets./run/secrets/s: content changed");
  });

  it("scales up with the next numbers and down by removing the highest numbers", () => {
    const p1 = proj({ web: svc({ scale: 3 }) });
    const obs = convergedObserved(p1);
    obs.containers = [observedContainer(p1, "web", { number: 1 }), observedContainer(p1, "web", { number: 2 })];
    expect(kinds(planDeploy(p1, obs).operations)).toEqual(["create-container:web"]);
    expect((planDeploy(p1, obs).operations[0] as { name: string }).name).toBe("demo-web-3");
    const p2 = proj({ web: svc({ scale: 1 }) });
    const obs2 = convergedObserved(p2);
    obs2.containers = [1, 2, 3].map((n) => observedContainer(p2, "web", { number: n }));
    const down = planDeploy(p2, obs2);
    expect(down.operations.map((o) => (o as { name: string }).name)).toEqual(["demo-web-2", "demo-web-3"]);
    expect(down.operations.every((o) => o.kind === "remove-container")).toBe(true);
  });

  it("starts stopped containers but leaves completed one-shot jobs alone", () => {
    const p = proj({ init: svc(), web: svc(), crashed: svc() });
    const obs = convergedObserved(p);
    obs.containers = [
      observedContainer(p, "init", { state: "exited", exitCode: 0 }),
      observedContainer(p, "web", { state: "created" }),
      observedContainer(p, "crashed", { state: "exited", exitCode: 137 }),
    ];
    expect(kinds(planDeploy(p, obs).operations)).toEqual(["start-container:crashed", "start-container:web"]);
  });

  it("warns about orphans and removes them only when asked", () => {
    const p = proj({ web: svc() });
    const obs = convergedObserved(p);
    obs.containers.push(observedContainer(proj({ old: svc() }), "old", { name: "demo-old-1" }));
    const plan = planDeploy(p, obs);
    expect(plan.operations).toEqual([]);
    expect(plan.warnings[0]).toMatch(/orphan containers \(demo-old-1\)/);
    expect(kinds(planDeploy(p, obs, { removeOrphans: true }).operations)).toEqual(["remove-container:old"]);
  });

  it("restarts restart:true dependents of a recreated dependency and recreates service: namespace sharers", () => {
    const before = proj({
      db: svc({ environment: { V: "1" } }),
      api: svc({ depends_on: { db: { condition: "service_healthy", required: true, restart: true } } }),
      other: svc({ depends_on: { db: { condition: "service_started", required: true } } }),
      sidecar: svc({ network_mode: "service:db", networks: undefined }),
    });
    const obs = convergedObserved(before);
    const after = proj({ ...before.services, db: svc({ environment: { V: "2" } }) });
    expect(kinds(planDeploy(after, obs).operations)).toEqual([
      "recreate-container:db",
      "restart-container:api",
      "recreate-container:sidecar",
    ]);
  });

  it("recreates a container that is not attached to a network it should be on", () => {
    const p = proj({ web: svc() });
    const obs = convergedObserved(p);
    obs.containers[0].networks = {};
    expect(planDeploy(p, obs).operations[0].reason).toBe("not connected to network demo_default");
  });

  it("resolves containers left by an interrupted deploy under their temporary names", () => {
    const p = proj({ web: svc() });
    // a stray next to the canonical container goes
    const obs = convergedObserved(p);
    const stray = observedContainer(p, "web", {
      configHash: "stale",
      name: "0123456789ab_demo-web-1",
      replaces: obs.containers[0].id,
    });
    obs.containers.push(stray);
    const p1 = planDeploy(p, obs);
    expect(kinds(p1.operations)).toEqual(["remove-container:web"]);
    expect((p1.operations[0] as { containerId: string }).containerId).toBe(stray.id);

    // a replacement whose predecessor is gone is finished: renamed and started
    const obs2 = convergedObserved(p);
    obs2.containers[0] = { ...obs2.containers[0], name: "0123456789ab_demo-web-1", state: "created", replaces: "gone" };
    expect(planDeploy(p, obs2).operations.map((o) => o.kind)).toEqual(["rename-container", "start-container"]);
    expect(obs2.containers[0].name).toBe("0123456789ab_demo-web-1"); // planning does not touch its input

    // a fresh container interrupted before its rename may be half set up: replaced by a new one
    const obs3 = convergedObserved(p);
    obs3.containers[0] = { ...obs3.containers[0], name: "0123456789ab_demo-web-1", state: "created" };
    expect(planDeploy(p, obs3).operations.map((o) => o.kind)).toEqual(["remove-container", "create-container"]);

    // containers named by another tool (compose v1 underscores) are kept and judged by their config
    const obs4 = convergedObserved(p);
    obs4.containers[0] = { ...obs4.containers[0], name: "demo_web_1" };
    expect(planDeploy(p, obs4).operations).toEqual([]);
  });

  it("plans pulls by policy and builds for missing buildable images", () => {
    const p = proj({
      a: svc({ image: "nginx:1" }),
      b: svc({ image: "nginx:1" }),
      c: svc({ image: "redis:7", pull_policy: "always" }),
      d: svc({ image: "pg:16", pull_policy: "daily" }),
      e: svc({ image: undefined, build: { context: "/src" } }),
      f: svc({ image: "mine:dev", pull_policy: "never" }),
    });
    const obs = emptyObserved(p, {
      images: {
        "nginx:1": null,
        "redis:7": { id: "sha256:r", volumes: [] },
        "pg:16": { id: "sha256:p", volumes: [], lastTagTime: "2024-01-01T00:00:00Z" },
        "demo-e": null,
        "mine:dev": { id: "sha256:m", volumes: [] },
      },
    });
    const plan = planDeploy(p, obs, { now: Date.parse("2024-01-03T00:00:00Z") });
    const images = plan.operations.filter((o) => o.kind === "pull-image" || o.kind === "build-image");
    expect(images).toEqual([
      { kind: "pull-image", image: "nginx:1", services: ["a", "b"], reason: "image not present" },
      {
        kind: "pull-image",
        image: "pg:16",
        services: ["d"],
        reason: "pull_policy: daily (last pulled 2024-01-01T00:00:00Z)",
      },
      { kind: "pull-image", image: "redis:7", services: ["c"], reason: "pull_policy: always" },
      { kind: "build-image", image: "demo-e", service: "e", reason: "image not present" },
    ]);
    const fresh = planDeploy(p, obs, { now: Date.parse("2024-01-01T12:00:00Z") });
    expect(fresh.operations.some((o) => o.kind === "pull-image" && o.image === "pg:16")).toBe(false);
    expect(() =>
      planDeploy(
        proj({ x: svc({ image: "gone:1", pull_policy: "never" }) }),
        emptyObserved(proj({}), { images: { "gone:1": null } }),
      ),
    ).toThrow(/pull_policy is never/);
  });

  it("rejects scaling a service with a fixed container name and missing external resources", () => {
    expect(() => planDeploy(proj({ web: svc({ container_name: "w", scale: 2 }) }), emptyObserved(proj({})))).toThrow(
      /cannot be scaled/,
    );
    const ext = proj(
      { web: svc({ networks: { shared: null } }) },
      { networks: { shared: { name: "corp", ipam: {}, external: true } } },
    );
    expect(() => planDeploy(ext, emptyObserved(ext))).toThrow(/declared as external, but could not be found/);
  });

  it("restricts to selected services plus their dependencies", () => {
    const p = proj({
      web: svc({ depends_on: { db: { condition: "service_started", required: true } } }),
      db: svc(),
      other: svc(),
    });
    expect(planDeploy(p, emptyObserved(p), { services: ["web"] }).order).toEqual(["db", "web"]);
  });
});

describe("parsePullPolicy", () => {
  it("understands every compose policy", () => {
    expect(parsePullPolicy(undefined)).toEqual({ kind: "missing" });
    expect(parsePullPolicy("if_not_present")).toEqual({ kind: "missing" });
    expect(parsePullPolicy("weekly")).toEqual({ kind: "refresh", periodMs: 7 * 24 * 3600e3 });
    expect(parsePullPolicy("every_12h")).toEqual({ kind: "refresh", periodMs: 12 * 3600e3 });
    expect(() => parsePullPolicy("sometimes")).toThrow(/invalid pull_policy/);
  });
});

describe("container specs in the plan", () => {
  it("builds each created or recreated container's spec once, naming the containers other services will find", () => {
    const before = proj({ db: svc({ scale: 2 }), web: svc() });
    const observed = convergedObserved(before);
    observed.containers.push(
      observedContainer(before, "db", { number: 2, name: "4fe1c0ffee12_demo-db-2", replaces: "gone" }),
    );
    const after = proj({
      db: svc({ scale: 2 }),
      web: svc({
        environment: { CHANGED: "1" },
        links: ["db:database"],
        volumes: [{ type: "volume", target: "/cache" }],
      }),
    });
    const old = observed.containers.find((c) => c.service === "web")!;
    old.mounts = [{ Type: "volume", Name: "anon123", Source: "", Destination: "/cache", RW: true }];
    const plan = planDeploy(after, observed, { workingDir: "/srv", configFiles: ["/srv/compose.yml"] });
    // db #2 is finished by a rename; web links to both db containers under their final names.
    expect(kinds(plan.operations)).toEqual(["rename-container:db", "recreate-container:web"]);
    expect([...plan.services.db.specs.keys()]).toEqual([]);
    const spec = plan.services.web.specs.get(1)!;
    expect(spec.create.name).toBe("demo-web-1");
    expect(spec.create.HostConfig.Links).toEqual(["demo-db-1:database", "demo-db-2:database"]);
    expect(spec.create.HostConfig.Mounts).toEqual([{ Type: "volume", Source: "anon123", Target: "/cache" }]);
    expect(spec.create.Labels).toMatchObject({
      [LABEL.replace]: old.id,
      [LABEL.image]: "sha256:img1",
      [LABEL.configHash]: plan.services.web.composeHash,
      [LABEL.c2tsConfigHash]: plan.services.web.hash,
      [LABEL.workingDir]: "/srv",
      [LABEL.configFiles]: "/srv/compose.yml",
    });
  });

  it("reports spec warnings of services it leaves alone, once per service", () => {
    const p = proj({ web: svc({ scale: 2, deploy: { placement: { constraints: ["node.role==manager"] } } }) });
    const warning = 'service "web": deploy.placement is Swarm-only; ignored';
    expect(planDeploy(p, emptyObserved(p)).warnings).toEqual([warning]);
    const converged = convergedObserved(p);
    converged.containers.push(observedContainer(p, "web", { number: 2 }));
    const plan = planDeploy(p, converged);
    expect(plan.operations).toEqual([]);
    expect(plan.warnings).toEqual([warning]);
  });

  it("refuses a container sharing the namespace of a service that will have none, naming the service", () => {
    const p = proj({ vpn: svc({ scale: 0 }), app: svc({ network_mode: "service:vpn" }) });
    expect(() => planDeploy(p, emptyObserved(p))).toThrow(
      /service "app": cannot share namespace with service vpn: container missing/,
    );
  });
});

describe("planDown", () => {
  it("removes containers and project networks, volumes only with --volumes, never external ones", () => {
    const p = proj(
      { web: svc() },
      {
        volumes: { data: { name: "demo_data" }, ext: { name: "shared", external: true } },
        networks: { default: { name: "demo_default", ipam: {} } },
      },
    );
    const obs = convergedObserved(p);
    obs.volumes = {
      demo_data: { name: "demo_data", labels: { [LABEL.project]: "demo" } },
      shared: { name: "shared", labels: { [LABEL.project]: "demo" } },
    };
    expect(kinds(planDown(p, obs).operations)).toEqual(["remove-container:web", "remove-network:demo_default"]);
    expect(kinds(planDown(p, obs, { volumes: true }).operations)).toEqual([
      "remove-container:web",
      "remove-network:demo_default",
      "remove-volume:demo_data",
    ]);
  });
});
