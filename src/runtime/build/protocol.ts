/**
 * The parts of BuildKit's wire protocol c2ts speaks: the progress stream the engine sends as
 * `moby.buildkit.trace` messages, and the session services BuildKit calls back into (registry
 * credentials, build secrets, SSH agent forwarding). Field numbers follow BuildKit's .proto files;
 * only the fields c2ts reads or writes are declared (protobuf skips the rest).
 */
import protobuf from "protobufjs";

const SCHEMA = `
syntax = "proto3";
package c2ts;
message Timestamp { int64 seconds = 1; int32 nanos = 2; }
message Vertex {
  string digest = 1; repeated string inputs = 2; string name = 3; bool cached = 4;
  Timestamp started = 5; Timestamp completed = 6; string error = 7;
}
message VertexStatus {
  string ID = 1; string vertex = 2; string name = 3; int64 current = 4; int64 total = 5;
  Timestamp started = 7; Timestamp completed = 8;
}
message VertexLog { string vertex = 1; int64 stream = 3; bytes msg = 4; }
message VertexWarning { string vertex = 1; bytes short = 3; }
message StatusResponse {
  repeated Vertex vertexes = 1; repeated VertexStatus statuses = 2;
  repeated VertexLog logs = 3; repeated VertexWarning warnings = 4;
}
message CredentialsRequest { string Host = 1; }
message CredentialsResponse { string Username = 1; string Secret = 2; }
message GetSecretRequest { string ID = 1; map<string, string> annotations = 2; }
message GetSecretResponse { bytes data = 1; }
message CheckAgentRequest { string ID = 1; }
message CheckAgentResponse {}
message BytesMessage { bytes data = 1; }
message HealthCheckRequest { string service = 1; }
message HealthCheckResponse { int32 status = 1; }
`;

const root = protobuf.parse(SCHEMA, { keepCase: true }).root;

export interface Codec<T> {
  encode(message: T): Buffer;
  decode(data: Buffer): T;
}

function codec<T>(name: string): Codec<T> {
  const type = root.lookupType(`c2ts.${name}`);
  return {
    encode: (message) => Buffer.from(type.encode(type.fromObject(message as Record<string, unknown>)).finish()),
    decode: (data) => type.toObject(type.decode(data), { longs: Number, defaults: true }) as T,
  };
}

export interface Timestamp {
  seconds: number;
  nanos: number;
}

export interface Vertex {
  digest: string;
  name: string;
  cached: boolean;
  started?: Timestamp | null;
  completed?: Timestamp | null;
  error: string;
}

export interface StatusResponse {
  vertexes: Vertex[];
  statuses: Array<{ ID: string; vertex: string; name: string; current: number; total: number }>;
  logs: Array<{ vertex: string; stream: number; msg: Uint8Array }>;
  warnings: Array<{ vertex: string; short: Uint8Array }>;
}

export const statusResponse = codec<StatusResponse>("StatusResponse");

/** A unary or bidirectional-stream method of a session service, for @grpc/grpc-js's ServiceDefinition. */
export interface MethodSpec<Req, Res> {
  path: string;
  requestStream: boolean;
  responseStream: boolean;
  request: Codec<Req>;
  response: Codec<Res>;
}

function method<Req, Res>(path: string, req: string, res: string, stream = false): MethodSpec<Req, Res> {
  return { path, requestStream: stream, responseStream: stream, request: codec(req), response: codec(res) };
}

export const sessionMethods = {
  // BuildKit polls this every second and drops a session that does not answer SERVING (1).
  health: method<{ service: string }, { status: number }>(
    "/grpc.health.v1.Health/Check",
    "HealthCheckRequest",
    "HealthCheckResponse",
  ),
  credentials: method<{ Host: string }, { Username: string; Secret: string }>(
    "/moby.filesync.v1.Auth/Credentials",
    "CredentialsRequest",
    "CredentialsResponse",
  ),
  getSecret: method<{ ID: string }, { data: Buffer }>(
    "/moby.buildkit.secrets.v1.Secrets/GetSecret",
    "GetSecretRequest",
    "GetSecretResponse",
  ),
  checkAgent: method<{ ID: string }, Record<string, never>>(
    "/moby.sshforward.v1.SSH/CheckAgent",
    "CheckAgentRequest",
    "CheckAgentResponse",
  ),
  forwardAgent: method<{ data: Uint8Array }, { data: Uint8Array }>(
    "/moby.sshforward.v1.SSH/ForwardAgent",
    "BytesMessage",
    "BytesMessage",
    true,
  ),
};

/** gRPC metadata key naming the `ssh` entry a ForwardAgent stream is for (BuildKit's sshforward.KeySSHID). */
export const SSH_ID_METADATA_KEY = "buildkit.ssh.id";
