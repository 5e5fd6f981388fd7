/** An in-memory Engine for unit tests of the executor: containers, networks, volumes, images and events. */
import type {
  ContainerCreateSpec,
  ContainerInspect,
  ContainerSummary,
  Engine,
  EngineEvent,
  ExecSpec,
  EventSubscription,
  Filters,
  NetworkSummary,
  VolumeSummary,
} from "../../src/runtime/engine.js";
import { EngineError } from "../../src/runtime/engine.js";

interface FakeContainer {
  id: string;
  name: string;
  spec: ContainerCreateSpec;
  state: "created" | "running" | "exited" | "paused";
  exitCode: number;
  health?: "starting" | "healthy" | "unhealthy";
  healthLog: Array<{ ExitCode: number; Output: string }>;
  networks: Record<string, { NetworkID: string }>;
  created: number;
}

export class FakeEngine implements Engine {
  readonly containers = new Map<string, FakeContainer>();
  readonly networks = new Map<string, NetworkSummary>();
  readonly volumes = new Map<string, VolumeSummary>();
  readonly images = new Map<string, string>();
  readonly calls: string[] = [];
  private listeners = new Set<(e: EngineEvent) => void>();
  private seq = 0;
  /** Called after a container starts, to script its behaviour (exit, health…). */
  onStart: (c: FakeContainer, engine: FakeEngine) => void = () => {};
  /** Time a stop takes after the container's die event (moby's clean-up); > 0 also logs "stopped <name>". */
  stopCleanupMs = 0;
  removeNetworkError: ((name: string) => Error | undefined) | undefined;
  /** Scripts `exec` (lifecycle hooks): output lines and exit code of a command; default prints nothing, exits 0. */
  onExec: (c: FakeContainer, spec: ExecSpec) => { lines?: string[]; exitCode?: number } = () => ({});

  constructor(readonly version = "1.41") {}

  async apiVersion(): Promise<string> {
    return this.version;
  }

  private matches(labels: Record<string, string>, filters: Filters): boolean {
    return (filters.label ?? []).every((f) => {
      const [k, v] = f.split("=");
      return v === undefined ? k in labels : labels[k] === v;
    });
  }

  emit(id: string, action: string, attributes: Record<string, string> = {}): void {
    const c = this.containers.get(id);
    const e: EngineEvent = {
      Type: "container",
      Action: action,
      Actor: { ID: id, Attributes: { ...(c?.spec.Labels ?? {}), ...attributes } },
    };
    for (const l of this.listeners) l(e);
  }

  private find(idOrName: string): FakeContainer {
    const c = this.containers.get(idOrName) ?? [...this.containers.values()].find((x) => x.name === idOrName);
    if (!c) throw new EngineError(`No such container: ${idOrName}`, 404);
    return c;
  }

  async listContainers(filters: Filters): Promise<ContainerSummary[]> {
    return [...this.containers.values()]
      .filter((c) => this.matches(c.spec.Labels ?? {}, filters))
      .map((c) => ({
        Id: c.id,
        Names: [`/${c.name}`],
        Image: c.spec.Image,
        ImageID: this.images.get(c.spec.Image) ?? "",
        Created: c.created,
        State: c.state,
        Status:
          c.state === "exited"
            ? `Exited (${c.exitCode}) 1 second ago`
            : c.state === "running"
              ? `Up 1 second${c.health ? ` (${c.health === "starting" ? "health: starting" : c.health})` : ""}`
              : "Created",
        Labels: c.spec.Labels ?? {},
        HostConfig: { NetworkMode: c.spec.HostConfig.NetworkMode },
        NetworkSettings: { Networks: c.networks },
        Mounts: [],
      }));
  }

  async inspectContainer(id: string): Promise<ContainerInspect> {
    const c = this.find(id);
    return {
      Id: c.id,
      Name: `/${c.name}`,
      Image: c.spec.Image,
      State: {
        Status: c.state,
        Running: c.state === "running",
        ExitCode: c.exitCode,
        ...(c.health ? { Health: { Status: c.health, Log: c.healthLog } } : {}),
      },
      Config: { Labels: c.spec.Labels, Healthcheck: c.spec.Healthcheck },
      HostConfig: c.spec.HostConfig,
    };
  }

  async createContainer(spec: ContainerCreateSpec): Promise<{ Id: string; Warnings: string[] }> {
    this.calls.push(`create ${spec.name}`);
    if ([...this.containers.values()].some((c) => c.name === spec.name))
      throw new EngineError(`Conflict. The container name "/${spec.name}" is already in use`, 409);
    if (!this.images.has(spec.Image)) throw new EngineError(`No such image: ${spec.Image}`, 404);
    const id = (++this.seq).toString(16).padStart(64, "a");
    const networks: FakeContainer["networks"] = {};
    for (const n of Object.keys(spec.NetworkingConfig?.EndpointsConfig ?? {}))
      networks[n] = { NetworkID: this.networks.get(n)?.Id ?? n };
    this.containers.set(id, {
      id,
      name: spec.name,
      spec,
      state: "created",
      exitCode: 0,
      healthLog: [],
      networks,
      created: this.seq,
    });
    return { Id: id, Warnings: [] };
  }

  async startContainer(id: string): Promise<void> {
    const c = this.find(id);
    this.calls.push(`start ${c.name}`);
    c.state = "running";
    if (c.spec.Healthcheck && c.spec.Healthcheck.Test?.[0] !== "NONE") c.health = "starting";
    this.emit(c.id, "start");
    this.onStart(c, this);
  }

  async unpauseContainer(id: string): Promise<void> {
    const c = this.find(id);
    this.calls.push(`unpause ${c.name}`);
    if (c.state === "paused") c.state = "running";
  }

  async stopContainer(id: string): Promise<void> {
    const c = this.find(id);
    this.calls.push(`stop ${c.name}`);
    if (c.state !== "running") return;
    c.state = "exited";
    c.exitCode = 143;
    this.emit(c.id, "kill", { signal: "15" });
    this.emit(c.id, "die", { exitCode: "143" });
    if (this.stopCleanupMs > 0) {
      // As moby: the die event comes first, then network and mount clean-up, then the stop returns.
      await new Promise((r) => setTimeout(r, this.stopCleanupMs));
      this.calls.push(`stopped ${c.name}`);
    }
  }

  async removeContainer(id: string): Promise<void> {
    const c = this.find(id);
    this.calls.push(`remove ${c.name}`);
    this.containers.delete(c.id);
    this.emit(c.id, "destroy");
  }

  async renameContainer(id: string, name: string): Promise<void> {
    const c = this.find(id);
    this.calls.push(`rename ${c.name} ${name}`);
    c.name = name;
  }

  async putArchive(id: string): Promise<void> {
    this.calls.push(`archive ${this.find(id).name}`);
  }

  async connectNetwork(network: string, containerId: string): Promise<void> {
    const c = this.find(containerId);
    c.networks[network] = { NetworkID: this.networks.get(network)?.Id ?? network };
  }

  async exec(
    id: string,
    spec: ExecSpec,
    onLine: (stream: "stdout" | "stderr", line: string) => void,
  ): Promise<{ exitCode: number }> {
    const c = this.find(id);
    this.calls.push(`exec ${c.name} ${spec.Cmd.join(" ")}`);
    if (c.state !== "running") throw new EngineError(`Container ${c.id} is not running`, 409);
    const { lines = [], exitCode = 0 } = this.onExec(c, spec);
    for (const l of lines) onLine("stdout", l);
    return { exitCode };
  }

  async disconnectNetwork(network: string, containerId: string): Promise<void> {
    const c = this.find(containerId);
    this.calls.push(`disconnect ${network} ${c.name}`);
    delete c.networks[network];
  }

  async logs(_id: string, _o: unknown, onLine: (s: "stdout" | "stderr", l: string) => void): Promise<void> {
    onLine("stdout", "last words");
  }

  async listNetworks(filters: Filters): Promise<NetworkSummary[]> {
    return [...this.networks.values()].filter((n) => this.matches(n.Labels ?? {}, filters));
  }

  async inspectNetwork(name: string): Promise<NetworkSummary | null> {
    const n = this.networks.get(name);
    if (!n) return null;
    const attached = [...this.containers.values()].filter((c) => name in c.networks);
    return { ...n, Containers: Object.fromEntries(attached.map((c) => [c.id, { Name: c.name }])) };
  }

  async createNetwork(spec: { Name: string; Labels?: Record<string, string> }): Promise<{ Id: string }> {
    this.calls.push(`network ${spec.Name}`);
    const Id = `net-${spec.Name}`;
    this.networks.set(spec.Name, { Id, Name: spec.Name, Labels: spec.Labels ?? {}, Containers: {} });
    return { Id };
  }

  async removeNetwork(name: string): Promise<void> {
    this.calls.push(`rm-network ${name}`);
    const err = this.removeNetworkError?.(name);
    if (err) throw err;
    if ([...this.containers.values()].some((c) => name in c.networks))
      throw new EngineError(`error while removing network: network ${name} has active endpoints`, 403);
    this.networks.delete(name);
  }

  async listVolumes(filters: Filters): Promise<VolumeSummary[]> {
    return [...this.volumes.values()].filter((v) => this.matches(v.Labels ?? {}, filters));
  }

  async inspectVolume(name: string): Promise<VolumeSummary | null> {
    return this.volumes.get(name) ?? null;
  }

  async createVolume(spec: { Name: string; Labels?: Record<string, string> }): Promise<VolumeSummary> {
    // As the engine: creating a volume that exists returns it unchanged.
    const existing = this.volumes.get(spec.Name);
    if (existing) return existing;
    const v = { Name: spec.Name, Labels: spec.Labels ?? {} };
    this.volumes.set(spec.Name, v);
    return v;
  }

  async removeVolume(name: string): Promise<void> {
    // The deploy lock's volume is bookkeeping around every deploy, not an operation tests order.
    if (!name.endsWith("_c2ts-deploy-lock")) this.calls.push(`rm-volume ${name}`);
    this.volumes.delete(name);
  }

  async inspectImage(ref: string) {
    const id = this.images.get(ref);
    return id ? { Id: id, Config: { Volumes: null } } : null;
  }

  async pullImage(ref: string): Promise<void> {
    this.calls.push(`pull ${ref}`);
    this.images.set(ref, `sha256:${ref}`);
  }

  async buildImage(): Promise<string | undefined> {
    return undefined;
  }

  async removeImage(): Promise<void> {}

  events(_filters: Filters, onEvent: (e: EngineEvent) => void): EventSubscription {
    this.listeners.add(onEvent);
    return { ready: Promise.resolve(), close: () => this.listeners.delete(onEvent) };
  }

  close(): void {}

  /** Set a running container's health and announce it like the engine does. */
  setHealth(id: string, status: "healthy" | "unhealthy", output = ""): void {
    const c = this.find(id);
    c.health = status;
    c.healthLog.push({ ExitCode: status === "healthy" ? 0 : 1, Output: output });
    this.emit(id, `health_status: ${status}`);
  }

  /** Let a running container exit with `code`. */
  exit(id: string, code: number): void {
    const c = this.find(id);
    c.state = "exited";
    c.exitCode = code;
    this.emit(id, "die", { exitCode: String(code) });
  }
}
