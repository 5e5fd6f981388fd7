/**
 * The pure Compose → Swarm mapping: one canonical project in, the Engine API payloads of a stack
 * out (services, networks, secrets, configs), named and labelled as `docker stack deploy` does,
 * plus a warning for every field Swarm cannot express. No engine is contacted.
 */
import { serviceContext, type ServiceContext } from "./context.js";
import { containerSpec, swarmImage } from "./container.js";
import { endpointSpec } from "./endpoint.js";
import { SwarmConvertError } from "./errors.js";
import { configReferences, fileObjectSpecs, secretReferences } from "./file-objects.js";
import { deployMode, restartPolicy, serviceMode } from "./mode.js";
import { swarmMounts } from "./mounts.js";
import { invalidServiceName, scope, STACK_LABEL, withStackLabel } from "./names.js";
import { DEFAULT_OVERLAY_MTU, networkSpecs, serviceNetworkKeys, serviceNetworks } from "./networks.js";
import { swarmPlacement } from "./placement.js";
import { swarmResources } from "./resources.js";
import { warnLocalVolumes } from "./stateful.js";
import type {
  ConfigSpec,
  SecretSpec,
  ServiceSpec,
  SwarmConvertInput,
  SwarmStackSpec,
  SwarmWarning,
  TaskSpec,
} from "./types.js";
import { warnUnsupported } from "./unsupported.js";
import { updateConfigs } from "./update.js";

export type * from "./types.js";
export { SwarmConvertError } from "./errors.js";
export { STACK_LABEL, C2TS_SWARM_LABEL } from "./names.js";
export { NODE_LABEL, clusterConstraints } from "./placement.js";
export { DEFAULT_OVERLAY_MTU, MTU_OPTION } from "./networks.js";

export function convertStack(input: SwarmConvertInput): SwarmStackSpec {
  const names = input.serviceNames ?? Object.keys(input.project.services).sort();
  for (const name of names) {
    if (!input.project.services[name]) throw new SwarmConvertError(name, "service", "not defined in the project");
  }
  const warnings: SwarmWarning[] = [];
  const services: Record<string, ServiceSpec> = {};
  const networkKeys = new Set<string>();
  const secretKeys = new Set<string>();
  const configKeys = new Set<string>();
  for (const name of names) {
    const ctx = serviceContext(input, name, warnings);
    services[name] = serviceSpec(ctx);
    for (const key of serviceNetworkKeys(ctx)) networkKeys.add(key);
    for (const ref of ctx.service.secrets ?? []) secretKeys.add(ref.source);
    for (const ref of ctx.service.configs ?? []) configKeys.add(ref.source);
  }
  const nets = networkSpecs(
    input.project,
    input.projectName,
    networkKeys,
    input.overlayMtu ?? DEFAULT_OVERLAY_MTU,
    warnings,
  );
  const secrets = fileObjectSpecs(input, "secret", secretKeys, warnings);
  const configs = fileObjectSpecs(input, "config", configKeys, warnings);
  return {
    namespace: input.projectName,
    services,
    networks: nets.networks,
    externalNetworks: nets.external,
    secrets: secrets.specs as Record<string, SecretSpec>,
    externalSecrets: secrets.external,
    configs: configs.specs as Record<string, ConfigSpec>,
    externalConfigs: configs.external,
    warnings,
  };
}

/** One service's spec (docker/cli convert.Service, plus what it leaves out). */
export function serviceSpec(ctx: ServiceContext): ServiceSpec {
  const name = scope(ctx.namespace, ctx.name);
  const invalid = invalidServiceName(name);
  if (invalid) throw new SwarmConvertError(ctx.name, "name", invalid);
  warnUnsupported(ctx);
  const image = swarmImage(ctx);
  const container = containerSpec(ctx, image);
  const mounts = swarmMounts(ctx);
  if (mounts.length) container.Mounts = mounts;
  const secrets = secretReferences(ctx);
  if (secrets.length) container.Secrets = secrets;
  const configs = configReferences(ctx);
  if (configs.length) container.Configs = configs;

  const mode = deployMode(ctx);
  const task: TaskSpec = { ContainerSpec: container };
  const resources = swarmResources(ctx);
  if (resources) task.Resources = resources;
  const restart = restartPolicy(ctx, mode);
  if (restart) task.RestartPolicy = restart;
  const placement = swarmPlacement(ctx, mode);
  if (placement) task.Placement = placement;
  const networks = serviceNetworks(ctx);
  if (networks.length) task.Networks = networks;
  const logging = ctx.service.logging;
  if (logging?.driver) {
    task.LogDriver = { Name: logging.driver, ...(logging.options ? { Options: logging.options } : {}) };
  } else if (logging?.options) {
    ctx.warn("logging.options", "Swarm needs a logging driver to take options; ignored");
  }

  const swarmMode = serviceMode(ctx, mode);
  warnLocalVolumes(ctx, mode, swarmMode, mounts, placement?.Constraints ?? []);
  return {
    Name: name,
    Labels: { ...withStackLabel(ctx.namespace, ctx.service.deploy?.labels), [STACK_LABEL.image]: image },
    TaskTemplate: task,
    Mode: swarmMode,
    ...updateConfigs(ctx, mode),
    EndpointSpec: endpointSpec(ctx),
  };
}
