/**
 * The canonical Compose model: what `docker compose config --format json` prints.
 *
 * Every stage after normalization (codegen round-trip checks, the runtime planner,
 * proxy generation) reads this shape and nothing else. Field names are the Compose
 * spec's own (`container_name`, not `containerName`); durations are Go-style strings
 * (`1m30s`), paths are absolute, published ports are strings, as compose-go emits them.
 */

export type Extensions = { [key: `x-${string}`]: unknown };

export interface Project extends Extensions {
  name: string;
  services: Record<string, ServiceConfig>;
  networks?: Record<string, NetworkConfig>;
  volumes?: Record<string, VolumeConfig>;
  secrets?: Record<string, FileObjectConfig>;
  configs?: Record<string, FileObjectConfig>;
  models?: Record<string, unknown>;
}

/** `null` values mean "key present without a value" (e.g. `environment: [FOO]`). */
export type Mapping = Record<string, string>;
export type MappingWithEquals = Record<string, string | null>;

export interface ServiceConfig extends Extensions {
  profiles?: string[];
  annotations?: Mapping;
  attach?: boolean;
  build?: BuildConfig;
  develop?: unknown;
  blkio_config?: unknown;
  cap_add?: string[];
  cap_drop?: string[];
  cgroup?: string;
  cgroup_parent?: string;
  cpu_count?: number;
  cpu_percent?: number;
  cpu_period?: number;
  cpu_quota?: number;
  cpu_rt_period?: number;
  cpu_rt_runtime?: number;
  cpus?: number;
  cpuset?: string;
  cpu_shares?: number;
  command: string[] | null;
  configs?: ServiceFileReference[];
  container_name?: string;
  credential_spec?: unknown;
  depends_on?: Record<string, ServiceDependency>;
  deploy?: DeployConfig;
  device_cgroup_rules?: string[];
  devices?: DeviceMapping[];
  dns?: string[];
  dns_opt?: string[];
  dns_search?: string[];
  domainname?: string;
  entrypoint: string[] | null;
  environment?: MappingWithEquals;
  env_file?: EnvFile[];
  expose?: string[];
  external_links?: string[];
  extra_hosts?: Record<string, string[]>;
  gpus?: unknown[];
  group_add?: string[];
  healthcheck?: HealthCheckConfig;
  hostname?: string;
  image?: string;
  init?: boolean;
  ipc?: string;
  isolation?: string;
  labels?: Mapping;
  label_file?: string[];
  links?: string[];
  logging?: { driver?: string; options?: Record<string, string> };
  mac_address?: string;
  mem_limit?: number;
  mem_reservation?: number;
  mem_swappiness?: number;
  memswap_limit?: number;
  network_mode?: string;
  networks?: Record<string, ServiceNetworkConfig | null>;
  oom_kill_disable?: boolean;
  oom_score_adj?: number;
  pid?: string;
  pids_limit?: number;
  platform?: string;
  ports?: PortConfig[];
  post_start?: ServiceHook[];
  pre_stop?: ServiceHook[];
  privileged?: boolean;
  pull_policy?: string;
  read_only?: boolean;
  restart?: string;
  runtime?: string;
  scale?: number;
  secrets?: ServiceFileReference[];
  security_opt?: string[];
  shm_size?: number;
  stdin_open?: boolean;
  stop_grace_period?: string;
  stop_signal?: string;
  storage_opt?: Record<string, string>;
  sysctls?: Mapping;
  tmpfs?: string[];
  tty?: boolean;
  ulimits?: Record<string, UlimitsConfig>;
  user?: string;
  userns_mode?: string;
  uts?: string;
  volumes?: ServiceVolumeConfig[];
  volumes_from?: string[];
  working_dir?: string;
}

export interface BuildConfig extends Extensions {
  context: string;
  dockerfile?: string;
  dockerfile_inline?: string;
  args?: MappingWithEquals;
  ssh?: string[];
  labels?: Mapping;
  cache_from?: string[];
  cache_to?: string[];
  no_cache?: boolean;
  additional_contexts?: Mapping;
  network?: string;
  pull?: boolean;
  target?: string;
  shm_size?: number;
  extra_hosts?: Record<string, string[]>;
  isolation?: string;
  privileged?: boolean;
  secrets?: ServiceFileReference[];
  tags?: string[];
  ulimits?: Record<string, UlimitsConfig>;
  platforms?: string[];
  entitlements?: string[];
}

export interface ServiceDependency extends Extensions {
  condition: "service_started" | "service_healthy" | "service_completed_successfully";
  required: boolean;
  restart?: boolean;
}

export interface DeviceMapping {
  source: string;
  target?: string;
  permissions?: string;
}

export interface EnvFile {
  path: string;
  required: boolean;
  format?: string;
}

export interface HealthCheckConfig extends Extensions {
  test?: string[];
  interval?: string;
  timeout?: string;
  retries?: number;
  start_period?: string;
  start_interval?: string;
  disable?: boolean;
}

export interface PortConfig extends Extensions {
  name?: string;
  mode: "ingress" | "host" | string;
  host_ip?: string;
  target: number;
  /** A port or a range (`8000-8010`), as a string, the way compose-go prints it. */
  published?: string;
  protocol: "tcp" | "udp" | string;
  app_protocol?: string;
}

export interface ServiceVolumeConfig extends Extensions {
  type: "bind" | "volume" | "tmpfs" | "npipe" | "cluster" | "image";
  source?: string;
  target: string;
  read_only?: boolean;
  consistency?: string;
  bind?: { propagation?: string; create_host_path?: boolean; selinux?: string; recursive?: string };
  volume?: { nocopy?: boolean; subpath?: string; labels?: Mapping };
  tmpfs?: { size?: number; mode?: number };
  image?: { subpath?: string };
}

export interface ServiceNetworkConfig extends Extensions {
  aliases?: string[];
  ipv4_address?: string;
  ipv6_address?: string;
  link_local_ips?: string[];
  mac_address?: string;
  driver_opts?: Mapping;
  priority?: number;
  gw_priority?: number;
  interface_name?: string;
}

export interface ServiceFileReference extends Extensions {
  source: string;
  target?: string;
  uid?: string;
  gid?: string;
  mode?: number;
}

export interface ServiceHook {
  command: string[];
  user?: string;
  privileged?: boolean;
  working_dir?: string;
  environment?: MappingWithEquals;
}

export interface UlimitsConfig {
  single?: number;
  soft?: number;
  hard?: number;
}

export interface DeployConfig extends Extensions {
  mode?: string;
  replicas?: number;
  labels?: Mapping;
  resources?: {
    limits?: { cpus?: string; memory?: number; pids?: number };
    reservations?: { cpus?: string; memory?: number; devices?: unknown[]; generic_resources?: unknown[] };
  };
  restart_policy?: { condition?: string; delay?: string; max_attempts?: number; window?: string };
  [key: string]: unknown;
}

export interface NetworkConfig extends Extensions {
  name: string;
  driver?: string;
  driver_opts?: Mapping;
  ipam: { driver?: string; config?: IpamPool[]; options?: Mapping };
  external?: boolean;
  internal?: boolean;
  attachable?: boolean;
  enable_ipv4?: boolean;
  enable_ipv6?: boolean;
  labels?: Mapping;
}

export interface IpamPool {
  subnet?: string;
  gateway?: string;
  ip_range?: string;
  aux_addresses?: Mapping;
}

export interface VolumeConfig extends Extensions {
  name: string;
  driver?: string;
  driver_opts?: Mapping;
  external?: boolean;
  labels?: Mapping;
}

/** A top-level secret or config. Exactly one of file/environment/content is set, or external. */
export interface FileObjectConfig extends Extensions {
  name: string;
  file?: string;
  environment?: string;
  content?: string;
  external?: boolean;
  labels?: Mapping;
  driver?: string;
  driver_opts?: Mapping;
  template_driver?: string;
}
