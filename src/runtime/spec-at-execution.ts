/**
 * The two facts about a planned container spec that only execution knows: the name it is created
 * under, and the ID of an image that was pulled or built after planning.
 */
import type { ContainerSpec } from "./container-spec.js";
import { LABEL } from "./labels.js";

/** The planned spec under the name only execution knows (a random or predecessor-derived temporary one). */
export function withName(spec: ContainerSpec, name: string): ContainerSpec {
  return { ...spec, create: { ...spec.create, name } };
}

/**
 * An image the plan did not know the ID of (it was to be pulled or built) is recorded by the ID
 * the engine has now, for later image-change detection.
 */
export function withImageLabel(spec: ContainerSpec, imageId: string | undefined): ContainerSpec {
  if (!imageId || spec.create.Labels?.[LABEL.image]) return spec;
  return { ...spec, create: { ...spec.create, Labels: { ...spec.create.Labels, [LABEL.image]: imageId } } };
}
