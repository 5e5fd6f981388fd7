/**
 * `build:` on the Swarm path, with the runtime's build code: the image is built through the
 * manager's engine and tagged by its content (`<name>:c2ts-<image id>`), so a service spec names
 * exactly one image, an unchanged build (cache hits give the same ID) leaves the spec unchanged,
 * and a changed one updates the service. Only the manager's node builds: services with `build:`
 * should be placed there until images are distributed to the other nodes.
 */
import type { Project } from "../compose/model.js";
import type { DockerEngine } from "../runtime/engine-docker.js";
import type { DeployEvent } from "../runtime/events.js";
import { serviceImage } from "../runtime/container-spec.js";
import { splitImageReference } from "../runtime/image-ref.js";
import { executeImageOperation } from "../runtime/images.js";

/** The content-addressed tag for `image` whose ID is `id`. */
export function contentTag(image: string, id: string): string {
  const ref = splitImageReference(image);
  return `${ref.name}:c2ts-${id.replace(/^sha256:/, "").slice(0, 12)}`;
}

/** For `plan`, which builds nothing: the content tag of the image last built, when there is one. */
export async function lastBuiltImages(engine: DockerEngine, project: Project, services: string[]): Promise<Record<string, string>> {
  const images: Record<string, string> = {};
  for (const service of services) {
    if (!project.services[service]?.build) continue;
    const image = serviceImage(project, service);
    const found = await engine.inspectImage(image);
    if (found) images[service] = contentTag(image, found.Id);
  }
  return images;
}

/** Builds every selected service with a `build:` section; returns service → content-tagged image. */
export async function buildServices(
  engine: DockerEngine,
  project: Project,
  services: string[],
  environment: Record<string, string | undefined>,
  emit: (e: DeployEvent) => void,
  warn: (message: string) => void,
): Promise<Record<string, string>> {
  const images: Record<string, string> = {};
  for (const service of services) {
    if (!project.services[service]?.build) continue;
    const image = serviceImage(project, service);
    await executeImageOperation(
      engine,
      project,
      { kind: "build-image", image, service, reason: "build: the tag follows the content" },
      { emit, warn, run: (fn) => fn(), environment },
    );
    const built = await engine.inspectImage(image);
    if (!built) throw new Error(`built image ${image} is not on the engine`);
    const tag = contentTag(image, built.Id);
    const { name, tag: t } = splitImageReference(tag);
    await engine.request("POST", `/images/${encodeURIComponent(built.Id)}/tag`, { query: { repo: name, tag: t } });
    images[service] = tag;
  }
  return images;
}
