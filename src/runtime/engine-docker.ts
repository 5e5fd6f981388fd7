/**
 * The Engine interface over the Engine API (unix socket, tcp/TLS, ssh).
 *
 * Requests go through an EngineTransport (engine-transport.ts): node:http/node:https for unix and
 * tcp hosts (engine-http.ts), docker-modem for ssh hosts only (engine-modem.ts, imported on demand:
 * docker-modem loads ssh2 and its crypto, 0.2-0.35 s of start-up, even when unused). dockerode is
 * not used: its entry point also pulls in gRPC at start-up (~170 ms); our own BuildKit session
 * (build/session.ts) loads gRPC only when a build runs.
 * This module itself is loaded only when an engine is connected (engine.ts connectEngine).
 */
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import {
  type BuildRequest,
  type ContainerCreateSpec,
  type ContainerInspect,
  type ContainerSummary,
  type EndpointSettings,
  type Engine,
  type EngineEvent,
  type EventSubscription,
  type ExecSpec,
  type Filters,
  type ImageInspect,
  type LogOptions,
  type NetworkCreateSpec,
  type NetworkSummary,
  type ProgressMessage,
  type RegistryAuth,
  type VolumeCreateSpec,
  type VolumeSummary,
  isNotFound,
} from "./engine.js";
import type { EngineTransport, TransportRequest } from "./engine-transport.js";
import { HttpTransport } from "./engine-http.js";
import { demuxStream } from "./stream-demux.js";
import { splitImageReference } from "./image-ref.js";
import { UserError } from "../compose/errors.js";

/** Newest Engine API this client speaks; older engines are used at their own version. */
const CLIENT_MAX_API = "1.47";

/**
 * How long the engine gets to answer a request (for a stream: to send its headers). A frozen
 * engine accepts connections and never answers; without a bound c2ts would wait forever.
 */
export const REQUEST_TIMEOUT_MS = 60_000;
/** Slower by nature: a stop waits the container's grace period, a build uploads its context first. */
const STOP_ALLOWANCE_MS = 300_000;
const IMAGE_REQUEST_TIMEOUT_MS = 600_000;

export interface ModemOptions {
  socketPath?: string;
  host?: string;
  port?: number | string;
  protocol?: "http" | "https" | "ssh";
  username?: string;
  ca?: string | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
  sshOptions?: { agent?: string };
}

/**
 * Modem options for a DOCKER_HOST-style address. Pure apart from reading TLS files
 * named by DOCKER_CERT_PATH (passed in `env`).
 */
export function modemOptionsForHost(
  host: string | undefined,
  env: Record<string, string | undefined> = process.env,
  readFile: (p: string) => Buffer = (p) => readFileSync(p),
): ModemOptions {
  const address = host ?? env.DOCKER_HOST ?? "";
  if (address === "") return { socketPath: "/var/run/docker.sock", host: undefined };
  if (address.startsWith("unix://"))
    return { socketPath: address.slice("unix://".length) || "/var/run/docker.sock", host: undefined };
  if (address.startsWith("/")) return { socketPath: address, host: undefined };
  const withScheme = address.includes("://") ? address : `tcp://${address}`;
  const url = new URL(withScheme);
  if (url.protocol === "ssh:") {
    return {
      protocol: "ssh",
      host: url.hostname,
      port: url.port || 22,
      username: decodeURIComponent(url.username) || undefined,
      sshOptions: { agent: env.SSH_AUTH_SOCK },
    };
  }
  if (url.protocol !== "tcp:" && url.protocol !== "http:" && url.protocol !== "https:") {
    throw new Error(`unsupported Docker host "${address}" (use unix://, tcp:// or ssh://)`);
  }
  const tls =
    url.protocol === "https:" || env.DOCKER_TLS_VERIFY === "1" || url.port === "2376" || Boolean(env.DOCKER_CERT_PATH);
  const opts: ModemOptions = {
    protocol: tls ? "https" : "http",
    host: url.hostname,
    port: url.port || (tls ? 2376 : 2375),
  };
  const certDir = env.DOCKER_CERT_PATH ?? (tls ? join(homedir(), ".docker") : undefined);
  if (tls && certDir) {
    try {
      opts.ca = readFile(join(certDir, "ca.pem"));
      opts.cert = readFile(join(certDir, "cert.pem"));
      opts.key = readFile(join(certDir, "key.pem"));
    } catch {
      // No client certificates: plain TLS against a publicly trusted engine.
    }
  }
  return opts;
}

interface DialOptions extends Omit<TransportRequest, "method" | "path"> {
  stream?: boolean;
  /** Default REQUEST_TIMEOUT_MS. */
  timeoutMs?: number;
}

/** The engine did not answer a request in time. */
export class EngineTimeout extends Error {
  constructor(method: string, path: string, ms: number) {
    super(`the Docker engine did not answer ${method} ${path} within ${Math.round(ms / 1000)}s`);
    this.name = "EngineTimeout";
  }
}

export class DockerEngine implements Engine {
  private readonly transport: EngineTransport;
  private version: string | undefined;
  private readonly openStreams: Set<IncomingMessage>;
  /** Aborted by close(): requests still in flight must not keep the process alive. */
  private readonly lifetime: AbortController;
  /** Extra signals every request carries (bounded()). */
  private readonly bounds: AbortSignal[];

  private constructor(
    transport: EngineTransport,
    shared?: { lifetime: AbortController; openStreams: Set<IncomingMessage>; version?: string },
    bounds: AbortSignal[] = [],
  ) {
    this.transport = transport;
    this.lifetime = shared?.lifetime ?? new AbortController();
    this.openStreams = shared?.openStreams ?? new Set();
    this.version = shared?.version;
    this.bounds = bounds;
  }

  bounded(signal: AbortSignal): DockerEngine {
    const view = new DockerEngine(
      this.transport,
      { lifetime: this.lifetime, openStreams: this.openStreams, version: this.version },
      [...this.bounds, signal],
    );
    return view;
  }

  static async connect(host?: string): Promise<DockerEngine> {
    const options = modemOptionsForHost(host);
    const engine = new DockerEngine(await transportFor(options));
    try {
      await engine.apiVersion();
    } catch (e) {
      const where = options.socketPath
        ? `unix://${options.socketPath}`
        : `${options.protocol}://${options.host}:${options.port}`;
      // Not a bug in c2ts: the user's DOCKER_HOST or node address, so one line and exit 1.
      throw new UserError(`cannot reach the Docker engine at ${where}: ${e instanceof Error ? e.message : String(e)}`, {
        cause: e,
      });
    }
    return engine;
  }

  async apiVersion(): Promise<string> {
    if (this.version) return this.version;
    const info = (await this.dial("GET", "/version")) as { ApiVersion: string };
    const server = info.ApiVersion;
    this.version = compareVersions(server, CLIENT_MAX_API) < 0 ? server : CLIENT_MAX_API;
    this.transport.setVersion(this.version);
    return this.version;
  }

  private dial(method: string, path: string, o: DialOptions = {}): Promise<unknown> {
    const timeoutMs = o.timeoutMs ?? REQUEST_TIMEOUT_MS;
    const timeout = new AbortController();
    const signals = [this.lifetime.signal, timeout.signal, ...this.bounds, ...(o.signal ? [o.signal] : [])];
    const aborted = signals.find((s) => s.aborted);
    if (aborted) return Promise.reject(abortError(aborted, method, path));
    const timer = setTimeout(() => timeout.abort(new EngineTimeout(method, path, timeoutMs)), timeoutMs);
    const request: TransportRequest = { ...o, method, path, signal: AbortSignal.any(signals) };
    const sent = o.stream ? this.transport.stream(request) : this.transport.json(request);
    return sent.then(
      (data) => {
        clearTimeout(timer);
        return data;
      },
      (err: unknown) => {
        clearTimeout(timer);
        const cut = signals.find((s) => s.aborted && s !== o.signal);
        throw cut ? abortError(cut, method, path) : err;
      },
    );
  }

  private async stream(method: string, path: string, o: DialOptions = {}): Promise<IncomingMessage> {
    const res = (await this.dial(method, path, { ...o, stream: true })) as IncomingMessage;
    this.openStreams.add(res);
    res.once("close", () => this.openStreams.delete(res));
    return res;
  }

  listContainers(filters: Filters): Promise<ContainerSummary[]> {
    return this.dial("GET", "/containers/json", { query: { all: true, filters: JSON.stringify(filters) } }) as Promise<
      ContainerSummary[]
    >;
  }

  inspectContainer(id: string): Promise<ContainerInspect> {
    return this.dial("GET", `/containers/${encodeURIComponent(id)}/json`) as Promise<ContainerInspect>;
  }

  async createContainer(spec: ContainerCreateSpec): Promise<{ Id: string; Warnings: string[] }> {
    const { name, platform, ...body } = spec;
    const query: Record<string, string> = { name };
    if (platform) query.platform = platform;
    const res = (await this.dial("POST", "/containers/create", { query, body })) as {
      Id: string;
      Warnings?: string[] | null;
    };
    return { Id: res.Id, Warnings: res.Warnings ?? [] };
  }

  async startContainer(id: string): Promise<void> {
    await this.dial("POST", `/containers/${encodeURIComponent(id)}/start`);
  }

  async unpauseContainer(id: string): Promise<void> {
    await this.dial("POST", `/containers/${encodeURIComponent(id)}/unpause`);
  }

  async stopContainer(id: string, timeoutSeconds?: number): Promise<void> {
    await this.dial("POST", `/containers/${encodeURIComponent(id)}/stop`, {
      query: timeoutSeconds === undefined ? {} : { t: timeoutSeconds },
      timeoutMs: REQUEST_TIMEOUT_MS + (timeoutSeconds === undefined ? STOP_ALLOWANCE_MS : timeoutSeconds * 1000),
    });
  }

  async removeContainer(id: string, options: { force?: boolean; volumes?: boolean }): Promise<void> {
    await this.dial("DELETE", `/containers/${encodeURIComponent(id)}`, {
      query: { force: Boolean(options.force), v: Boolean(options.volumes) },
    });
  }

  async renameContainer(id: string, name: string): Promise<void> {
    await this.dial("POST", `/containers/${encodeURIComponent(id)}/rename`, { query: { name } });
  }

  async putArchive(id: string, path: string, tar: Buffer): Promise<void> {
    await this.dial("PUT", `/containers/${encodeURIComponent(id)}/archive`, {
      query: { path },
      file: tar,
      headers: { "Content-Type": "application/x-tar" },
    });
  }

  async connectNetwork(network: string, containerId: string, endpoint: EndpointSettings): Promise<void> {
    await this.dial("POST", `/networks/${encodeURIComponent(network)}/connect`, {
      body: { Container: containerId, EndpointConfig: endpoint },
    });
  }

  async disconnectNetwork(network: string, containerId: string): Promise<void> {
    await this.dial("POST", `/networks/${encodeURIComponent(network)}/disconnect`, {
      body: { Container: containerId, Force: true },
    });
  }

  async logs(
    id: string,
    options: LogOptions,
    onLine: (stream: "stdout" | "stderr", line: string) => void,
    signal?: AbortSignal,
  ): Promise<void> {
    const info = await this.inspectContainer(id);
    const res = await this.stream("GET", `/containers/${encodeURIComponent(id)}/logs`, {
      query: { ...logsQuery(options), ...(options.since ? { since: options.since } : {}) },
      signal,
    });
    await this.readLines(res, onLine, { tty: Boolean(info.Config.Tty), signal });
  }

  /**
   * Any other JSON endpoint, for API areas the Engine interface does not cover (Swarm:
   * /swarm, /nodes, /services, /tasks, /secrets, /configs). Errors are EngineErrors.
   */
  request(method: string, path: string, o: { query?: Record<string, unknown>; body?: unknown } = {}): Promise<unknown> {
    return this.dial(method, path, o);
  }

  /** Log lines of a Swarm service's tasks (GET /services/{id}/logs), demultiplexed. */
  async serviceLogs(
    id: string,
    options: LogOptions,
    onLine: (stream: "stdout" | "stderr", line: string) => void,
    signal?: AbortSignal,
  ): Promise<void> {
    const res = await this.stream("GET", `/services/${encodeURIComponent(id)}/logs`, {
      query: { ...logsQuery(options), details: false },
      signal,
    });
    await this.readLines(res, onLine, { tty: false, signal });
  }

  /**
   * Output of a logs or exec stream, line by line, until it ends (or `signal` aborts it): raw when
   * the container has a TTY, else demultiplexed into stdout and stderr.
   */
  private async readLines(
    res: IncomingMessage,
    onLine: (stream: "stdout" | "stderr", line: string) => void,
    options: { tty: boolean; signal?: AbortSignal },
  ): Promise<void> {
    const { tty, signal } = options;
    const out = lineSink((l) => onLine("stdout", l));
    const err = lineSink((l) => onLine("stderr", l));
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        res.destroy();
        resolve();
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      if (tty) res.on("data", (c: Buffer) => out.write(c));
      else demuxStream(res, out, err);
      res.once("end", () => resolve());
      res.once("close", () => resolve());
      res.once("error", (e) => (signal?.aborted ? resolve() : reject(e)));
    });
    out.end();
    err.end();
  }

  async exec(
    id: string,
    spec: ExecSpec,
    onLine: (stream: "stdout" | "stderr", line: string) => void,
  ): Promise<{ exitCode: number }> {
    const created = (await this.dial("POST", `/containers/${encodeURIComponent(id)}/exec`, {
      body: { ...spec, AttachStdout: true, AttachStderr: true },
    })) as { Id: string };
    const execPath = `/exec/${encodeURIComponent(created.Id)}`;
    // Without an Upgrade header the engine still answers with the raw multiplexed stream and closes
    // it when the command exits.
    const res = await this.stream("POST", `${execPath}/start`, { body: { Detach: false, Tty: false } });
    await this.readLines(res, onLine, { tty: false });
    // The stream can close a moment before the engine records the exit code.
    for (let i = 0; ; i++) {
      const info = (await this.dial("GET", `${execPath}/json`)) as { Running: boolean; ExitCode: number | null };
      if (!info.Running || i >= 50) return { exitCode: info.ExitCode ?? -1 };
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  listNetworks(filters: Filters): Promise<NetworkSummary[]> {
    return this.dial("GET", "/networks", { query: { filters: JSON.stringify(filters) } }) as Promise<NetworkSummary[]>;
  }

  async inspectNetwork(nameOrId: string): Promise<NetworkSummary | null> {
    try {
      return (await this.dial("GET", `/networks/${encodeURIComponent(nameOrId)}`)) as NetworkSummary;
    } catch (e) {
      if (isNotFound(e)) return null;
      throw e;
    }
  }

  createNetwork(spec: NetworkCreateSpec): Promise<{ Id: string }> {
    return this.dial("POST", "/networks/create", { body: spec }) as Promise<{ Id: string }>;
  }

  async removeNetwork(id: string): Promise<void> {
    await this.dial("DELETE", `/networks/${encodeURIComponent(id)}`);
  }

  async listVolumes(filters: Filters): Promise<VolumeSummary[]> {
    const res = (await this.dial("GET", "/volumes", { query: { filters: JSON.stringify(filters) } })) as {
      Volumes: VolumeSummary[] | null;
    };
    return res.Volumes ?? [];
  }

  async inspectVolume(name: string): Promise<VolumeSummary | null> {
    try {
      return (await this.dial("GET", `/volumes/${encodeURIComponent(name)}`)) as VolumeSummary;
    } catch (e) {
      if (isNotFound(e)) return null;
      throw e;
    }
  }

  createVolume(spec: VolumeCreateSpec): Promise<VolumeSummary> {
    return this.dial("POST", "/volumes/create", { body: spec }) as Promise<VolumeSummary>;
  }

  async removeVolume(name: string, force = false): Promise<void> {
    await this.dial("DELETE", `/volumes/${encodeURIComponent(name)}`, { query: { force } });
  }

  async inspectImage(ref: string): Promise<ImageInspect | null> {
    try {
      // Not encodeURIComponent: the engine route takes the reference with its slashes.
      return (await this.dial("GET", `/images/${ref}/json`)) as ImageInspect;
    } catch (e) {
      if (isNotFound(e)) return null;
      throw e;
    }
  }

  async pullImage(
    ref: string,
    auth: RegistryAuth | undefined,
    onProgress: (m: ProgressMessage) => void,
    platform?: string,
  ): Promise<void> {
    const { name, tag, digest } = splitImageReference(ref);
    const query: Record<string, string> = { fromImage: name, tag: digest ?? tag ?? "latest" };
    if (platform) query.platform = platform;
    const res = await this.stream("POST", "/images/create", {
      query,
      authconfig: auth ?? {},
      timeoutMs: IMAGE_REQUEST_TIMEOUT_MS,
    });
    await followJsonLines(res, (m: ProgressMessage) => {
      if (m.error) throw new Error(m.errorDetail?.message ?? m.error);
      onProgress(m);
    });
  }

  async buildImage(request: BuildRequest, onProgress: (m: ProgressMessage) => void): Promise<string | undefined> {
    const query: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(request.query)) query[k] = v;
    const res = await this.stream("POST", "/build", {
      query,
      file: request.context ?? Buffer.alloc(0),
      headers: { "Content-Type": "application/x-tar" },
      registryconfig: request.registryConfig ?? {},
      timeoutMs: IMAGE_REQUEST_TIMEOUT_MS,
    });
    let id: string | undefined;
    await followJsonLines(res, (m: ProgressMessage) => {
      if (m.error) throw new Error((m.errorDetail?.message ?? m.error).trim());
      if (m.aux?.ID) id = m.aux.ID;
      const built = /^Successfully built ([0-9a-f]+)/.exec(m.stream ?? "");
      if (built && !id) id = built[1];
      onProgress(m);
    });
    return id;
  }

  openBuildSession(headers: Record<string, string | string[]>): Promise<Duplex> {
    return this.transport.hijack("/session", headers);
  }

  async removeImage(ref: string): Promise<void> {
    await this.dial("DELETE", `/images/${ref}`);
  }

  events(filters: Filters, onEvent: (e: EngineEvent) => void, onError?: (err: Error) => void): EventSubscription {
    let res: IncomingMessage | undefined;
    let closed = false;
    const ready = this.stream("GET", "/events", { query: { filters: JSON.stringify(filters) } }).then((r) => {
      res = r;
      if (closed) {
        r.destroy();
        return;
      }
      followJsonLines(r, onEvent).catch((e: Error) => {
        if (!closed) onError?.(e);
      });
    });
    ready.catch((e: Error) => onError?.(e));
    return {
      ready,
      close() {
        closed = true;
        res?.destroy();
      },
    };
  }

  close(): void {
    this.lifetime.abort(new Error("the engine connection was closed"));
    for (const s of this.openStreams) s.destroy();
    this.openStreams.clear();
    this.transport.close();
  }
}

/** node:http for unix and tcp hosts, node:https for TLS; docker-modem, loaded only now, for ssh. */
async function transportFor(options: ModemOptions): Promise<EngineTransport> {
  if (options.socketPath) return new HttpTransport(options);
  if (options.protocol === "https") return new HttpTransport(options, await import("node:https"));
  if (options.protocol !== "ssh") return new HttpTransport(options);
  const { ModemTransport } = await import("./engine-modem.js");
  return new ModemTransport(options);
}

/** Why a request was cut: the signal's own reason (timeout, deadline) when it gave one. */
function abortError(signal: AbortSignal, method: string, path: string): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error && reason.name !== "AbortError") return reason;
  return new Error(`${method} ${path}: aborted`);
}

/** Parse a newline-delimited JSON stream; a throw from `onItem` rejects and closes the stream. */
function followJsonLines<T>(res: IncomingMessage, onItem: (item: T) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    let buf = "";
    let failed = false;
    const fail = (e: unknown) => {
      if (failed) return;
      failed = true;
      res.destroy();
      reject(e);
    };
    res.setEncoding("utf8");
    res.on("data", (chunk: string) => {
      buf += chunk;
      let nl: number;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (!line) continue;
        try {
          onItem(JSON.parse(line) as T);
        } catch (e) {
          fail(e);
          return;
        }
      }
    });
    res.once("end", () => {
      const line = buf.trim();
      if (line && !failed) {
        try {
          onItem(JSON.parse(line) as T);
        } catch (e) {
          fail(e);
          return;
        }
      }
      if (!failed) resolve();
    });
    res.once("close", () => {
      if (!failed) resolve();
    });
    res.once("error", fail);
  });
}

/** A writable that calls `onLine` per complete line (the last partial line on end). */
function lineSink(onLine: (line: string) => void): NodeJS.WritableStream & { end(): void } {
  let buf = "";
  const sink = {
    write(chunk: Buffer | string): boolean {
      buf += chunk.toString();
      let nl: number;
      while ((nl = buf.indexOf("\n")) >= 0) {
        onLine(buf.slice(0, nl).replace(/\r$/, ""));
        buf = buf.slice(nl + 1);
      }
      return true;
    },
    end(): void {
      if (buf) onLine(buf);
      buf = "";
    },
  };
  return sink as unknown as NodeJS.WritableStream & { end(): void };
}

function compareVersions(a: string, b: string): number {
  const [a1, a2] = a.split(".").map(Number);
  const [b1, b2] = b.split(".").map(Number);
  return a1 - b1 || a2 - b2;
}

/** The query both log endpoints (containers and Swarm services) take. */
function logsQuery(options: LogOptions): Record<string, unknown> {
  return {
    stdout: true,
    stderr: true,
    follow: options.follow,
    tail: options.tail ?? "all",
    timestamps: Boolean(options.timestamps),
  };
}
