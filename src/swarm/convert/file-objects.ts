/**
 * Secrets and configs, rotated: Swarm never lets their data change, so every content version is
 * its own object named `<namespace>_<key>_<first 12 hex of the content hash>` (names may not
 * exceed 64 characters). A changed content is a new name, services move to it in their update,
 * and the old version can be removed once unused. Each version carries the stack namespace
 * label, the full hash and its Compose key, so the runtime can find the versions of a key.
 *
 * Service references follow docker/cli convertFileObject: uid and gid "0" and mode 0444 unless
 * the file says otherwise; the target is the Compose one (`/run/secrets/<key>`, `/<key>`).
 */
import type { FileObjectConfig, ServiceFileReference } from "../../compose/model.js";
import { fileReferenceTarget } from "../../runtime/file-references.js";
import { canonicalJson, sha256 } from "../../runtime/hash.js";
import type { ServiceContext } from "./context.js";
import { SwarmConvertError } from "./errors.js";
import { C2TS_SWARM_LABEL, HASH_IN_NAME, MAX_FILE_OBJECT_NAME, resourceName, withStackLabel } from "./names.js";
import type {
  ConfigReference,
  ConfigSpec,
  SecretReference,
  SecretSpec,
  SwarmConvertInput,
  SwarmWarning,
} from "./types.js";

export type FileObjectKind = "secret" | "config";

const DEFAULT_MODE = 0o444;

function definitions(input: SwarmConvertInput, kind: FileObjectKind): Record<string, FileObjectConfig> {
  return (kind === "secret" ? input.project.secrets : input.project.configs) ?? {};
}

function contentOf(input: SwarmConvertInput, kind: FileObjectKind, key: string): Uint8Array | string | undefined {
  return (kind === "secret" ? input.secretData : input.configData)?.[key];
}

/** The content hash of a version: given by the caller, else computed from the content given. */
function contentHash(input: SwarmConvertInput, kind: FileObjectKind, key: string, def: FileObjectConfig): string {
  const given = (kind === "secret" ? input.secretVersions : input.configVersions)?.[key];
  if (given) return given;
  const data = contentOf(input, kind, key);
  if (data !== undefined) return sha256(typeof data === "string" ? data : Buffer.from(data));
  // A driver-backed secret has no content here; its driver and options are what identifies it.
  if (def.driver) return sha256(canonicalJson({ driver: def.driver, options: def.driver_opts ?? {} }));
  throw new SwarmConvertError(
    `${kind}s.${key}`,
    "content",
    `neither a content hash (${kind}Versions) nor the content (${kind}Data) was given`,
    "object",
  );
}

/** The engine name of a secret/config the services refer to: external as declared, else rotated. */
export function fileObjectName(input: SwarmConvertInput, kind: FileObjectKind, key: string): string {
  const def = definitions(input, kind)[key];
  if (!def) throw new SwarmConvertError(`${kind}s.${key}`, "declaration", `undefined ${kind}`, "object");
  if (def.external) return def.name || key;
  const base = resourceName(input.project, input.projectName, key, def.name);
  const name = `${base}_${contentHash(input, kind, key, def).slice(0, HASH_IN_NAME)}`;
  if (name.length > MAX_FILE_OBJECT_NAME) {
    throw new SwarmConvertError(
      `${kind}s.${key}`,
      "name",
      `"${name}" is longer than the ${MAX_FILE_OBJECT_NAME} characters Swarm allows; give the ${kind} a shorter name:`,
      "object",
    );
  }
  return name;
}

/** Create specs for the non-external objects in `keys`; external ones are returned by name. */
export function fileObjectSpecs(
  input: SwarmConvertInput,
  kind: FileObjectKind,
  keys: Iterable<string>,
  warnings: SwarmWarning[],
): { specs: Record<string, SecretSpec | ConfigSpec>; external: Record<string, string> } {
  const specs: Record<string, SecretSpec | ConfigSpec> = {};
  const external: Record<string, string> = {};
  for (const key of [...new Set(keys)].sort()) {
    const def = definitions(input, kind)[key]!;
    const name = fileObjectName(input, kind, key);
    if (def.external) {
      external[key] = name;
      continue;
    }
    const spec: SecretSpec = {
      Name: name,
      Labels: {
        ...withStackLabel(input.projectName, def.labels),
        [C2TS_SWARM_LABEL.contentHash]: contentHash(input, kind, key, def),
        [C2TS_SWARM_LABEL.fileObject]: key,
      },
    };
    const data = contentOf(input, kind, key);
    if (data !== undefined) spec.Data = Buffer.from(data).toString("base64");
    if (def.driver) {
      if (kind === "secret") {
        spec.Driver = { Name: def.driver, ...(def.driver_opts ? { Options: def.driver_opts } : {}) };
      } else {
        warnings.push({ service: `configs.${key}`, field: "driver", reason: "Swarm configs have no driver; ignored" });
      }
    }
    if (def.template_driver) spec.Templating = { Name: def.template_driver };
    specs[key] = spec;
  }
  return { specs, external };
}

function fileTarget(kind: FileObjectKind, ref: ServiceFileReference) {
  return {
    Name: fileReferenceTarget(kind, ref.source, ref.target),
    UID: ref.uid || "0",
    GID: ref.gid || "0",
    Mode: ref.mode ?? DEFAULT_MODE,
  };
}

function checkDeclared(ctx: ServiceContext, kind: FileObjectKind, ref: ServiceFileReference, i: number): void {
  if (!definitions(ctx.input, kind)[ref.source]) {
    throw new SwarmConvertError(ctx.name, `${kind}s[${i}]`, `undefined ${kind} "${ref.source}"`);
  }
}

/** The service's secret references, sorted by name (docker/cli, so order never triggers an update). */
export function secretReferences(ctx: ServiceContext): SecretReference[] {
  return (ctx.service.secrets ?? [])
    .map((ref, i) => {
      checkDeclared(ctx, "secret", ref, i);
      return { File: fileTarget("secret", ref), SecretName: fileObjectName(ctx.input, "secret", ref.source) };
    })
    .sort((a, b) => (a.SecretName < b.SecretName ? -1 : a.SecretName > b.SecretName ? 1 : 0));
}

export function configReferences(ctx: ServiceContext): ConfigReference[] {
  return (ctx.service.configs ?? [])
    .map((ref, i) => {
      checkDeclared(ctx, "config", ref, i);
      return { File: fileTarget("config", ref), ConfigName: fileObjectName(ctx.input, "config", ref.source) };
    })
    .sort((a, b) => (a.ConfigName < b.ConfigName ? -1 : a.ConfigName > b.ConfigName ? 1 : 0));
}
