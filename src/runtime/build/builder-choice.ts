/**
 * Which builder a build goes through. BuildKit by default, as Compose v2 does, spoken to the
 * engine itself (POST /build?version=2 plus a session): nothing to install, works against remote
 * engines (tcp/ssh DOCKER_HOST) and yields structured per-step progress. The classic builder is
 * used when BuildKit is switched off (DOCKER_BUILDKIT=0, as the docker CLI honours it) or the
 * engine cannot run it; the reason is kept so a Dockerfile that needs BuildKit fails saying why.
 */
import type { Engine } from "../engine.js";

export type BuilderChoice = { kind: "buildkit" } | { kind: "classic"; reason: string };

/** First Engine API version whose /build takes version=2 with a session (Docker 18.09). */
const BUILDKIT_MIN_API = [1, 39];

function parseFlag(v: string | undefined): boolean | undefined {
  if (v === undefined || v === "") return undefined;
  if (/^(1|t|true)$/i.test(v)) return true;
  if (/^(0|f|false)$/i.test(v)) return false;
  return undefined;
}

export async function chooseBuilder(
  engine: Engine,
  environment: Record<string, string | undefined>,
): Promise<BuilderChoice> {
  if (parseFlag(environment.DOCKER_BUILDKIT) === false)
    return { kind: "classic", reason: "BuildKit is switched off (DOCKER_BUILDKIT=0)" };
  if (!engine.openBuildSession)
    return { kind: "classic", reason: "this engine connection cannot open BuildKit sessions" };
  const [major, minor] = (await engine.apiVersion()).split(".").map(Number);
  if (major < BUILDKIT_MIN_API[0] || (major === BUILDKIT_MIN_API[0] && minor < BUILDKIT_MIN_API[1]))
    return { kind: "classic", reason: `the engine's API ${major}.${minor} predates BuildKit (1.39)` };
  return { kind: "buildkit" };
}

/** The classic builder's answers to Dockerfile syntax only BuildKit knows. */
const NEEDS_BUILDKIT =
  /requires BuildKit|the --(mount|link|chmod|network|security) (option|flag)|unknown flag: (mount|link|chmod|parents|exclude)/i;

/** A classic-builder failure, reworded when the Dockerfile needs BuildKit. */
export function classicBuildError(message: string, reason: string): string {
  if (!NEEDS_BUILDKIT.test(message)) return message;
  return `${message} — this Dockerfile needs BuildKit, but c2ts used the classic builder because ${reason}`;
}
