/**
 * Input and output of the pure Compose → Swarm mapping (`convertStack` in ./index.ts).
 *
 * The output is Engine API JSON, ready to POST: `/services/create` takes a ServiceSpec,
 * `/networks/create` a NetworkCreateRequest, `/secrets/create` and `/configs/create` a
 * SecretSpec/ConfigSpec. Names and labels are those `docker stack deploy` gives
 * (docker/cli cli/compose/convert), so `docker stack ps|services <project>` see c2ts stacks.
 *
 * Engine API types follow the Engine API reference (swagger.yaml) field for field, and only
 * the fields we send; those containers share (mounts, healthcheck) come from runtime/engine.ts.
 */
import type { Project } from "../../compose/model.js";
import type { MountSpec } from "../../runtime/engine.js";
import type { HealthConfig, IpamSpec } from "../../runtime/engine.js";

export interface SwarmConvertInput {
  /** The stack namespace: `<project>_<service>`, `com.docker.stack.namespace=<project>`. */
  projectName: string;
  /** The canonical (loaded, normalized) Compose model. */
  project: Project;
  /** Convert only these services (default: all of project.services). */
  serviceNames?: string[];
  /** Image per service key, overriding `image:` (e.g. a build tagged by content hash). */
  images?: Record<string, string>;
  /**
   * Content hash per secret key (non-external secrets). The secret is named
   * `<project>_<name>_<hash[0..12]>`. When missing, the hash is computed from secretData.
   */
  secretVersions?: Record<string, string>;
  /** Content per secret key; becomes the spec's base64 `Data` and, when no version is given, its hash. */
  secretData?: Record<string, Uint8Array | string>;
  /** As secretVersions, for configs. */
  configVersions?: Record<string, string>;
  /** As secretData, for configs. */
  configData?: Record<string, Uint8Array | string>;
  /** Cluster definition placement: service key → node names it may run on. */
  placement?: Record<string, string[]>;
  /** All node names of the cluster (needed to express "one of several nodes", see placement.ts). */
  nodeNames?: string[];
  /** MTU for overlay networks c2ts creates when the file sets none (default 1230: WireGuard 1280 − VXLAN 50). */
  overlayMtu?: number;
  /**
   * Engine API version of the swarm manager (e.g. "1.41" for Engine 20.10). Fields the engine
   * cannot take are dropped with a warning. Default: the newest, everything is sent.
   */
  apiVersion?: string;
}

/** A field Swarm cannot express (or a risky setup), never dropped silently. */
export interface SwarmWarning {
  /** Compose service key, or `networks.<key>`/`volumes.<key>`/... for top-level objects. */
  service: string;
  /** The Compose field, as written in the file (e.g. `privileged`, `deploy.resources.reservations.devices`). */
  field: string;
  reason: string;
}

export interface SwarmStackSpec {
  /** The namespace (projectName). */
  namespace: string;
  /** Keyed by Compose service key. */
  services: Record<string, ServiceSpec>;
  /** Networks to create, keyed by Compose network key (external networks are not here). */
  networks: Record<string, NetworkCreateRequest>;
  /** External networks the services use: Compose key → engine name (must already exist). */
  externalNetworks: Record<string, string>;
  /** Secrets to create (rotated names), keyed by Compose secret key; external ones are not here. */
  secrets: Record<string, SecretSpec>;
  /** External secrets the services use: Compose key → engine name. */
  externalSecrets: Record<string, string>;
  configs: Record<string, ConfigSpec>;
  externalConfigs: Record<string, string>;
  warnings: SwarmWarning[];
}

// ---- Engine API: services -------------------------------------------------------------

export interface ServiceSpec {
  Name: string;
  Labels: Record<string, string>;
  TaskTemplate: TaskSpec;
  Mode: ServiceMode;
  UpdateConfig?: UpdateConfig;
  RollbackConfig?: UpdateConfig;
  EndpointSpec?: EndpointSpec;
}

export interface ServiceMode {
  Replicated?: { Replicas: number };
  Global?: Record<string, never>;
  ReplicatedJob?: { MaxConcurrent?: number; TotalCompletions?: number };
  GlobalJob?: Record<string, never>;
}

export interface TaskSpec {
  ContainerSpec: ContainerSpec;
  Resources?: { Limits?: Limit; Reservations?: Reservation };
  RestartPolicy?: RestartPolicy;
  Placement?: Placement;
  Networks?: NetworkAttachmentConfig[];
  LogDriver?: { Name: string; Options?: Record<string, string> };
  ForceUpdate?: number;
}

export interface ContainerSpec {
  Image: string;
  Labels?: Record<string, string>;
  /** Compose `entrypoint`. */
  Command?: string[];
  /** Compose `command`. */
  Args?: string[];
  Hostname?: string;
  Env?: string[];
  Dir?: string;
  User?: string;
  Groups?: string[];
  TTY?: boolean;
  OpenStdin?: boolean;
  ReadOnly?: boolean;
  Mounts?: Mount[];
  StopSignal?: string;
  /** Nanoseconds. */
  StopGracePeriod?: number;
  Healthcheck?: HealthConfig;
  /** `IP host...` lines, as docker/cli converts extra_hosts. */
  Hosts?: string[];
  DNSConfig?: { Nameservers?: string[]; Search?: string[]; Options?: string[] };
  Secrets?: SecretReference[];
  Configs?: ConfigReference[];
  Isolation?: string;
  Init?: boolean;
  Sysctls?: Record<string, string>;
  CapabilityAdd?: string[];
  CapabilityDrop?: string[];
  Ulimits?: Array<{ Name: string; Soft: number; Hard: number }>;
  /** API 1.46+. */
  OomScoreAdj?: number;
  Privileges?: { CredentialSpec?: { Config?: string; File?: string; Registry?: string } };
}

// The healthcheck payload is the same for containers and Swarm tasks.
export type { HealthConfig } from "../../runtime/engine.js";

/** A task mounts what a container mounts. */
export type Mount = MountSpec;

export interface SecretReference {
  File: { Name: string; UID: string; GID: string; Mode: number };
  SecretID?: string;
  SecretName: string;
}

export interface ConfigReference {
  File: { Name: string; UID: string; GID: string; Mode: number };
  ConfigID?: string;
  ConfigName: string;
}

export interface Limit {
  NanoCPUs?: number;
  MemoryBytes?: number;
  Pids?: number;
}

export interface GenericResource {
  NamedResourceSpec?: { Kind: string; Value: string };
  DiscreteResourceSpec?: { Kind: string; Value: number };
}

export interface Reservation {
  NanoCPUs?: number;
  MemoryBytes?: number;
  GenericResources?: GenericResource[];
}

export interface RestartPolicy {
  Condition?: "none" | "on-failure" | "any";
  /** Nanoseconds. */
  Delay?: number;
  MaxAttempts?: number;
  /** Nanoseconds. */
  Window?: number;
}

export interface Placement {
  Constraints?: string[];
  Preferences?: Array<{ Spread: { SpreadDescriptor: string } }>;
  MaxReplicas?: number;
  Platforms?: Array<{ Architecture?: string; OS?: string }>;
}

export interface NetworkAttachmentConfig {
  /** Network name (or ID); the engine resolves names. */
  Target: string;
  Aliases?: string[];
  DriverOpts?: Record<string, string>;
}

export interface UpdateConfig {
  Parallelism: number;
  /** Nanoseconds. */
  Delay?: number;
  FailureAction?: "continue" | "pause" | "rollback";
  /** Nanoseconds. */
  Monitor?: number;
  MaxFailureRatio?: number;
  Order?: "stop-first" | "start-first";
}

export interface EndpointSpec {
  Mode?: "vip" | "dnsrr";
  Ports?: PortConfig[];
}

export interface PortConfig {
  Name?: string;
  Protocol?: "tcp" | "udp" | "sctp";
  TargetPort: number;
  PublishedPort?: number;
  PublishMode?: "ingress" | "host";
}

// ---- Engine API: networks, secrets, configs --------------------------------------------

export interface NetworkCreateRequest {
  Name: string;
  Driver: string;
  Scope?: string;
  Internal?: boolean;
  Attachable?: boolean;
  EnableIPv6?: boolean;
  IPAM?: IpamSpec;
  Options?: Record<string, string>;
  Labels: Record<string, string>;
}

export interface SecretSpec {
  Name: string;
  Labels: Record<string, string>;
  /** Base64 of the content; present when the caller supplied the content. */
  Data?: string;
  Driver?: { Name: string; Options?: Record<string, string> };
  Templating?: { Name: string; Options?: Record<string, string> };
}

export interface ConfigSpec {
  Name: string;
  Labels: Record<string, string>;
  Data?: string;
  Templating?: { Name: string; Options?: Record<string, string> };
}

/** The convert entry point's signature (implemented in ./index.ts). */
export type ConvertStack = (input: SwarmConvertInput) => SwarmStackSpec;
