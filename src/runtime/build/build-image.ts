/**
 * Building a service's image: the `build:` section turned into an engine build request, run
 * through BuildKit (with a session serving credentials, secrets and SSH) or the classic builder,
 * with build steps reported as progress events.
 */
import type { BuildConfig, Project } from "../../compose/model.js";
import type { Engine, ProgressMessage, RegistryAuth } from "../engine.js";
import type { DeployEvent } from "../events.js";
import type { ImageOpContext } from "../images.js";
import { chooseBuilder, classicBuildError, type BuilderChoice } from "./builder-choice.js";
import type { BuildSession } from "./session.js";
import { shortId } from "../short-id.js";

type Query = Record<string, string | number | boolean | string[]>;

/** A `cache_from`/`cache_to` entry's image reference: plain, or `type=registry,ref=…`. */
function cacheRef(entry: string): string | undefined {
  if (!entry.includes("=")) return entry;
  const attrs = Object.fromEntries(entry.split(",").map((kv) => [kv.split("=")[0], kv.slice(kv.indexOf("=") + 1)]));
  return (attrs.type ?? "registry") === "registry" ? attrs.ref : undefined;
}

const isSet = (v: unknown) =>
  !(
    v === undefined ||
    v === false ||
    (Array.isArray(v) && v.length === 0) ||
    (typeof v === "object" && v !== null && Object.keys(v).length === 0)
  );

/** Options the chosen builder cannot honour, as warnings (the build goes ahead without them). */
export function buildWarnings(service: string, build: BuildConfig, builder: BuilderChoice): string[] {
  const out: string[] = [];
  const at = (field: string) => `service "${service}": build.${field}`;
  if (builder.kind === "classic") {
    for (const key of ["additional_contexts", "ssh", "secrets", "cache_to", "entitlements", "privileged"] as const)
      if (isSet(build[key]))
        out.push(
          `${at(key)} needs BuildKit, which is not used because ${builder.reason}; the classic builder ignores it`,
        );
  } else {
    if (isSet(build.additional_contexts))
      out.push(
        `${at("additional_contexts")}: the engine's /build API cannot pass named contexts to the Dockerfile frontend; ignored`,
      );
    for (const key of ["entitlements", "privileged"] as const)
      if (isSet(build[key]))
        out.push(`${at(key)}: the engine's built-in BuildKit grants no entitlements (security.insecure); ignored`);
    for (const entry of build.cache_to ?? [])
      if (!/^type=inline\b/.test(entry))
        out.push(
          `${at("cache_to")} "${entry}": the engine's built-in BuildKit exports cache only inline (type=inline); ignored`,
        );
  }
  if ((build.platforms?.length ?? 0) > 1)
    out.push(
      `${at("platforms")} lists several platforms; the engine's image store takes one, so only ${build.platforms![0]} is built`,
    );
  return out;
}

/** `build.args` as the build receives them: a bare name takes its value from the environment, else is left out. */
export function buildArgs(build: BuildConfig, environment: Record<string, string | undefined>): Record<string, string> {
  const args: Record<string, string> = {};
  for (const [k, v] of Object.entries(build.args ?? {})) {
    if (v !== null) args[k] = v;
    else if (environment[k] !== undefined) args[k] = environment[k]!;
  }
  return args;
}

/** POST /build query parameters common to both builders (context and session aside). */
export function buildQuery(
  project: Project,
  service: string,
  image: string,
  builder: BuilderChoice,
  environment: Record<string, string | undefined>,
): Query {
  const svc = project.services[service];
  const build = svc.build!;
  const query: Query = { t: [image, ...(build.tags ?? [])], rm: true, forcerm: true };
  const args = buildArgs(build, environment);
  if (builder.kind === "buildkit" && (build.cache_to ?? []).some((c) => /^type=inline\b/.test(c)))
    args.BUILDKIT_INLINE_CACHE = "1";
  if (Object.keys(args).length) query.buildargs = JSON.stringify(args);
  query.labels = JSON.stringify({ ...(build.labels ?? {}), "com.docker.compose.image.builder": builder.kind });
  if (build.target) query.target = build.target;
  if (build.no_cache) query.nocache = true;
  if (build.pull) query.pull = true;
  if (build.network) query.networkmode = build.network;
  if (build.shm_size) query.shmsize = build.shm_size;
  if (build.isolation) query.isolation = build.isolation;
  const cacheFrom = (build.cache_from ?? []).map(cacheRef).filter((r): r is string => Boolean(r));
  if (cacheFrom.length) query.cachefrom = JSON.stringify(cacheFrom);
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
  return query;
}

export async function buildServiceImage(
  engine: Engine,
  project: Project,
  service: string,
  image: string,
  ctx: ImageOpContext,
): Promise<void> {
  const { allRegistryAuths, registryAuth } = await import("../registry-auth.js");
  let builder = await chooseBuilder(engine, ctx.environment);
  let session: BuildSession | undefined;
  if (builder.kind === "buildkit") {
    // Secrets and SSH sources are checked before anything is sent, so a typo fails fast.
    const { resolveBuildSecrets } = await import("./build-secrets.js");
    const sources = await resolveBuildSecrets(project, service, ctx.environment);
    const { startBuildSession } = await import("./session.js");
    try {
      session = await startBuildSession((headers) => engine.openBuildSession!(headers), {
        credentials: async (host) => {
          const auth = await registryAuth(host);
          if (!auth) return undefined;
          if (auth.identitytoken) return { username: "", secret: auth.identitytoken };
          return auth.username && auth.password ? { username: auth.username, secret: auth.password } : undefined;
        },
        secrets: sources.secrets,
        ssh: sources.ssh,
      });
    } catch (e) {
      // e.g. a proxy in front of the engine that does not pass connection upgrades
      builder = { kind: "classic", reason: `the engine refused a BuildKit session (${(e as Error).message})` };
    }
  }
  try {
    await runBuild(engine, project, service, image, ctx, builder, session, allRegistryAuths);
  } finally {
    session?.close();
  }
}

async function runBuild(
  engine: Engine,
  project: Project,
  service: string,
  image: string,
  ctx: ImageOpContext,
  builder: BuilderChoice,
  session: BuildSession | undefined,
  allRegistryAuths: () => Promise<Record<string, RegistryAuth>>,
): Promise<void> {
  const build = project.services[service].build!;
  for (const w of buildWarnings(service, build, builder)) ctx.warn(w);
  const emit = (status: DeployEvent["status"], extra: Partial<DeployEvent> = {}) =>
    ctx.emit({ time: Date.now(), resource: "image", name: image, service, status, ...extra });
  const query = buildQuery(project, service, image, builder, ctx.environment);
  emit("Building", { message: builder.kind === "buildkit" ? "BuildKit" : "classic builder" });

  const { createBuildContext, isRemoteContext } = await import("../build-context.js");
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

  if (builder.kind === "classic") {
    const registryConfig = await allRegistryAuths();
    let step = "";
    const id = await ctx.run(() =>
      engine
        .buildImage({ context, query, registryConfig }, (m: ProgressMessage) => {
          const s = /^Step (\d+)\/(\d+) : (.*)$/.exec(m.stream?.trim() ?? "");
          if (!s) return;
          step = s[0];
          emit("Progress", { current: Number(s[1]), total: Number(s[2]), message: s[3] });
        })
        .catch((e: Error) => {
          const message = classicBuildError(e.message, builder.reason);
          throw new Error(`building ${image} failed${step ? ` at "${step}"` : ""}: ${message}`);
        }),
    );
    emit("Built", { message: id ? shortId(id) : undefined });
    return;
  }

  const { BuildKitProgress } = await import("./buildkit-progress.js");
  query.version = "2";
  query.session = session!.id;
  const progress = new BuildKitProgress();
  let last: { time: number; message: string } = { time: 0, message: "" };
  const id = await ctx.run(() =>
    engine
      .buildImage({ context, query }, (m: ProgressMessage) => {
        const aux = (m as { aux?: unknown }).aux;
        if (m.id !== "moby.buildkit.trace" || typeof aux !== "string") return;
        const p = progress.update(aux);
        const now = Date.now();
        // A new step always shows; repeats of the same one at most every 100 ms.
        if (!p?.message || (p.message === last.message && now - last.time < 100 && p.current < p.total)) return;
        last = { time: now, message: p.message };
        emit("Progress", p);
      })
      .catch((e: Error) => {
        const message = frontendHint(e.message);
        const failure = progress.failure();
        throw new Error(
          `building ${image} failed: ${failure && !failure.includes(message) ? `${message}\n${failure}` : (failure ?? message)}`,
        );
      }),
  );
  emit("Built", { message: id ? shortId(id) : undefined });
}

/** Syntax newer than the engine's built-in Dockerfile frontend: say where a newer one comes from. */
function frontendHint(message: string): string {
  if (!/dockerfile parse error.*(unknown flag|unknown instruction: (<<|EOF))|heredoc/i.test(message)) return message;
  return `${message} — the engine's built-in Dockerfile frontend does not know this syntax; a "# syntax=docker/dockerfile:1" line makes BuildKit pull a newer frontend (needs registry access)`;
}
