/** What a swarm manager holds for a stack: its services, networks, secret and config versions. */
import type { SwarmApi, SwarmNetwork, SwarmSecret, SwarmService } from "./api.js";
import { STACK_LABEL } from "./convert/names.js";

export interface SwarmObserved {
  /** The stack's services, by full name (`<project>_<service>`). */
  services: Record<string, SwarmService>;
  /** Every network the manager knows, by name (external networks are looked up here too). */
  networks: Record<string, SwarmNetwork>;
  /** Network ID → name, to read the IDs a stored service spec refers to. */
  networkNames: Record<string, string>;
  /** The stack's secret and config versions. */
  secrets: SwarmSecret[];
  configs: SwarmSecret[];
  /** Secrets and configs of any stack, by name: external ones must exist. */
  allSecretNames: Set<string>;
  allConfigNames: Set<string>;
}

export async function observeSwarm(api: SwarmApi, namespace: string): Promise<SwarmObserved> {
  const label = { label: [`${STACK_LABEL.namespace}=${namespace}`] };
  const [services, networks, secrets, configs] = await Promise.all([
    api.listServices(label),
    api.listNetworks({}),
    api.listSecrets({}),
    api.listConfigs({}),
  ]);
  const mine = (o: SwarmSecret) => o.Spec.Labels?.[STACK_LABEL.namespace] === namespace;
  return {
    services: Object.fromEntries(services.map((s) => [s.Spec.Name, s])),
    networks: Object.fromEntries(networks.map((n) => [n.Name, n])),
    networkNames: Object.fromEntries(networks.map((n) => [n.Id, n.Name])),
    secrets: secrets.filter(mine),
    configs: configs.filter(mine),
    allSecretNames: new Set(secrets.map((s) => s.Spec.Name)),
    allConfigNames: new Set(configs.map((s) => s.Spec.Name)),
  };
}
