import { mkdtempSync, rmSync } from "node:fs";
import { connect as http2Connect, type ClientHttp2Session } from "node:http2";
import { createServer, connect, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sessionMethods, SSH_ID_METADATA_KEY, type MethodSpec } from "../../src/runtime/build/protocol.js";
import { startBuildSession, type BuildSession } from "../../src/runtime/build/session.js";

// Plays the engine's side of a BuildKit session: an HTTP/2 gRPC client over the hijacked connection.
const dir = mkdtempSync(join(tmpdir(), "c2ts-session-"));
const agentPath = join(dir, "agent.sock");
let agent: Server;
let pipe: Server;
let session: BuildSession;
let client: ClientHttp2Session;
let headers: Record<string, string | string[]> = {};

const frame = (payload: Buffer) => {
  const head = Buffer.alloc(5);
  head.writeUInt32BE(payload.length, 1);
  return Buffer.concat([head, payload]);
};

function unframe(data: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let off = 0; off + 5 <= data.length;) {
    const len = data.readUInt32BE(off + 1);
    out.push(data.subarray(off + 5, off + 5 + len));
    off += 5 + len;
  }
  return out;
}

/** One gRPC call; resolves with the decoded responses and the grpc-status. */
function call<Req, Res>(
  m: MethodSpec<Req, Res>,
  requests: Req[],
  metadata: Record<string, string> = {},
): Promise<{ responses: Res[]; status: string; message?: string }> {
  return new Promise((resolve, reject) => {
    const req = client.request({
      ":method": "POST",
      ":path": m.path,
      "content-type": "application/grpc",
      te: "trailers",
      ...metadata,
    });
    const chunks: Buffer[] = [];
    let status = "";
    let message: string | undefined;
    const trailers = (h: Record<string, unknown>) => {
      if (h["grpc-status"] !== undefined) status = String(h["grpc-status"]);
      if (h["grpc-message"] !== undefined) message = decodeURIComponent(String(h["grpc-message"]));
    };
    req.on("response", trailers);
    req.on("trailers", trailers);
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () =>
      resolve({ responses: unframe(Buffer.concat(chunks)).map((b) => m.response.decode(b)), status, message }),
    );
    req.on("error", reject);
    for (const r of requests) req.write(frame(m.request.encode(r)));
    req.end();
  });
}

beforeAll(async () => {
  // An "ssh agent" that answers every message with "agent:" + the message.
  agent = createServer((s) => s.on("data", (d) => s.write(Buffer.concat([Buffer.from("agent:"), d]))));
  await new Promise<void>((r) => agent.listen(agentPath, r));
  let engineSide!: (s: Socket) => void;
  const accepted = new Promise<Socket>((r) => (engineSide = r));
  pipe = createServer(engineSide);
  const pipePath = join(dir, "pipe.sock");
  await new Promise<void>((r) => pipe.listen(pipePath, r));
  session = await startBuildSession(
    async (h) => {
      headers = h;
      return connect(pipePath);
    },
    {
      credentials: async (host) => (host === "reg.example" ? { username: "u", secret: "p" } : undefined),
      secrets: new Map([["tok", async () => Buffer.from("s3cret")]]),
      ssh: new Map([["default", agentPath]]),
    },
  );
  const socket = await accepted;
  client = http2Connect("http://session", { createConnection: () => socket });
});

afterAll(() => {
  client?.close();
  session?.close();
  agent?.close();
  pipe?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("BuildKit session", () => {
  it("announces itself and every method it serves", () => {
    expect(headers.Upgrade).toBe("h2c");
    expect(headers["X-Docker-Expose-Session-Uuid"]).toBe(session.id);
    expect(headers["X-Docker-Expose-Session-Grpc-Method"]).toEqual(
      expect.arrayContaining([
        sessionMethods.getSecret.path,
        sessionMethods.forwardAgent.path,
        sessionMethods.health.path,
      ]),
    );
  });

  it("answers health checks, credentials and secrets; unknown secrets are NOT_FOUND", async () => {
    expect((await call(sessionMethods.health, [{ service: "" }])).responses).toEqual([{ status: 1 }]);
    expect((await call(sessionMethods.credentials, [{ Host: "reg.example" }])).responses).toEqual([
      { Username: "u", Secret: "p" },
    ]);
    expect((await call(sessionMethods.credentials, [{ Host: "other" }])).responses).toEqual([
      { Username: "", Secret: "" },
    ]);
    const secret = await call(sessionMethods.getSecret, [{ ID: "tok" }]);
    expect(Buffer.from(secret.responses[0].data).toString()).toBe("s3cret");
    const missing = await call(sessionMethods.getSecret, [{ ID: "nope" }]);
    expect(missing.status).toBe("5");
    expect(missing.message).toMatch(/secret nope not found/);
  });

  it("checks and relays the SSH agent for known IDs only", async () => {
    expect((await call(sessionMethods.checkAgent, [{ ID: "default" }])).status).toBe("0");
    expect((await call(sessionMethods.checkAgent, [{ ID: "other" }])).status).toBe("5");
    const req = client.request({
      ":method": "POST",
      ":path": sessionMethods.forwardAgent.path,
      "content-type": "application/grpc",
      te: "trailers",
      [SSH_ID_METADATA_KEY]: "default",
    });
    req.write(frame(sessionMethods.forwardAgent.request.encode({ data: Buffer.from("hello") })));
    const reply = await new Promise<Buffer>((r) => req.once("data", (d: Buffer) => r(d)));
    expect(Buffer.from(sessionMethods.forwardAgent.response.decode(unframe(reply)[0]).data).toString()).toBe(
      "agent:hello",
    );
    req.close();
  });
});
