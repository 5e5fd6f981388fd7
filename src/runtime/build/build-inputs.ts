/**
 * The content hash of a service's build inputs: the context as the build sends it (.dockerignore
 * applied, no modification times), the Dockerfile, the resolved build args and every other
 * `build:` field, and the target platform. The same inputs give the same hash on every machine,
 * so a tag made from it names the same image on every node that builds it, and an unchanged
 * context keeps the tag. A remote (git/URL) context is hashed by its address only: the engine
 * fetches it, so a moved branch needs a changed reference or `--force-recreate`.
 */
import type { Project } from "../../compose/model.js";
import { buildContextDigest, isRemoteContext } from "../build-context.js";
import { canonicalJson, sha256 } from "../hash.js";
import { buildArgs } from "./build-image.js";

export async function buildInputsDigest(
  project: Project,
  service: string,
  environment: Record<string, string | undefined>,
): Promise<string> {
  const svc = project.services[service]!;
  const build = svc.build;
  if (!build) throw new Error(`service "${service}" has no build section`);
  const { context, dockerfile, dockerfile_inline, args: _args, ...rest } = build;
  const fields = Object.fromEntries(Object.entries(rest).filter(([k]) => !k.startsWith("x-")));
  let source: unknown;
  if (isRemoteContext(context)) {
    source = { remote: context, dockerfile };
  } else {
    source = await buildContextDigest({ context, dockerfile, dockerfileInline: dockerfile_inline });
  }
  return sha256(
    canonicalJson({
      source,
      args: buildArgs(build, environment),
      fields,
      platform: build.platforms?.[0] ?? svc.platform,
    }),
  );
}
