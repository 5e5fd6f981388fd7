/** Builders for canonical projects and observed state in unit tests (no engine involved). */
import type { Project, ServiceConfig } from "../../src/compose/model.js";
import type { Observed, ObservedContainer } from "../../src/runtime/observe.js";
import { configHash, encodeConfigLabel, serviceHashInput } from "../../src/runtime/hash.js";
import { LABEL } from "../../src/runtime/labels.js";

export function svc(overrides: Partial<ServiceConfig> = {}): ServiceConfig {
  return {
    image: "busybox:latest",
    command: null,
    entrypoint: null,
    networks: { default: null },
    ...overrides,
  } as ServiceConfig;
}

export function proj(services: Record<string, ServiceConfig>, extra: Partial<Project> = {}): Project {
  return {
    name: "demo",
    services,
    networks: { default: { name: "demo_default", ipam: {} } },
    ...extra,
  } as Project;
}

export function emptyObserved(project: Project, overrides: Partial<Observed> = {}): Observed {
  const images: Observed["images"] = {};
  for (const [name, s] of Object.entries(project.services))
    images[s.image ?? `${project.name}-${name}`] = { id: "sha256:img1", volumes: [] };
  return {
    project: project.name,
    apiVersion: "1.41",
    containers: [],
    networks: {},
    volumes: {},
    images,
    files: {},
    seccompProfiles: {},
    ...overrides,
  };
}

let counter = 0;
/** A container as observe() would report it for the service's current config (up to date unless overridden). */
export function observedContainer(
  project: Project,
  service: string,
  overrides: Partial<ObservedContainer> = {},
  env: Record<string, string> = {},
): ObservedContainer {
  const input = serviceHashInput(project, service, {}, env);
  const number = overrides.number ?? 1;
  const id = overrides.id ?? `c${String(++counter).padStart(11, "0")}${"0".repeat(52)}`;
  return {
    id,
    name: `${project.name}-${service}-${number}`,
    service,
    number,
    oneoff: false,
    state: "running",
    configHash: configHash(input),
    imageDigest: "sha256:img1",
    labels: { [LABEL.project]: project.name, [LABEL.service]: service, [LABEL.c2tsConfig]: encodeConfigLabel(input) },
    created: 1000 + counter,
    networks: { demo_default: "net1" },
    mounts: [],
    image: project.services[service].image ?? "",
    ...overrides,
  };
}

/** Observed state where everything in `project` already exists and is up to date. */
export function convergedObserved(project: Project): Observed {
  return emptyObserved(project, {
    containers: Object.keys(project.services).map((s) => observedContainer(project, s)),
    networks: { demo_default: { id: "net1", name: "demo_default", labels: { [LABEL.project]: "demo" } } },
  });
}
