/**
 * The Engine API over docker-modem, for ssh:// engines only: docker-modem tunnels HTTP through
 * ssh2. Loaded by a dynamic import from engine-docker.ts when the host is ssh://, because
 * docker-modem loads ssh2 and its crypto at start-up (0.2-0.35 s) even for a unix socket.
 */
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import DockerModem from "docker-modem";
import { EngineError } from "./engine.js";
import type { ModemOptions } from "./engine-docker.js";
import type { EngineTransport, TransportRequest } from "./engine-transport.js";

/** The modem, with the API version it puts in request paths (its `version` option). */
type Modem = DockerModem & { version?: string };

const OK_CODES = { 200: true, 201: true, 204: true, 304: true };

export class ModemTransport implements EngineTransport {
  private readonly modem: Modem;

  constructor(options: ModemOptions) {
    this.modem = new DockerModem(options);
  }

  setVersion(version: string): void {
    this.modem.version = `v${version}`;
  }

  json(r: TransportRequest): Promise<unknown> {
    return this.dial(r, false);
  }

  stream(r: TransportRequest): Promise<IncomingMessage> {
    return this.dial(r, true) as Promise<IncomingMessage>;
  }

  hijack(path: string, headers: Record<string, string | string[]>): Promise<Duplex> {
    return new Promise((resolve, reject) => {
      this.modem.dial(
        { path, method: "POST", hijack: true, headers, statusCodes: { 101: true, 200: true }, options: {} },
        (err, socket) => (err ? reject(toEngineError(err, "POST", path)) : resolve(socket as Duplex)),
      );
    });
  }

  close(): void {
    // docker-modem keeps no pool of its own; open streams are closed by DockerEngine.
  }

  private dial(r: TransportRequest, stream: boolean): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.modem.dial(
        {
          // Bodies go through modem.dial's own _body so they stay out of the query string.
          path: `${r.path}?`,
          method: r.method,
          options: { _query: r.query ?? {}, _body: r.body ?? {} },
          statusCodes: OK_CODES,
          isStream: stream,
          file: r.file,
          headers: r.headers,
          authconfig: r.authconfig,
          registryconfig: r.registryconfig,
          abortSignal: r.signal,
        } as DockerModem.DialOptions,
        (err, data) => (err ? reject(toEngineError(err, r.method, r.path)) : resolve(data)),
      );
    });
  }
}

/** docker-modem's HTTP error as the EngineError the rest of c2ts expects. */
function toEngineError(err: Error & { statusCode?: number; json?: unknown }, method: string, path: string): Error {
  if (err.statusCode === undefined) return err;
  const json = err.json as { message?: string } | Buffer | string | null | undefined;
  let message: string | undefined;
  if (json && typeof json === "object" && !Buffer.isBuffer(json) && typeof json.message === "string")
    message = json.message;
  else if (Buffer.isBuffer(json)) message = json.toString().trim();
  else if (typeof json === "string") message = json.trim();
  // Streamed responses carry the engine's message only in the modem's own text.
  if (!message) message = err.message.replace(/^\(HTTP code \d+\) [^-]*- /, "").trim();
  return new EngineError(message || `${method} ${path}: HTTP ${err.statusCode}`, err.statusCode);
}
