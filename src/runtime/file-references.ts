/**
 * Secrets and configs as a service refers to them: where the file lands in the container and
 * which inline value (`content:` or `environment:`) it carries.
 */
import type { Project } from "../compose/model.js";

/** Where a secret or config lands in the container, as Compose computes it. */
export function fileReferenceTarget(kind: "secret" | "config", source: string, target: string | undefined): string {
  const base = kind === "secret" ? "/run/secrets/" : "/";
  if (!target) return base + source;
  return target.startsWith("/") ? target : base + target;
}

/**
 * The value a secret/config with `content` or `environment` carries; undefined for `file` or external ones.
 * `environment` names a variable of the deploying process's environment.
 */
export function inlineFileContent(
  project: Project,
  kind: "secret" | "config",
  source: string,
  environment: Record<string, string | undefined>,
): string | undefined {
  const def = (kind === "secret" ? project.secrets : project.configs)?.[source];
  if (!def) return undefined;
  if (def.content !== undefined) return def.content;
  if (def.environment !== undefined) return environment[def.environment] ?? "";
  return undefined;
}
