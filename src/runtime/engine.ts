/**
 * A small interface over the Docker Engine API: only what converging a Compose project needs.
 *
 * Shapes are the Engine API's own (PascalCase JSON) so the Engine API client (engine-docker.ts) passes
 * them through untouched and a test fake can be written from the API docs. Everything that
 * talks to a real engine lives in engine-docker.ts, loaded on demand.
 */

export type Labels = Record<string, string>;
/** Engine list filters, e.g. `{ label: ["com.docker.compose.project=web"] }`. */
export type Filters = Record<string, string[]>;

export interface EndpointSettings {
  Aliases?: string[];
  Links?: string[];
  IPAMConfig?: { IPv4Address?: string; IPv6Address?: string; LinkLocalIPs?: string[] };
  MacAddress?: string;
  DriverOpts?: Record<string, string>;
  GwPriority?: number;
  NetworkID?: string;
  IPAddress?: string;
}

export interface MountSpec {
  Type: "bind" | "volume" | "tmpfs" | "npipe" | "image" | "cluster";
  Source?: string;
  Target: string;
  ReadOnly?: boolean;
  Consistency?: string;
  BindOptions?: {
    Propagation?: string;
    CreateMountpoint?: boolean;
    NonRecursive?: boolean;
    ReadOnlyNonRecursive?: boolean;
    ReadOnlyForceRecursive?: boolean;
  };
  VolumeOptions?: {
    NoCopy?: boolean;
    Labels?: Labels;
    Subpath?: string;
    DriverConfig?: { Name?: string; Options?: Record<string, string> };
  };
  TmpfsOptions?: { SizeBytes?: number; Mode?: number };
  ImageOptions?: { Subpath?: string };
  ClusterOptions?: Record<string, never>;
}

export interface HealthConfig {
  Test?: string[];
  Interval?: number;
  Timeout?: number;
  Retries?: number;
  StartPeriod?: number;
  StartInterval?: number;
}

export interface HostConfig {
  Binds?: string[];
  Mounts?: MountSpec[];
  NetworkMode?: string;
  PortBindings?: Record<string, Array<{ HostIp?: string; HostPort?: string }>>;
  RestartPolicy?: { Name: string; MaximumRetryCount?: number };
  AutoRemove?: boolean;
  VolumesFrom?: string[];
  CapAdd?: string[];
  CapDrop?: string[];
  CgroupnsMode?: string;
  Dns?: string[];
  DnsOptions?: string[];
  DnsSearch?: string[];
  ExtraHosts?: string[];
  GroupAdd?: string[];
  IpcMode?: string;
  Cgroup?: string;
  Links?: string[];
  OomScoreAdj?: number;
  PidMode?: string;
  Privileged?: boolean;
  ReadonlyRootfs?: boolean;
  SecurityOpt?: string[];
  StorageOpt?: Record<string, string>;
  Tmpfs?: Record<string, string>;
  UTSMode?: string;
  UsernsMode?: string;
  ShmSize?: number;
  Sysctls?: Record<string, string>;
  Runtime?: string;
  Isolation?: string;
  MaskedPaths?: string[];
  ReadonlyPaths?: string[];
  Init?: boolean;
  LogConfig?: { Type: string; Config?: Record<string, string> };
  Annotations?: Record<string, string>;
  // Resources
  CgroupParent?: string;
  BlkioWeight?: number;
  BlkioWeightDevice?: Array<{ Path: string; Weight: number }>;
  BlkioDeviceReadBps?: Array<{ Path: string; Rate: number }>;
  BlkioDeviceWriteBps?: Array<{ Path: string; Rate: number }>;
  BlkioDeviceReadIOps?: Array<{ Path: string; Rate: number }>;
  BlkioDeviceWriteIOps?: Array<{ Path: string; Rate: number }>;
  CpuShares?: number;
  CpuPeriod?: number;
  CpuQuota?: number;
  CpuRealtimePeriod?: number;
  CpuRealtimeRuntime?: number;
  CpusetCpus?: string;
  CpuCount?: number;
  CpuPercent?: number;
  NanoCpus?: number;
  Memory?: number;
  MemoryReservation?: number;
  MemorySwap?: number;
  MemorySwappiness?: number;
  OomKillDisable?: boolean;
  PidsLimit?: number;
  Ulimits?: Array<{ Name: string; Soft: number; Hard: number }>;
  Devices?: Array<{ PathOnHost: string; PathInContainer: string; CgroupPermissions: string }>;
  DeviceCgroupRules?: string[];
  DeviceRequests?: Array<{
    Driver?: string;
    Count?: number;
    DeviceIDs?: string[];
    Capabilities?: string[][];
    Options?: Record<string, string>;
  }>;
}

/** Body of POST /containers/create, plus the name and platform that travel in the query. */
export interface ContainerCreateSpec {
  name: string;
  platform?: string;
  Hostname?: string;
  Domainname?: string;
  User?: string;
  AttachStdin?: boolean;
  AttachStdout?: boolean;
  AttachStderr?: boolean;
  ExposedPorts?: Record<string, Record<string, never>>;
  Tty?: boolean;
  OpenStdin?: boolean;
  StdinOnce?: boolean;
  Env?: string[];
  Cmd?: string[];
  Healthcheck?: HealthConfig;
  Image: string;
  WorkingDir?: string;
  Entrypoint?: string[];
  NetworkDisabled?: boolean;
  MacAddress?: string;
  Labels?: Labels;
  StopSignal?: string;
  StopTimeout?: number;
  HostConfig: HostConfig;
  NetworkingConfig?: { EndpointsConfig: Record<string, EndpointSettings> };
}

export interface ContainerMount {
  Type: string;
  Name?: string;
  Source: string;
  Destination: string;
  RW: boolean;
  Driver?: string;
}

/** An item of GET /containers/json. */
export interface ContainerSummary {
  Id: string;
  Names: string[];
  Image: string;
  ImageID: string;
  Command?: string;
  Created: number;
  State: string;
  Status: string;
  Labels: Labels;
  HostConfig?: { NetworkMode?: string };
  NetworkSettings?: { Networks?: Record<string, EndpointSettings> };
  Mounts?: ContainerMount[];
}

export interface HealthLogEntry {
  Start?: string;
  End?: string;
  ExitCode: number;
  Output: string;
}

export interface ContainerInspect {
  Id: string;
  Name: string;
  Image: string;
  Created?: string;
  RestartCount?: number;
  State: {
    Status: string;
    Running: boolean;
    Restarting?: boolean;
    Paused?: boolean;
    ExitCode: number;
    Error?: string;
    StartedAt?: string;
    FinishedAt?: string;
    Health?: { Status: string; FailingStreak?: number; Log?: HealthLogEntry[] };
  };
  Config: { Labels?: Labels; Image?: string; Env?: string[]; Healthcheck?: HealthConfig } & Record<string, unknown>;
  HostConfig?: HostConfig;
  Mounts?: ContainerMount[];
  NetworkSettings?: { Networks?: Record<string, EndpointSettings> };
}

export interface NetworkSummary {
  Id: string;
  Name: string;
  Driver?: string;
  Labels?: Labels;
  Scope?: string;
  Containers?: Record<string, unknown>;
}

/** A network's address management as the Engine API takes it. */
export interface IpamSpec {
  Driver?: string;
  Config?: Array<{
    Subnet?: string;
    IPRange?: string;
    Gateway?: string;
    AuxiliaryAddresses?: Record<string, string>;
  }>;
  Options?: Record<string, string>;
}

export interface NetworkCreateSpec {
  Name: string;
  Driver?: string;
  Options?: Record<string, string>;
  IPAM?: IpamSpec;
  Internal?: boolean;
  Attachable?: boolean;
  EnableIPv6?: boolean;
  EnableIPv4?: boolean;
  CheckDuplicate?: boolean;
  Labels?: Labels;
}

export interface VolumeSummary {
  Name: string;
  Driver?: string;
  Labels?: Labels | null;
  Mountpoint?: string;
}

export interface VolumeCreateSpec {
  Name: string;
  Driver?: string;
  DriverOpts?: Record<string, string>;
  Labels?: Labels;
}

export interface ImageInspect {
  Id: string;
  RepoTags?: string[];
  RepoDigests?: string[];
  Created?: string;
  Config?: { Volumes?: Record<string, unknown> | null; Labels?: Labels | null; Healthcheck?: HealthConfig };
  Metadata?: { LastTagTime?: string };
}

/** One message of the engine's event stream (GET /events). */
export interface EngineEvent {
  Type: string;
  Action: string;
  Actor: { ID: string; Attributes?: Record<string, string> };
  time?: number;
  timeNano?: number;
}

/** One line of a pull or build progress stream. */
export interface ProgressMessage {
  id?: string;
  status?: string;
  progress?: string;
  progressDetail?: { current?: number; total?: number };
  stream?: string;
  error?: string;
  errorDetail?: { message?: string };
  aux?: { ID?: string };
}

export interface RegistryAuth {
  username?: string;
  password?: string;
  auth?: string;
  serveraddress?: string;
  identitytoken?: string;
  registrytoken?: string;
}

export interface BuildRequest {
  /** A tar stream of the build context; absent for remote contexts. */
  context?: NodeJS.ReadableStream | Buffer;
  /** Query parameters of POST /build (t, dockerfile, buildargs, labels, target, nocache, pull, remote, …). */
  query: Record<string, string | number | boolean | string[]>;
  /** X-Registry-Config: credentials for the registries base images come from. */
  registryConfig?: Record<string, RegistryAuth>;
}

export interface EventSubscription {
  /** Resolves once the engine has accepted the subscription. */
  ready: Promise<void>;
  close(): void;
}

export interface LogOptions {
  follow: boolean;
  tail?: number | "all";
  timestamps?: boolean;
  since?: number;
}

/** POST /containers/{id}/exec options c2ts uses (lifecycle hooks). */
export interface ExecSpec {
  Cmd: string[];
  User?: string;
  Privileged?: boolean;
  WorkingDir?: string;
  Env?: string[];
}

export interface Engine {
  /** The engine's API version (e.g. "1.41"); requests use it, features depend on it. */
  apiVersion(): Promise<string>;

  listContainers(filters: Filters): Promise<ContainerSummary[]>;
  inspectContainer(id: string): Promise<ContainerInspect>;
  createContainer(spec: ContainerCreateSpec): Promise<{ Id: string; Warnings: string[] }>;
  startContainer(id: string): Promise<void>;
  /** Resume a paused container (its processes were frozen by `docker pause`). */
  unpauseContainer(id: string): Promise<void>;
  /** `timeoutSeconds` undefined uses the container's StopTimeout. */
  stopContainer(id: string, timeoutSeconds?: number): Promise<void>;
  removeContainer(id: string, options: { force?: boolean; volumes?: boolean }): Promise<void>;
  renameContainer(id: string, name: string): Promise<void>;
  /** Extract a tar archive into the container's filesystem at `path`. */
  putArchive(id: string, path: string, tar: Buffer): Promise<void>;
  connectNetwork(network: string, containerId: string, endpoint: EndpointSettings): Promise<void>;
  disconnectNetwork(network: string, containerId: string): Promise<void>;
  /** Runs a command in a running container, streams its output, and resolves with its exit code. */
  exec(
    id: string,
    spec: ExecSpec,
    onLine: (stream: "stdout" | "stderr", line: string) => void,
  ): Promise<{ exitCode: number }>;
  /** Demultiplexed log lines; ends when the container stops (follow) or the logs are read. */
  logs(
    id: string,
    options: LogOptions,
    onLine: (stream: "stdout" | "stderr", line: string) => void,
    signal?: AbortSignal,
  ): Promise<void>;

  listNetworks(filters: Filters): Promise<NetworkSummary[]>;
  inspectNetwork(nameOrId: string): Promise<NetworkSummary | null>;
  createNetwork(spec: NetworkCreateSpec): Promise<{ Id: string }>;
  removeNetwork(id: string): Promise<void>;

  listVolumes(filters: Filters): Promise<VolumeSummary[]>;
  inspectVolume(name: string): Promise<VolumeSummary | null>;
  createVolume(spec: VolumeCreateSpec): Promise<VolumeSummary>;
  removeVolume(name: string, force?: boolean): Promise<void>;

  inspectImage(ref: string): Promise<ImageInspect | null>;
  pullImage(
    ref: string,
    auth: RegistryAuth | undefined,
    onProgress: (m: ProgressMessage) => void,
    platform?: string,
  ): Promise<void>;
  /** Build an image; resolves with the built image ID when the engine reports one. */
  buildImage(request: BuildRequest, onProgress: (m: ProgressMessage) => void): Promise<string | undefined>;
  /**
   * Open a BuildKit session channel (POST /session upgraded with these headers); the returned
   * stream carries the session's HTTP/2. Absent on engines c2ts cannot drive BuildKit on.
   */
  openBuildSession?(headers: Record<string, string | string[]>): Promise<import("node:stream").Duplex>;
  removeImage(ref: string): Promise<void>;

  /** Subscribe to engine events; `onEvent` is called for each until close(). */
  events(filters: Filters, onEvent: (e: EngineEvent) => void, onError?: (err: Error) => void): EventSubscription;

  /** Release connections so the process can exit. */
  close(): void;
  /**
   * The same engine, with every request (streams included) cut when `signal` aborts: a deploy's
   * deadline. Optional: engines without it are used as they are.
   */
  bounded?(signal: AbortSignal): Engine;
}

/** An error answered by the engine, with its HTTP status (404 not found, 409 conflict, …). */
export class EngineError extends Error {
  readonly statusCode: number;
  constructor(message: string, statusCode: number) {
    super(message);
    this.name = "EngineError";
    this.statusCode = statusCode;
  }
}

export function isNotFound(err: unknown): boolean {
  return err instanceof EngineError && err.statusCode === 404;
}

export function isConflict(err: unknown): boolean {
  return err instanceof EngineError && err.statusCode === 409;
}

/** Compare Engine API versions ("1.41" < "1.44"). */
export function apiAtLeast(version: string, wanted: string): boolean {
  const [a1, a2] = version.split(".").map(Number);
  const [b1, b2] = wanted.split(".").map(Number);
  return a1 > b1 || (a1 === b1 && a2 >= b2);
}

/**
 * Connect to the engine named by `host` (or DOCKER_HOST, or the local socket):
 * `unix:///path`, `tcp://host:port` (TLS when DOCKER_TLS_VERIFY/DOCKER_CERT_PATH say so), `ssh://user@host`.
 * The engine client (engine-docker.ts over node:http; docker-modem only for ssh) is loaded here, not when this
 * module is imported.
 */
export async function connectEngine(host?: string): Promise<Engine> {
  const { DockerEngine } = await import("./engine-docker.js");
  return DockerEngine.connect(host);
}
