/**
 * The Engine API over Node's own node:http / node:https, for unix-socket and tcp (plain or TLS)
 * engines. It speaks the wire exactly as docker-modem did (query encoding, body and registry
 * headers, status handling), without loading docker-modem, whose ssh2 dependency costs
 * 0.2-0.35 s at start-up even for a unix socket. One keep-alive agent per engine lets the many
 * small calls of a deploy reuse connections; idle pooled sockets are unref'd by the agent and
 * close() destroys them, so the pool never keeps the process alive.
 */
import http from "node:http";
import type https from "node:https";
import { stringify, type ParsedUrlQueryInput } from "node:querystring";
import { addAbortSignal, type Duplex } from "node:stream";
import { EngineError, type RegistryAuth } from "./engine.js";
import type { ModemOptions } from "./engine-docker.js";
import type { EngineTransport, TransportRequest } from "./engine-transport.js";

/**
 * A query string as docker-modem builds it: plain objects as JSON, arrays as repeated keys, other
 * values (undefined and null included, as an empty value) through node:querystring.
 */
export function engineQueryString(query: Record<string, unknown>): string {
  const clone: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(query)) {
    clone[key] = value && typeof value === "object" && !Array.isArray(value) ? JSON.stringify(value) : value;
  }
  return stringify(clone as ParsedUrlQueryInput);
}

/** X-Registry-Auth: the credentials as base64url JSON (padding kept), as docker-modem sends them. */
export function registryAuthHeader(auth: RegistryAuth): string {
  return Buffer.from(JSON.stringify(auth)).toString("base64").replace(/\+/g, "-").replace(/\//g, "_");
}

/** X-Registry-Config: credentials per registry as standard base64 JSON. */
export function registryConfigHeader(config: Record<string, RegistryAuth>): string {
  return Buffer.from(JSON.stringify(config)).toString("base64");
}

/** The statuses a request succeeds with; anything else is an EngineError. */
function succeeded(status: number | undefined): boolean {
  return status !== undefined && ((status >= 200 && status < 300) || status === 304);
}

/** The engine's JSON body parsed; an empty or non-JSON body stays a Buffer (docker-modem's parseJSON || buffer). */
function parseBody(body: Buffer): unknown {
  try {
    return (JSON.parse(body.toString()) as unknown) || body;
  } catch {
    return body;
  }
}

/** The engine's error: its JSON `message` (or `error`), else the body text, with the status code. */
export function engineErrorFromBody(status: number, body: Buffer, method: string, path: string): EngineError {
  const text = body.toString();
  let message: string | undefined;
  try {
    const json = JSON.parse(text) as { message?: unknown; error?: unknown } | null;
    if (json && typeof json.message === "string") message = json.message;
    else if (json && typeof json.error === "string") message = json.error;
  } catch {
    // Not JSON: the text itself.
  }
  message = (message ?? text).trim();
  return new EngineError(message || `${method} ${path}: HTTP ${status}`, status);
}

function readBody(res: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on("data", (c: Buffer) => chunks.push(c));
    res.once("end", () => resolve(Buffer.concat(chunks)));
    res.once("error", reject);
  });
}

export class HttpTransport implements EngineTransport {
  private prefix = "";
  private readonly agent: http.Agent;
  private readonly send: typeof http.request;
  /** Where and how to connect: socketPath, or host/port (+ TLS material). */
  private readonly target: http.RequestOptions & https.RequestOptions;

  /** For a TLS engine pass node:https, loaded by the caller (transportFor) only then. */
  constructor(options: ModemOptions, client: typeof http | typeof https = http) {
    this.agent = new client.Agent({ keepAlive: true });
    this.send = client.request as typeof http.request;
    this.target = options.socketPath
      ? { socketPath: options.socketPath }
      : {
          // URL hostnames keep IPv6 brackets; node:http wants the bare address (and adds them to Host).
          hostname: options.host?.replace(/^\[(.*)\]$/, "$1"),
          port: Number(options.port),
          ca: options.ca,
          cert: options.cert,
          key: options.key,
        };
  }

  setVersion(version: string): void {
    this.prefix = `/v${version}`;
  }

  json(r: TransportRequest): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const req = this.open(r, reject);
      if (!req) return;
      req.once("response", (res) => {
        // The request's signal covers only the request; this makes an abort also cut the body.
        if (r.signal) addAbortSignal(r.signal, res);
        readBody(res).then(
          (body) =>
            succeeded(res.statusCode)
              ? resolve(parseBody(body))
              : reject(engineErrorFromBody(res.statusCode ?? 0, body, r.method, r.path)),
          reject,
        );
      });
    });
  }

  stream(r: TransportRequest): Promise<http.IncomingMessage> {
    return new Promise((resolve, reject) => {
      const req = this.open(r, reject);
      if (!req) return;
      req.once("response", (res) => {
        if (succeeded(res.statusCode)) return resolve(res);
        readBody(res).then((body) => reject(engineErrorFromBody(res.statusCode ?? 0, body, r.method, r.path)), reject);
      });
    });
  }

  hijack(path: string, headers: Record<string, string | string[]>): Promise<Duplex> {
    return new Promise((resolve, reject) => {
      const upgrade = headers.Upgrade ?? "tcp";
      const req = this.open(
        {
          method: "POST",
          path,
          // Chunked with an empty body, as docker-modem sends a hijack request.
          headers: { ...headers, "Transfer-Encoding": "chunked", Connection: "Upgrade", Upgrade: upgrade },
        },
        reject,
      );
      if (!req) return;
      req.once("upgrade", (_res, socket, head: Buffer) => {
        if (head.length > 0) socket.unshift(head);
        resolve(socket);
      });
      req.once("response", (res) => {
        void readBody(res).then((body) => reject(engineErrorFromBody(res.statusCode ?? 0, body, "POST", path)), reject);
      });
    });
  }

  close(): void {
    this.agent.destroy();
  }

  /**
   * Start the request and send its body; errors before a response go to `fail`. Undefined when
   * the request could not even be built (a path node:http refuses).
   */
  private open(r: TransportRequest, fail: (e: Error) => void): http.ClientRequest | undefined {
    const headers: Record<string, string | string[] | number> = { ...r.headers };
    if (r.authconfig) headers["X-Registry-Auth"] = registryAuthHeader(r.authconfig);
    if (r.registryconfig) headers["X-Registry-Config"] = registryConfigHeader(r.registryconfig);
    let data: string | Buffer | NodeJS.ReadableStream | undefined;
    if (r.file) {
      data = r.file;
      headers["Content-Type"] = r.headers?.["Content-Type"] ?? "application/tar";
    } else if (r.method === "POST") {
      const json = JSON.stringify(r.body ?? {});
      // docker-modem sends no body at all for an empty object.
      if (json !== "{}" && json !== '""') {
        data = json;
        headers["Content-Type"] = r.headers?.["Content-Type"] ?? "application/json";
      }
    }
    if (typeof data === "string") headers["Content-Length"] = Buffer.byteLength(data);
    else if (Buffer.isBuffer(data)) headers["Content-Length"] = data.length;
    else if (r.method === "PUT") headers["Transfer-Encoding"] = "chunked";
    const query = r.query ? engineQueryString(r.query) : "";
    let req: http.ClientRequest;
    try {
      req = this.send({
        ...this.target,
        agent: this.agent,
        method: r.method,
        path: `${this.prefix}${r.path}${query ? `?${query}` : ""}`,
        headers,
        signal: r.signal,
      });
    } catch (e) {
      fail(e as Error);
      return undefined;
    }
    req.on("error", fail);
    if (data === undefined || typeof data === "string" || Buffer.isBuffer(data)) {
      req.end(data);
    } else {
      data.once("error", (e: Error) => req.destroy(e));
      data.pipe(req);
    }
    return req;
  }
}
