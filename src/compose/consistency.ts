/**
 * Compose's consistency checks on the normalized project: every reference points at something
 * defined, and `depends_on` has no cycle. Errors name the service and the field.
 */
import { UserError } from "./errors.js";
import { assertNoDependencyCycle } from "./dependency-cycles.js";
import type { Project } from "./model.js";

export function checkConsistency(project: Project): void {
  const services = project.services;
  const containerNames = new Map<string, string>();

  for (const [name, service] of Object.entries(services)) {
    const fail = (field: string, message: string): never => {
      throw new UserError(`service "${name}" ${message}`, { path: `services.${name}.${field}` });
    };

    for (const [dep, spec] of Object.entries(service.depends_on ?? {})) {
      if (!Object.hasOwn(services, dep) && spec.required !== false)
        fail(`depends_on.${dep}`, `depends on undefined service "${dep}"`);
    }
    for (const network of Object.keys(service.networks ?? {})) {
      if (!(project.networks && Object.hasOwn(project.networks, network)))
        fail(`networks.${network}`, `refers to undefined network ${network}`);
    }
    service.volumes?.forEach((volume, i) => {
      if (
        volume.type === "volume" &&
        volume.source &&
        !(project.volumes && Object.hasOwn(project.volumes, volume.source))
      ) {
        fail(`volumes[${i}]`, `refers to undefined volume ${volume.source}`);
      }
    });
    service.secrets?.forEach((secret, i) => {
      if (!(project.secrets && Object.hasOwn(project.secrets, secret.source)))
        fail(`secrets[${i}]`, `refers to undefined secret ${secret.source}`);
    });
    service.configs?.forEach((config, i) => {
      if (!(project.configs && Object.hasOwn(project.configs, config.source)))
        fail(`configs[${i}]`, `refers to undefined config ${config.source}`);
    });
    const modeTarget = service.network_mode?.startsWith("service:") ? service.network_mode.slice(8) : undefined;
    if (modeTarget && !Object.hasOwn(services, modeTarget))
      fail("network_mode", `refers to undefined service "${modeTarget}" in network_mode`);
    service.volumes_from?.forEach((from, i) => {
      const [source] = from.split(":");
      if (!from.startsWith("container:") && source && !Object.hasOwn(services, source)) {
        fail(`volumes_from[${i}]`, `refers to undefined service "${source}" in volumes_from`);
      }
    });
    if (service.container_name) {
      const other = containerNames.get(service.container_name);
      if (other)
        fail("container_name", `uses container_name "${service.container_name}", already used by service "${other}"`);
      containerNames.set(service.container_name, name);
      const replicas = service.deploy?.replicas ?? service.scale ?? 1;
      if (replicas > 1)
        fail(
          "container_name",
          `sets container_name "${service.container_name}" and ${replicas} replicas; a container name must be unique`,
        );
    }
  }
  checkDependencyCycles(project);
}

function checkDependencyCycles(project: Project): void {
  assertNoDependencyCycle(Object.keys(project.services), (name) =>
    Object.keys(project.services[name]?.depends_on ?? {}).filter((dep) => Object.hasOwn(project.services, dep)),
  );
}
