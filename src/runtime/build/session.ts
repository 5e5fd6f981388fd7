/**
 * A BuildKit session: the channel over which the engine's BuildKit calls back into c2ts during a
 * build (POST /session upgraded to HTTP/2; the engine is the gRPC client, we are the server).
 * It serves registry credentials for base images, `build.secrets` values and `build.ssh` agent
 * sockets — all read on demand, so secret values only ever travel over this channel.
 */
import { randomUUID } from "node:crypto";
import { connect } from "node:net";
import type { Duplex } from "node:stream";
import { sessionMethods, SSH_ID_METADATA_KEY, type MethodSpec } from "./protocol.js";

export interface SessionProviders {
  /** Credentials for a registry host, as the docker CLI's auth provider answers them. */
  credentials(host: string): Promise<{ username: string; secret: string } | undefined>;
  /** Secret ID → reader of its value. */
  secrets: ReadonlyMap<string, () => Promise<Buffer>>;
  /** SSH ID → path of the agent socket to forward. */
  ssh: ReadonlyMap<string, string>;
}

/** Opens the hijacked /session connection with these headers (the engine's side of the session). */
export type SessionDialer = (headers: Record<string, string | string[]>) => Promise<Duplex>;

export interface BuildSession {
  id: string;
  close(): void;
}

type GrpcModule = typeof import("@grpc/grpc-js");

function definition<Req, Res>(m: MethodSpec<Req, Res>) {
  return {
    path: m.path,
    requestStream: m.requestStream,
    responseStream: m.responseStream,
    requestSerialize: (v: Req) => m.request.encode(v),
    requestDeserialize: (b: Buffer) => m.request.decode(b),
    responseSerialize: (v: Res) => m.response.encode(v),
    responseDeserialize: (b: Buffer) => m.response.decode(b),
  };
}

export async function startBuildSession(dial: SessionDialer, providers: SessionProviders): Promise<BuildSession> {
  const grpc: GrpcModule = (await import("@grpc/grpc-js")).default ?? (await import("@grpc/grpc-js"));
  const id = randomUUID();
  const { health, credentials, getSecret, checkAgent, forwardAgent } = sessionMethods;
  const server = new grpc.Server();
  const fail = (code: number, details: string) => Object.assign(new Error(details), { code, details });

  server.addService(
    { Check: definition(health) },
    {
      Check: (_call: unknown, cb: (e: null, r: { status: number }) => void) => cb(null, { status: 1 }),
    },
  );
  server.addService(
    { Credentials: definition(credentials) },
    {
      Credentials: (
        call: { request: { Host: string } },
        cb: (e: Error | null, r?: { Username: string; Secret: string }) => void,
      ) => {
        providers.credentials(call.request.Host).then(
          (c) => cb(null, c ? { Username: c.username, Secret: c.secret } : { Username: "", Secret: "" }),
          (e: Error) => cb(fail(grpc.status.UNAVAILABLE, e.message)),
        );
      },
    },
  );
  server.addService(
    { GetSecret: definition(getSecret) },
    {
      GetSecret: (call: { request: { ID: string } }, cb: (e: Error | null, r?: { data: Buffer }) => void) => {
        const read = providers.secrets.get(call.request.ID);
        if (!read) return cb(fail(grpc.status.NOT_FOUND, `secret ${call.request.ID} not found`));
        read().then(
          (data) => cb(null, { data }),
          (e: Error) => cb(fail(grpc.status.NOT_FOUND, e.message)),
        );
      },
    },
  );
  server.addService(
    { CheckAgent: definition(checkAgent), ForwardAgent: definition(forwardAgent) },
    {
      CheckAgent: (call: { request: { ID: string } }, cb: (e: Error | null, r?: Record<string, never>) => void) => {
        const sshId = call.request.ID || "default";
        if (providers.ssh.has(sshId)) cb(null, {});
        else cb(fail(grpc.status.NOT_FOUND, `no ssh agent for id ${sshId} (add it to build.ssh)`));
      },
      ForwardAgent: (call: import("@grpc/grpc-js").ServerDuplexStream<{ data: Uint8Array }, { data: Uint8Array }>) => {
        const sshId = String(call.metadata.get(SSH_ID_METADATA_KEY)[0] ?? "") || "default";
        const path = providers.ssh.get(sshId);
        if (!path) {
          call.destroy(fail(grpc.status.NOT_FOUND, `no ssh agent for id ${sshId}`));
          return;
        }
        // Relay the agent protocol bytes between BuildKit's socket in the build container and the local agent.
        const agent = connect(path);
        agent.on("data", (data: Buffer) => call.write({ data }));
        agent.on("error", (e) => call.destroy(e));
        agent.on("close", () => call.end());
        call.on("data", (m: { data: Uint8Array }) => agent.write(m.data));
        call.on("end", () => agent.end());
        call.on("error", () => agent.destroy());
      },
    },
  );

  const methods = [health, credentials, getSecret, checkAgent, forwardAgent].map((m) => m.path);
  const socket = await dial({
    Upgrade: "h2c",
    "X-Docker-Expose-Session-Uuid": id,
    "X-Docker-Expose-Session-Name": "c2ts",
    "X-Docker-Expose-Session-Sharedkey": "",
    "X-Docker-Expose-Session-Grpc-Method": methods,
  });
  const injector = server.createConnectionInjector(grpc.ServerCredentials.createInsecure());
  injector.injectConnection(socket);
  return {
    id,
    close() {
      server.forceShutdown();
      socket.destroy();
    },
  };
}
