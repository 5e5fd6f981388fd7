/**
 * The Swarm part of the Engine API that c2ts uses, typed after the API reference: the swarm
 * itself, nodes, services, tasks, secrets and configs. Container, network, volume and image calls
 * stay on the runtime's Engine; this wraps the same connection.
 */
import type { Filters, LogOptions } from "../runtime/engine.js";
import type { DockerEngine } from "../runtime/engine-docker.js";
import type { ConfigSpec, NetworkCreateRequest, SecretSpec, ServiceSpec } from "./convert/types.js";

export interface ObjectVersion {
  Index: number;
}

export interface SwarmInfo {
  NodeID: string;
  NodeAddr?: string;
  /** "inactive" | "pending" | "active" | "error" | "locked" */
  LocalNodeState: string;
  ControlAvailable: boolean;
  Error?: string;
  RemoteManagers?: Array<{ NodeID: string; Addr: string }> | null;
  Cluster?: { ID: string };
}

export interface EngineInfo {
  Name?: string;
  Swarm: SwarmInfo;
}

export interface SwarmInspect {
  ID: string;
  JoinTokens: { Worker: string; Manager: string };
}

export interface NodeSpec {
  Name?: string;
  Labels?: Record<string, string>;
  Role: "worker" | "manager";
  Availability: "active" | "pause" | "drain";
}

export interface SwarmNode {
  ID: string;
  Version: ObjectVersion;
  Spec: NodeSpec;
  Description?: {
    Hostname?: string;
    /** As the engine reports it: `x86_64`, `aarch64`… */
    Platform?: { OS?: string; Architecture?: string };
    Engine?: { Labels?: Record<string, string> };
  };
  Status: { State: string; Addr?: string; Message?: string };
  ManagerStatus?: { Leader?: boolean; Reachability?: string; Addr?: string };
}

export interface UpdateStatus {
  /** "updating" | "paused" | "completed" | "rollback_started" | "rollback_paused" | "rollback_completed" */
  State?: string;
  Message?: string;
}

export interface SwarmService {
  ID: string;
  Version: ObjectVersion;
  Spec: ServiceSpec;
  PreviousSpec?: ServiceSpec;
  UpdateStatus?: UpdateStatus;
  CreatedAt?: string;
  UpdatedAt?: string;
}

export interface SwarmTask {
  ID: string;
  ServiceID: string;
  NodeID?: string;
  Slot?: number;
  Version: ObjectVersion;
  CreatedAt?: string;
  /** The service spec version the task was created from (ServiceSpec TaskTemplate). */
  Spec?: { ContainerSpec?: { Image?: string } };
  /** "running" | "shutdown" | "accepted" | … */
  DesiredState: string;
  Status: {
    Timestamp?: string;
    /** "new" … "starting" | "running" | "complete" | "shutdown" | "failed" | "rejected" | "orphaned" */
    State: string;
    Message?: string;
    Err?: string;
    ContainerStatus?: { ContainerID?: string; ExitCode?: number };
  };
}

export interface SwarmSecret {
  ID: string;
  Version: ObjectVersion;
  Spec: { Name: string; Labels?: Record<string, string> };
}

export interface SwarmNetwork {
  Id: string;
  Name: string;
  Driver?: string;
  Scope?: string;
  Labels?: Record<string, string> | null;
}

const q = (filters: Filters) => ({ filters: JSON.stringify(filters) });
const id = (s: string) => encodeURIComponent(s);

export class SwarmApi {
  constructor(readonly engine: DockerEngine) {}

  info(): Promise<EngineInfo> {
    return this.engine.request("GET", "/info") as Promise<EngineInfo>;
  }
  inspectSwarm(): Promise<SwarmInspect> {
    return this.engine.request("GET", "/swarm") as Promise<SwarmInspect>;
  }
  async initSwarm(advertiseAddr: string): Promise<string> {
    return (await this.engine.request("POST", "/swarm/init", {
      body: { ListenAddr: "0.0.0.0:2377", AdvertiseAddr: advertiseAddr },
    })) as string;
  }
  async joinSwarm(advertiseAddr: string, remote: string[], token: string): Promise<void> {
    await this.engine.request("POST", "/swarm/join", {
      body: { ListenAddr: "0.0.0.0:2377", AdvertiseAddr: advertiseAddr, RemoteAddrs: remote, JoinToken: token },
    });
  }

  listNodes(): Promise<SwarmNode[]> {
    return this.engine.request("GET", "/nodes") as Promise<SwarmNode[]>;
  }
  async updateNode(node: SwarmNode, spec: NodeSpec): Promise<void> {
    await this.engine.request("POST", `/nodes/${id(node.ID)}/update`, {
      query: { version: node.Version.Index },
      body: spec,
    });
  }

  listServices(filters: Filters): Promise<SwarmService[]> {
    return this.engine.request("GET", "/services", { query: { ...q(filters), status: true } }) as Promise<
      SwarmService[]
    >;
  }
  inspectService(serviceId: string): Promise<SwarmService> {
    return this.engine.request("GET", `/services/${id(serviceId)}`) as Promise<SwarmService>;
  }
  async createService(spec: ServiceSpec): Promise<string> {
    return ((await this.engine.request("POST", "/services/create", { body: spec })) as { ID: string }).ID;
  }
  async updateService(service: SwarmService, spec: ServiceSpec): Promise<string[]> {
    const res = (await this.engine.request("POST", `/services/${id(service.ID)}/update`, {
      query: { version: service.Version.Index },
      body: spec,
    })) as { Warnings?: string[] | null } | null;
    return res?.Warnings ?? [];
  }
  async removeService(serviceId: string): Promise<void> {
    await this.engine.request("DELETE", `/services/${id(serviceId)}`);
  }
  serviceLogs(
    serviceId: string,
    options: LogOptions,
    onLine: (stream: "stdout" | "stderr", line: string) => void,
    signal?: AbortSignal,
  ): Promise<void> {
    return this.engine.serviceLogs(serviceId, options, onLine, signal);
  }

  listTasks(filters: Filters): Promise<SwarmTask[]> {
    return this.engine.request("GET", "/tasks", { query: q(filters) }) as Promise<SwarmTask[]>;
  }

  listSecrets(filters: Filters): Promise<SwarmSecret[]> {
    return this.engine.request("GET", "/secrets", { query: q(filters) }) as Promise<SwarmSecret[]>;
  }
  async createSecret(spec: SecretSpec): Promise<string> {
    return ((await this.engine.request("POST", "/secrets/create", { body: spec })) as { ID: string }).ID;
  }
  async removeSecret(secretId: string): Promise<void> {
    await this.engine.request("DELETE", `/secrets/${id(secretId)}`);
  }
  listConfigs(filters: Filters): Promise<SwarmSecret[]> {
    return this.engine.request("GET", "/configs", { query: q(filters) }) as Promise<SwarmSecret[]>;
  }
  async createConfig(spec: ConfigSpec): Promise<string> {
    return ((await this.engine.request("POST", "/configs/create", { body: spec })) as { ID: string }).ID;
  }
  async removeConfig(configId: string): Promise<void> {
    await this.engine.request("DELETE", `/configs/${id(configId)}`);
  }

  listNetworks(filters: Filters): Promise<SwarmNetwork[]> {
    return this.engine.request("GET", "/networks", { query: q(filters) }) as Promise<SwarmNetwork[]>;
  }
  async createNetwork(spec: NetworkCreateRequest): Promise<string> {
    return ((await this.engine.request("POST", "/networks/create", { body: spec })) as { Id: string }).Id;
  }
  async removeNetwork(networkId: string): Promise<void> {
    await this.engine.request("DELETE", `/networks/${id(networkId)}`);
  }
}

/** Connects to an engine and wraps it; `close()` releases it. */
export async function connectSwarm(host?: string): Promise<SwarmApi & { close(): void }> {
  const { DockerEngine } = await import("../runtime/engine-docker.js");
  const engine = await DockerEngine.connect(host);
  const api = new SwarmApi(engine) as SwarmApi & { close(): void };
  api.close = () => engine.close();
  return api;
}
