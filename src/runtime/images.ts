/**
 * Image operations of a plan: pulls (with registry credentials and per-layer progress folded into
 * one figure) and builds with the engine's classic builder (local context tar honouring
 * .dockerignore, or a remote context the engine fetches). Build options the classic builder has no
 * equivalent for are reported as warnings.
 */
import type { BuildConfig, Project } from "../compose/model.js";
import type { Engine, ProgressMessage } from "./engine.js";
import type { DeployEvent } from "./events.js";
import { splitImageReference } from "./image-ref.js";
import { shortId } from "./short-id.js";
import type { Operation } from "./plan.js";

export interface ImageOpContext {
  emit: (e: DeployEvent) => void;
  warn: (message: string) => void;
  run: <T>(fn: () => Promise<T>) => Promise<T>;
  environment: Record<string, string | undefined>;
}

export async function executeImageOperation(
  engine: Engine,
  project: Project,
  op: Extract<Operation, { kind: "pull-image" | "build-image" }>,
  ctx: ImageOpContext,
): Promise<void> {
  if (op.kind === "pull-image") return pullImage(engine, project, op.image, op.services, ctx);
  return buildImage(engine, project, op.service, op.image, ctx);
}

async function pullImage(
  engine: Engine,
  project: Project,
  image: string,
  services: string[],
  ctx: ImageOpContext,
): Promise<void> {
  const { registryAuth } = await import("./registry-auth.js");
  const auth = await registryAuth(splitImageReference(image).registry);
  const platform = services.map((s) => project.services[s].platform).find(Boolean);
  const layers = new Map<string, { current: number; total: number }>();
  const emit = (status: DeployEvent["status"], extra: Partial<DeployEvent> = {}) =>
    ctx.emit({ time: Date.now(), resource: "image", name: image, status, ...extra });
  emit("Pulling", { message: services.join(", ") });
  let lastEmit = 0;
  await ctx.run(() =>
    engine.pullImage(
      image,
      auth,
      (m: ProgressMessage) => {
        if (m.id && m.progressDetail?.total) {
          layers.set(m.id, { current: m.progressDetail.current ?? 0, total: m.progressDetail.total });
        } else if (m.id && /^(Download complete|Pull complete|Already exists)/.test(m.status ?? "")) {
          const l = layers.get(m.id);
          if (l) l.current = l.total;
        }
        const now = Date.now();
        if (now - lastEmit < 100) return;
        lastEmit = now;
        let current = 0;
        let total = 0;
        for (const l of layers.values()) {
          current += l.current;
          total += l.total;
        }
        emit("Progress", { current, total, message: m.status });
      },
      platform,
    ),
  );
  emit("Pulled");
}

function buildWarnings(service: string, build: BuildConfig): string[] {
  const out: string[] = [];
  const unsupported: Array<[keyof BuildConfig, string]> = [
    ["additional_contexts", "additional_contexts"],
    ["ssh", "ssh"],
    ["secrets", "secrets"],
    ["cache_to", "cache_to"],
    ["entitlements", "entitlements"],
    ["privileged", "privileged"],
  ];
  for (const [key, label] of unsupported) {
    const v = build[key];
    if (
      v === undefined ||
      v === false ||
      (Array.isArray(v) && v.length === 0) ||
      (typeof v === "object" && v && Object.keys(v).length === 0)
    )
      continue;
    out.push(
      `service "${service}": build.${label} needs BuildKit, which c2ts does not drive; the classic builder ignores it`,
    );
  }
  if ((build.platforms?.length ?? 0) > 1)
    out.push(
      `service "${service}": build.platforms lists several platforms; the classic builder builds only ${build.platforms![0]}`,
    );
  return out;
}

async function buildImage(
  engine: Engine,
  project: Project,
  service: string,
  image: string,
  ctx: ImageOpContext,
): Promise<void> {
  const svc = project.services[service];
  const build = svc.build!;
  for (const w of buildWarnings(service, build)) ctx.warn(w);
  const emit = (status: DeployEvent["status"], extra: Partial<DeployEvent> = {}) =>
    ctx.emit({ time: Date.now(), resource: "image", name: image, service, status, ...extra });
  emit("Building");

  const { createBuildContext, isRemoteContext } = await import("./build-context.js");
  const { allRegistryAuths } = await import("./registry-auth.js");
  const query: Record<string, string | number | boolean | string[]> = {
    t: [image, ...(build.tags ?? [])],
    rm: true,
    forcerm: true,
  };
  let context: NodeJS.ReadableStream | undefined;
  if (isRemoteContext(build.context)) {
    query.remote = build.context;
    if (build.dockerfile) query.dockerfile = build.dockerfile;
    if (build.dockerfile_inline !== undefined)
      ctx.warn(`service "${service}": build.dockerfile_inline cannot be combined with a remote context; ignored`);
  } else {
    const bc = await createBuildContext({
      context: build.context,
      dockerfile: build.dockerfile,
      dockerfileInline: build.dockerfile_inline,
    });
    context = bc.stream;
    query.dockerfile = bc.dockerfile;
  }
  const args: Record<string, string> = {};
  for (const [k, v] of Object.entries(build.args ?? {})) {
    if (v !== null) args[k] = v;
    else if (ctx.environment[k] !== undefined) args[k] = ctx.environment[k]!;
  }
  if (Object.keys(args).length) query.buildargs = JSON.stringify(args);
  const labels = { ...(build.labels ?? {}), "com.docker.compose.image.builder": "classic" };
  query.labels = JSON.stringify(labels);
  if (build.target) query.target = build.target;
  if (build.no_cache) query.nocache = true;
  if (build.pull) query.pull = true;
  if (build.network) query.networkmode = build.network;
  if (build.shm_size) query.shmsize = build.shm_size;
  if (build.isolation) query.isolation = build.isolation;
  if (build.cache_from?.length) query.cachefrom = JSON.stringify(build.cache_from);
  const platform = build.platforms?.[0] ?? svc.platform;
  if (platform) query.platform = platform;
  const hosts: string[] = [];
  for (const [h, ips] of Object.entries(build.extra_hosts ?? {})) for (const ip of ips) hosts.push(`${h}:${ip}`);
  if (hosts.length) query.extrahosts = hosts.join(",");
  if (build.ulimits && Object.keys(build.ulimits).length) {
    query.ulimits = JSON.stringify(
      Object.entries(build.ulimits).map(([Name, u]) => ({
        Name,
        Soft: u.soft ?? u.single ?? 0,
        Hard: u.hard ?? u.single ?? 0,
      })),
    );
  }

  const registryConfig = await allRegistryAuths();
  let step = "";
  const id = await ctx.run(() =>
    engine
      .buildImage({ context, query, registryConfig }, (m: ProgressMessage) => {
        const line = m.stream?.trim();
        if (!line) return;
        const s = /^Step (\d+)\/(\d+) : (.*)$/.exec(line);
        if (s) {
          step = line;
          emit("Progress", { current: Number(s[1]), total: Number(s[2]), message: s[3] });
        }
      })
      .catch((e: Error) => {
        throw new Error(`building ${image} failed${step ? ` at "${step}"` : ""}: ${e.message}`);
      }),
  );
  emit("Built", { message: id ? shortId(id) : undefined });
}
