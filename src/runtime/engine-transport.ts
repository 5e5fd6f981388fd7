/**
 * How DockerEngine (engine-docker.ts) sends one Engine API request: over node:http/node:https for
 * unix sockets and tcp (engine-http.ts), over docker-modem for ssh (engine-modem.ts, loaded only
 * for ssh hosts because docker-modem pulls in ssh2 and its crypto at start-up).
 */
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { RegistryAuth } from "./engine.js";

export interface TransportRequest {
  method: string;
  /** Without the API version prefix: the transport adds `/v1.xx` once setVersion was called. */
  path: string;
  /** Query parameters, encoded as docker-modem encodes them (engine-http.ts engineQueryString). */
  query?: Record<string, unknown>;
  /** JSON body; sent only for POST and only when it is not `{}` (docker-modem's rule). */
  body?: unknown;
  /** Raw body instead of JSON (a tar archive, a build context stream). */
  file?: NodeJS.ReadableStream | Buffer;
  headers?: Record<string, string | string[]>;
  /** Sent as X-Registry-Auth (base64url JSON). */
  authconfig?: RegistryAuth;
  /** Sent as X-Registry-Config (base64 JSON). */
  registryconfig?: Record<string, RegistryAuth>;
  signal?: AbortSignal;
}

export interface EngineTransport {
  /** Prefix every later request path with `/v{version}`. */
  setVersion(version: string): void;
  /**
   * The response body parsed as JSON; a body that is empty or not JSON comes back as its Buffer,
   * as docker-modem returns it. A status other than 2xx/304 rejects with an EngineError.
   */
  json(request: TransportRequest): Promise<unknown>;
  /** The response itself, to be read as a stream, once its status says success. */
  stream(request: TransportRequest): Promise<IncomingMessage>;
  /** POST with Upgrade/Connection headers; the raw connection once the engine answers 101. */
  hijack(path: string, headers: Record<string, string | string[]>): Promise<Duplex>;
  /** Drop pooled connections so they do not keep the process alive. */
  close(): void;
}
