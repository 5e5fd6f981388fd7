/**
 * `build:` on the Swarm path: the image is built on every node that can run the service, through
 * that node's own engine (a native build per node, whatever its CPU architecture; no registry),
 * and tagged `<name>:c2ts-<hash of the build inputs>`. The tag comes from the inputs, not from an
 * image ID, so it is the same on every node, an unchanged context keeps the service spec as it is,
 * and a changed one updates the service. A node that already holds the tag is not built again
 * (unless `build.pull`, `build.no_cache` or `--force-recreate`). A node whose engine cannot be
 * reached is warned about: its tasks cannot start there; the deploy fails only when no node
 * could build.
 */
import { UserError } from "../compose/errors.js";
import type { Project } from "../compose/model.js";
import type { Engine } from "../runtime/engine.js";
import type { DeployEvent } from "../runtime/events.js";
import { serviceImage } from "../runtime/container-spec.js";
import { createLimiter } from "../runtime/graph.js";
import { splitImageReference } from "../runtime/image-ref.js";
import { executeImageOperation } from "../runtime/images.js";
import type { SwarmNode } from "./api.js";
import type { SwarmStackSpec } from "./convert/types.js";
import { swarmNodeName } from "./join.js";
import { eligibleNodes } from "./node-constraints.js";

/** Builds at once across all nodes: the machine building is often small, and so are the nodes. */
const BUILD_CONCURRENCY = 2;

/** The content-addressed tag for `image` whose build inputs hash to `digest`. */
export function contentTag(image: string, digest: string): string {
  return `${splitImageReference(image).name}:c2ts-${digest.replace(/^sha256:/, "").slice(0, 12)}`;
}

/** Service → content tag for every selected service with a `build:` section (nothing is built). */
export async function contentTags(
  project: Project,
  services: string[],
  environment: Record<string, string | undefined>,
): Promise<Record<string, string>> {
  const { buildInputsDigest } = await import("../runtime/build/build-inputs.js");
  const tags: Record<string, string> = {};
  for (const service of services) {
    if (!project.services[service]?.build) continue;
    let digest: string;
    try {
      digest = await buildInputsDigest(project, service, environment);
    } catch (e) {
      throw new UserError(`service "${service}": build: cannot read the build inputs: ${(e as Error).message}`, {
        path: `services.${service}.build`,
      });
    }
    tags[service] = contentTag(serviceImage(project, service), digest);
  }
  return tags;
}

/** Service → names of the nodes that may run its tasks (and so must hold its image). */
export function buildNodes(stack: SwarmStackSpec, services: string[], nodes: SwarmNode[]): Record<string, SwarmNode[]> {
  const out: Record<string, SwarmNode[]> = {};
  for (const service of services) {
    const placement = stack.services[service]?.TaskTemplate.Placement;
    let eligible: SwarmNode[];
    try {
      eligible = eligibleNodes(nodes, placement);
    } catch (e) {
      throw new Error(`service "${service}": ${(e as Error).message}`);
    }
    if (eligible.length === 0) {
      const constraints = placement?.Constraints?.length ? ` (${placement.Constraints.join(", ")})` : "";
      throw new Error(
        `service "${service}": no ready, active swarm node satisfies its placement${constraints}; nowhere to build or run it`,
      );
    }
    out[service] = eligible;
  }
  return out;
}

export interface NodeBuildOptions {
  project: Project;
  /** Service → content tag (contentTags). */
  tags: Record<string, string>;
  stack: SwarmStackSpec;
  nodes: SwarmNode[];
  /** The manager's own node and engine, used for its node without a second connection. */
  manager: { nodeId: string; engine: Engine };
  /** c2ts node name → engine address (the cluster definition). */
  engineAddresses: Record<string, string>;
  connect: (host: string) => Promise<Engine>;
  force?: boolean;
  environment: Record<string, string | undefined>;
  emit: (e: DeployEvent) => void;
  warn: (message: string) => void;
}

/** Builds each service's image on each node that can run it; returns how many builds ran. */
export async function buildOnNodes(o: NodeBuildOptions): Promise<number> {
  const services = Object.keys(o.tags);
  const targets = buildNodes(o.stack, services, o.nodes);
  const engines = new Map<string, Promise<Engine>>();
  const engineOf = (node: SwarmNode): Promise<Engine> => {
    if (node.ID === o.manager.nodeId) return Promise.resolve(o.manager.engine);
    let engine = engines.get(node.ID);
    if (!engine) {
      const address = o.engineAddresses[swarmNodeName(node)];
      engine = address
        ? o.connect(address)
        : Promise.reject(new Error("no engine address known for it (offline in the cluster definition?)"));
      engine.catch(() => {});
      engines.set(node.ID, engine);
    }
    return engine;
  };
  const limiter = createLimiter(BUILD_CONCURRENCY);
  const warnings = new Set<string>();
  const unreachable = new Map<string, string>();
  const builtOn: Record<string, number> = {};
  let builds = 0;

  const buildOne = async (service: string, node: SwarmNode): Promise<void> => {
    const name = swarmNodeName(node);
    let engine: Engine;
    try {
      engine = await engineOf(node);
    } catch (e) {
      unreachable.set(name, (e as Error).message);
      return;
    }
    const tag = o.tags[service]!;
    const build = o.project.services[service]!.build!;
    const rebuild = o.force || build.pull || build.no_cache;
    if (rebuild || !(await engine.inspectImage(tag))) {
      await executeImageOperation(
        engine,
        o.project,
        { kind: "build-image", image: tag, service, reason: `build: on node ${name}, tagged by content` },
        {
          emit: (e) => o.emit({ ...e, name: `${e.name} on ${name}` }),
          warn: (w) => warnings.add(w),
          run: (fn) => fn(),
          environment: o.environment,
        },
      );
      builds++;
    }
    builtOn[service] = (builtOn[service] ?? 0) + 1;
  };

  try {
    const jobs = services.flatMap((s) => targets[s]!.map((n) => limiter.run(() => buildOne(s, n))));
    const settled = await Promise.allSettled(jobs);
    const failed = settled.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) throw failed.reason;
  } finally {
    for (const engine of engines.values())
      engine.then(
        (e) => e.close(),
        () => {},
      );
    for (const w of warnings) o.warn(w);
  }
  for (const service of services) {
    const missing = targets[service]!.map(swarmNodeName).filter((n) => unreachable.has(n));
    if (!builtOn[service]) {
      throw new Error(
        `service "${service}": no node that can run it could build its image (${missing.map((n) => `${n}: ${unreachable.get(n)}`).join("; ")})`,
      );
    }
    for (const n of missing)
      o.warn(
        `node "${n}": engine unreachable (${unreachable.get(n)}); service "${service}" was not built there, so its tasks cannot start on it`,
      );
  }
  return builds;
}
