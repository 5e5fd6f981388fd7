/**
 * Validation of generated Traefik dynamic configuration against Traefik v3's file-provider schema
 * (schema/traefik-v3-file-provider.json, from SchemaStore; the validator is precompiled by
 * scripts/build-schema.mjs), plus the one rule the schema cannot express: Traefik refuses a
 * failover whose primary child does not report health.
 */
import type { ErrorObject } from "ajv";
import { validate as validateSchema } from "./traefik-validator.generated.js";

/** Resolves to <package root>/schema/… from both src/proxy (tests) and dist/proxy (built CLI). */
export const TRAEFIK_SCHEMA_URL = new URL("../../schema/traefik-v3-file-provider.json", import.meta.url);

interface StandaloneValidator {
  (data: unknown): boolean;
  errors?: ErrorObject[] | null;
}
const validate = validateSchema as StandaloneValidator;

type Services = Record<
  string,
  {
    loadBalancer?: { healthCheck?: unknown };
    failover?: { service?: string; fallback?: string; healthCheck?: unknown };
  }
>;

/**
 * Traefik builds a failover by registering a status updater on its `service`, which only works when
 * that child is a loadBalancer with a healthCheck (or a failover with one); the fallback must report
 * health only when the failover itself has a healthCheck. See pkg/server/service/service.go.
 */
function failoverProblems(config: unknown): string[] {
  const services = ((config as { http?: { services?: Services } })?.http?.services ?? {}) as Services;
  const problems: string[] = [];
  const reportsHealth = (name: string | undefined) => {
    const s = name === undefined ? undefined : services[name];
    return !!(s?.loadBalancer?.healthCheck || s?.failover?.healthCheck);
  };
  for (const [name, s] of Object.entries(services)) {
    const f = s.failover;
    if (!f) continue;
    for (const child of [f.service, f.fallback]) {
      if (child === undefined || !(child in services))
        problems.push(`/http/services/${name}/failover: child service ${JSON.stringify(child)} is not defined`);
    }
    if (!reportsHealth(f.service))
      problems.push(`/http/services/${name}/failover: service "${f.service}" has no healthCheck`);
    if (f.healthCheck && !reportsHealth(f.fallback))
      problems.push(`/http/services/${name}/failover: fallback "${f.fallback}" has no healthCheck`);
  }
  return problems;
}

/**
 * The schema leaves `http.serversTransports` open; a loadBalancer naming a transport of this file
 * (no `@provider`) needs it defined, with a boolean `insecureSkipVerify` when set.
 */
function transportProblems(config: unknown): string[] {
  const http = (config as { http?: { services?: unknown; serversTransports?: unknown } })?.http ?? {};
  const transports = (http.serversTransports ?? {}) as Record<string, { insecureSkipVerify?: unknown } | null>;
  const problems: string[] = [];
  if (typeof transports !== "object" || Array.isArray(transports))
    return ["/http/serversTransports: must be an object"];
  for (const [name, t] of Object.entries(transports)) {
    if (typeof t !== "object" || t === null || Array.isArray(t))
      problems.push(`/http/serversTransports/${name}: must be an object`);
    else if (t.insecureSkipVerify !== undefined && typeof t.insecureSkipVerify !== "boolean")
      problems.push(`/http/serversTransports/${name}/insecureSkipVerify: must be boolean`);
  }
  const services = (http.services ?? {}) as Record<string, { loadBalancer?: { serversTransport?: string } }>;
  for (const [name, s] of Object.entries(services)) {
    const ref = s?.loadBalancer?.serversTransport;
    if (ref !== undefined && !ref.includes("@") && !(ref in transports))
      problems.push(`/http/services/${name}/loadBalancer: serversTransport "${ref}" is not defined`);
  }
  return problems;
}

/** All problems found, as "<json pointer>: <message>"; empty when Traefik would accept the config. */
export function traefikConfigProblems(config: unknown): string[] {
  const problems: string[] = [];
  if (!validate(config)) {
    for (const e of validate.errors ?? []) problems.push(`${e.instancePath || "/"}: ${e.message ?? "invalid"}`);
  }
  return [...problems, ...failoverProblems(config), ...transportProblems(config)];
}

/** Throws (a bug in c2ts, not a user error) when the generated config would be rejected. */
export function assertValidTraefikConfig(config: unknown): void {
  const problems = traefikConfigProblems(config);
  if (problems.length > 0) throw new Error(`generated Traefik configuration is invalid:\n  ${problems.join("\n  ")}`);
}
