/**
 * DockerEngine over node:http against a fake Engine API server on a unix socket in a temp dir:
 * the wire as docker-modem spoke it (paths, query, bodies, registry headers), errors, streams and
 * their demultiplexing, aborts and timeouts, connection reuse and close(), the BuildKit hijack.
 */
import { createServer as createHttpsServer } from "node:https";
import type { TLSSocket } from "node:tls";
import { execFileSync } from "node:child_process";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Duplex } from "node:stream";
import { Readable } from "node:stream";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { DockerEngine, EngineTimeout, REQUEST_TIMEOUT_MS } from "../../src/runtime/engine-docker.js";
import { engineQueryString } from "../../src/runtime/engine-http.js";
import { EngineError } from "../../src/runtime/engine.js";

interface Seen {
  method: string;
  url: URL;
  headers: IncomingMessage["headers"];
  rawHeaders: string[];
  body: Buffer;
}
type Route = (req: Seen, res: ServerResponse) => void;

let dir: string;
let server: Server;
let socketPath: string;
let seen: Seen[];
let routes: Map<string, Route>;
let connections: number;
let engine: DockerEngine | undefined;
/** Upgraded connections: the server no longer tracks them, so the test ends them. */
let upgraded: Duplex[];

const hasOpenssl = (() => {
  try {
    execFileSync("openssl", ["version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

/** A CA, a server certificate for 127.0.0.1 and a client certificate, as DOCKER_CERT_PATH holds them. */
function makeCertificates(certDir: string): { ca: Buffer; server: { key: Buffer; cert: Buffer } } {
  mkdirSync(certDir);
  const ssl = (...args: string[]) => execFileSync("openssl", args, { cwd: certDir, stdio: "ignore" });
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  ssl("req", "-x509", ...ec, "-keyout", "ca-key.pem", "-out", "ca.pem", "-subj", "/CN=c2ts-test-ca", "-days", "1");
  for (const [name, cn, ext] of [
    ["server", "127.0.0.1", "subjectAltName=IP:127.0.0.1"],
    ["client", "c2ts-client", "extendedKeyUsage=clientAuth"],
  ]) {
    ssl("req", ...ec, "-keyout", `${name}-key.pem`, "-out", `${name}.csr`, "-subj", `/CN=${cn}`);
    writeFileSync(join(certDir, `${name}.ext`), `${ext}\n`);
    ssl(
      "x509",
      "-req",
      "-in",
      `${name}.csr`,
      "-CA",
      "ca.pem",
      "-CAkey",
      "ca-key.pem",
      "-CAcreateserial",
      "-out",
      `${name}-cert.pem`,
      "-days",
      "1",
      "-extfile",
      `${name}.ext`,
    );
  }
  // DOCKER_CERT_PATH's names for the client side.
  writeFileSync(join(certDir, "cert.pem"), readFileSync(join(certDir, "client-cert.pem")));
  writeFileSync(join(certDir, "key.pem"), readFileSync(join(certDir, "client-key.pem")));
  const read = (f: string) => readFileSync(join(certDir, f));
  return { ca: read("ca.pem"), server: { key: read("server-key.pem"), cert: read("server-cert.pem") } };
}

function frame(kind: number, text: string): Buffer {
  const payload = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = kind;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "c2ts-engine-http-"));
  socketPath = join(dir, "docker.sock");
  seen = [];
  connections = 0;
  upgraded = [];
  routes = new Map([["GET /version", (_req, res) => json(res, 200, { ApiVersion: "1.41" })]]);
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://engine");
      const s: Seen = {
        method: req.method ?? "",
        url,
        headers: req.headers,
        rawHeaders: req.rawHeaders,
        body: Buffer.concat(chunks),
      };
      seen.push(s);
      const route = routes.get(`${s.method} ${url.pathname.replace(/^\/v1\.\d+/, "")}`);
      if (route) route(s, res);
      else json(res, 404, { message: `page not found: ${s.method} ${url.pathname}` });
    });
  });
  server.on("connection", () => connections++);
  server.on("upgrade", (_req: IncomingMessage, socket: Duplex) => upgraded.push(socket));
  await new Promise<void>((r) => server.listen(socketPath, r));
});

afterEach(async () => {
  vi.useRealTimers();
  engine?.close();
  engine = undefined;
  server.closeAllConnections();
  for (const socket of upgraded) socket.destroy();
  await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
});

async function connect(): Promise<DockerEngine> {
  engine = await DockerEngine.connect(`unix://${socketPath}`);
  return engine;
}

describe("query strings as docker-modem builds them", () => {
  it("keeps arrays as repeated keys, objects as JSON, booleans and numbers as text, undefined as empty", () => {
    expect(
      engineQueryString({
        all: true,
        force: false,
        t: 10,
        filters: JSON.stringify({ label: ["a=b c"] }),
        buildargs: { A: "1" },
        cachefrom: ["x", "y"],
        follow: undefined,
        path: "/etc/app conf",
      }),
    ).toBe(
      "all=true&force=false&t=10&filters=%7B%22label%22%3A%5B%22a%3Db%20c%22%5D%7D&buildargs=%7B%22A%22%3A%221%22%7D" +
        "&cachefrom=x&cachefrom=y&follow=&path=%2Fetc%2Fapp%20conf",
    );
  });
});

describe("DockerEngine over node:http (fake engine on a unix socket)", () => {
  it("prefixes paths with the negotiated API version and sends filters as JSON", async () => {
    routes.set("GET /containers/json", (_req, res) => json(res, 200, [{ Id: "c1" }]));
    const e = await connect();
    expect(await e.apiVersion()).toBe("1.41");
    const list = await e.listContainers({ label: ["com.docker.compose.project=p"] });
    expect(list).toEqual([{ Id: "c1" }]);
    const req = seen.at(-1)!;
    expect(seen[0].url.pathname).toBe("/version");
    expect(req.url.pathname).toBe("/v1.41/containers/json");
    expect(req.url.searchParams.get("all")).toBe("true");
    expect(JSON.parse(req.url.searchParams.get("filters")!)).toEqual({ label: ["com.docker.compose.project=p"] });
    expect(req.headers.host).toBe("localhost");
  });

  it("sends a POST body as JSON with its length, and no body for an empty POST", async () => {
    routes.set("POST /containers/create", (_req, res) => json(res, 201, { Id: "new", Warnings: null }));
    routes.set("POST /containers/new/start", (_req, res) => res.writeHead(204).end());
    const e = await connect();
    const created = await e.createContainer({ name: "p-web-1", Image: "busybox", Labels: { a: "ü" } } as never);
    expect(created).toEqual({ Id: "new", Warnings: [] });
    const create = seen.at(-1)!;
    expect(create.url.searchParams.get("name")).toBe("p-web-1");
    expect(create.headers["content-type"]).toBe("application/json");
    expect(Number(create.headers["content-length"])).toBe(create.body.length);
    expect(JSON.parse(create.body.toString())).toEqual({ Image: "busybox", Labels: { a: "ü" } });
    await e.startContainer("new");
    const start = seen.at(-1)!;
    expect(start.method).toBe("POST");
    expect(start.body.length).toBe(0);
    expect(start.headers["content-type"]).toBeUndefined();
  });

  it("turns an engine error into an EngineError with the status and the engine's message", async () => {
    routes.set("GET /containers/gone/json", (_req, res) => json(res, 404, { message: "No such container: gone" }));
    routes.set("DELETE /volumes/busy", (_req, res) => {
      res.writeHead(409, { "Content-Type": "text/plain" });
      res.end("volume is in use\n");
    });
    routes.set("POST /images/create", (_req, res) => json(res, 404, { message: "pull access denied for x" }));
    const e = await connect();
    const missing = await e.inspectContainer("gone").catch((err: unknown) => err);
    expect(missing).toBeInstanceOf(EngineError);
    expect(missing).toMatchObject({ statusCode: 404, message: "No such container: gone" });
    await expect(e.removeVolume("busy")).rejects.toMatchObject({ statusCode: 409, message: "volume is in use" });
    expect(await e.inspectNetwork("none")).toBeNull();
    // A streamed request fails the same way before any stream is handed out.
    await expect(e.pullImage("x", undefined, () => {})).rejects.toMatchObject({
      name: "EngineError",
      statusCode: 404,
      message: "pull access denied for x",
    });
  });

  it("returns an empty body as docker-modem did (an empty Buffer) and parses JSON bodies", async () => {
    routes.set("POST /containers/c/stop", (_req, res) => res.writeHead(304).end());
    routes.set("GET /swarm", (_req, res) => json(res, 200, { ID: "s" }));
    const e = await connect();
    await e.stopContainer("c", 3);
    expect(seen.at(-1)!.url.searchParams.get("t")).toBe("3");
    expect(await e.request("GET", "/swarm")).toEqual({ ID: "s" });
    routes.set("POST /swarm/leave", (_req, res) => res.writeHead(200).end());
    const empty = await e.request("POST", "/swarm/leave");
    expect(Buffer.isBuffer(empty) && empty.length).toBe(0);
  });

  it("encodes X-Registry-Auth (base64url) and X-Registry-Config (base64) as docker-modem does", async () => {
    routes.set("POST /images/create", (_req, res) => {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end('{"status":"Pulling"}\n{"status":"Done"}\n');
    });
    const e = await connect();
    const auth = { username: "u>?", password: "p~~~>>>???" };
    const progress: string[] = [];
    await e.pullImage("reg.example:5000/app:1.0", auth, (m) => progress.push(m.status ?? ""));
    expect(progress).toEqual(["Pulling", "Done"]);
    const pull = seen.at(-1)!;
    expect(pull.url.searchParams.get("fromImage")).toBe("reg.example:5000/app");
    expect(pull.url.searchParams.get("tag")).toBe("1.0");
    const header = String(pull.headers["x-registry-auth"]);
    expect(header).not.toMatch(/[+/]/);
    expect(JSON.parse(Buffer.from(header, "base64url").toString())).toEqual(auth);
    // No credentials: still the header, with an empty object.
    await e.pullImage("app", undefined, () => {});
    expect(seen.at(-1)!.headers["x-registry-auth"]).toBe("e30=");
  });

  it("streams a build context (chunked, application/x-tar) and reads the build's progress", async () => {
    routes.set("POST /build", (req, res) => {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.write(`{"stream":"got ${req.body.length} bytes\\n"}\n{"aux":`);
      res.end('{"ID":"sha256:abc"}}\n');
    });
    const e = await connect();
    const context = Readable.from([Buffer.alloc(1000, 1), Buffer.alloc(24, 2)]);
    const config = { "reg.example": { username: "u", password: "p" } };
    const lines: string[] = [];
    const id = await e.buildImage(
      { query: { t: "app:1", buildargs: { A: "1" } }, context, registryConfig: config } as never,
      (m) => lines.push(m.stream ?? ""),
    );
    expect(id).toBe("sha256:abc");
    expect(lines[0]).toBe("got 1024 bytes\n");
    const build = seen.at(-1)!;
    expect(build.headers["transfer-encoding"]).toBe("chunked");
    expect(build.headers["content-type"]).toBe("application/x-tar");
    expect(JSON.parse(build.url.searchParams.get("buildargs")!)).toEqual({ A: "1" });
    expect(JSON.parse(Buffer.from(String(build.headers["x-registry-config"]), "base64").toString())).toEqual(config);
  });

  it("puts an archive with its length", async () => {
    routes.set("PUT /containers/c/archive", (_req, res) => res.writeHead(200).end());
    const e = await connect();
    await e.putArchive("c", "/etc", Buffer.from("tar bytes"));
    const put = seen.at(-1)!;
    expect(put.body.toString()).toBe("tar bytes");
    expect(put.headers["content-length"]).toBe("9");
    expect(put.url.searchParams.get("path")).toBe("/etc");
  });

  it("demultiplexes log frames split at odd byte boundaries", async () => {
    const wire = Buffer.concat([
      frame(1, "out one\nout "),
      frame(2, "err one\n"),
      frame(1, "two\n"),
      frame(0, "stdin goes with stderr\n"),
      frame(2, "last without newline"),
    ]);
    routes.set("GET /containers/c/json", (_req, res) => json(res, 200, { Config: { Tty: false } }));
    routes.set("GET /containers/c/logs", (_req, res) => {
      res.writeHead(200, { "Content-Type": "application/vnd.docker.multiplexed-stream" });
      // Pieces of 1, 3, 5, 7, ... bytes, each flushed on its own.
      let at = 0;
      let size = 1;
      const next = () => {
        if (at >= wire.length) return res.end();
        res.write(wire.subarray(at, at + size));
        at += size;
        size += 2;
        setTimeout(next, 2);
      };
      next();
    });
    const e = await connect();
    const lines: string[] = [];
    await e.logs("c", { follow: false }, (stream, line) => lines.push(`${stream}: ${line}`));
    expect(lines).toEqual([
      "stdout: out one",
      "stderr: err one",
      "stdout: out two",
      "stderr: stdin goes with stderr",
      "stderr: last without newline",
    ]);
    const q = seen.at(-1)!.url.searchParams;
    expect([q.get("stdout"), q.get("stderr"), q.get("follow"), q.get("tail")]).toEqual([
      "true",
      "true",
      "false",
      "all",
    ]);
  });

  it("runs an exec: demultiplexed output, then the exit code", async () => {
    routes.set("POST /containers/c/exec", (_req, res) => json(res, 201, { Id: "x1" }));
    routes.set("POST /exec/x1/start", (_req, res) => {
      res.writeHead(200);
      res.end(Buffer.concat([frame(1, "ready\n"), frame(2, "warn\n")]));
    });
    routes.set("GET /exec/x1/json", (_req, res) => json(res, 200, { Running: false, ExitCode: 3 }));
    const e = await connect();
    const lines: string[] = [];
    const r = await e.exec("c", { Cmd: ["probe"] } as never, (s, l) => lines.push(`${s}: ${l}`));
    expect(r).toEqual({ exitCode: 3 });
    expect(lines).toEqual(["stdout: ready", "stderr: warn"]);
    const create = seen.find((s) => s.url.pathname.endsWith("/exec"))!;
    expect(JSON.parse(create.body.toString())).toEqual({ Cmd: ["probe"], AttachStdout: true, AttachStderr: true });
    const start = seen.find((s) => s.url.pathname.endsWith("/start"))!;
    expect(JSON.parse(start.body.toString())).toEqual({ Detach: false, Tty: false });
  });

  it("speaks the same over tcp:// (Host header with the port)", async () => {
    routes.set("GET /info", (_req, res) => json(res, 200, { Name: "tcp-engine" }));
    const handler = server.listeners("request")[0] as (req: IncomingMessage, res: ServerResponse) => void;
    const tcp = createServer(handler);
    await new Promise<void>((r) => tcp.listen(0, "127.0.0.1", r));
    const { port } = tcp.address() as AddressInfo;
    try {
      engine = await DockerEngine.connect(`tcp://127.0.0.1:${port}`);
      expect(await engine.request("GET", "/info")).toEqual({ Name: "tcp-engine" });
      expect(seen.at(-1)!.url.pathname).toBe("/v1.41/info");
      expect(seen.at(-1)!.headers.host).toBe(`127.0.0.1:${port}`);
    } finally {
      engine?.close();
      tcp.closeAllConnections();
      await new Promise((r) => tcp.close(r));
    }
  });

  it.runIf(hasOpenssl)(
    "speaks TLS with DOCKER_CERT_PATH's ca, cert and key (client certificate required)",
    async () => {
      const certs = makeCertificates(join(dir, "certs"));
      routes.set("GET /info", (req, res) => json(res, 200, { Name: "tls-engine", client: req.headers["x-client"] }));
      const handler = server.listeners("request")[0] as (req: IncomingMessage, res: ServerResponse) => void;
      const tls = createHttpsServer(
        { ...certs.server, ca: certs.ca, requestCert: true, rejectUnauthorized: true },
        (req, res) => {
          req.headers["x-client"] = (req.socket as TLSSocket).getPeerCertificate().subject.CN;
          handler(req, res);
        },
      );
      await new Promise<void>((r) => tls.listen(0, "127.0.0.1", r));
      const { port } = tls.address() as AddressInfo;
      vi.stubEnv("DOCKER_CERT_PATH", join(dir, "certs"));
      try {
        engine = await DockerEngine.connect(`tcp://127.0.0.1:${port}`);
        expect(await engine.request("GET", "/info")).toEqual({ Name: "tls-engine", client: "c2ts-client" });
      } finally {
        vi.unstubAllEnvs();
        engine?.close();
        tls.closeAllConnections();
        await new Promise((r) => tls.close(r));
      }
    },
  );

  it("reuses one connection for many small calls", async () => {
    routes.set("GET /networks", (_req, res) => json(res, 200, []));
    const e = await connect();
    for (let i = 0; i < 5; i++) await e.listNetworks({});
    expect(seen).toHaveLength(6);
    expect(connections).toBe(1);
  });

  it("ends a log stream without error when the caller's signal aborts it", async () => {
    routes.set("GET /containers/c/json", (_req, res) => json(res, 200, { Config: { Tty: true } }));
    routes.set("GET /containers/c/logs", (_req, res) => {
      res.writeHead(200);
      res.write("first line\n");
    });
    const e = await connect();
    const stop = new AbortController();
    const lines: string[] = [];
    await e.logs(
      "c",
      { follow: true },
      (_s, l) => {
        lines.push(l);
        stop.abort();
      },
      stop.signal,
    );
    expect(lines).toEqual(["first line"]);
  });

  it("cuts a request by a bounded() signal with the signal's own reason", async () => {
    routes.set("GET /containers/slow/json", () => {});
    const e = await connect();
    const deadline = new AbortController();
    const pending = e.bounded(deadline.signal).inspectContainer("slow");
    await vi.waitFor(() => expect(seen.at(-1)!.url.pathname).toContain("/slow/"));
    deadline.abort(new Error("the deploy deadline passed"));
    await expect(pending).rejects.toThrow("the deploy deadline passed");
  });

  it("gives up on an engine that does not answer with EngineTimeout", async () => {
    routes.set("GET /containers/frozen/json", () => {});
    const e = await connect();
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const pending = e.inspectContainer("frozen").catch((err: unknown) => err);
    await vi.waitFor(() => expect(seen.at(-1)!.url.pathname).toContain("/frozen/"));
    vi.advanceTimersByTime(REQUEST_TIMEOUT_MS + 1);
    const err = await pending;
    expect(err).toBeInstanceOf(EngineTimeout);
    expect(String(err)).toContain("GET /containers/frozen/json within 60s");
  });

  it("close() fails requests in flight, ends open streams and drops pooled connections", async () => {
    routes.set("GET /containers/stuck/json", () => {});
    routes.set("GET /events", (_req, res) => {
      res.writeHead(200);
      res.write("");
    });
    const e = await connect();
    const sub = e.events({}, () => {});
    await sub.ready;
    const pending = e.inspectContainer("stuck").catch((err: unknown) => err);
    await vi.waitFor(() => expect(seen.at(-1)!.url.pathname).toContain("/stuck/"));
    e.close();
    expect(String(await pending)).toContain("the engine connection was closed");
    await vi.waitFor(async () => {
      const open = await new Promise<number>((r) => server.getConnections((_e, n) => r(n)));
      expect(open).toBe(0);
    });
  });

  it("hijacks POST /session: Upgrade headers as given, the raw socket after 101", async () => {
    let upgradeHeaders: IncomingMessage["headers"] = {};
    let methods: string[] = [];
    server.on("upgrade", (req: IncomingMessage, socket: Duplex) => {
      upgradeHeaders = req.headers;
      methods = req.rawHeaders.filter((_h, i) => req.rawHeaders[i - 1] === "X-Docker-Expose-Session-Grpc-Method");
      socket.write("HTTP/1.1 101 UPGRADED\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\nhello");
      socket.on("data", (d: Buffer) => {
        // The chunked request's empty last chunk may arrive first; echo everything else.
        const text = d.toString().replace("0\r\n\r\n", "");
        if (text) socket.write(`echo:${text}`);
      });
    });
    const e = await connect();
    const sock = await e.openBuildSession({
      Upgrade: "h2c",
      "X-Docker-Expose-Session-Uuid": "id1",
      "X-Docker-Expose-Session-Grpc-Method": ["/a", "/b"],
    });
    expect(upgradeHeaders.upgrade).toBe("h2c");
    expect(upgradeHeaders.connection).toBe("Upgrade");
    expect(upgradeHeaders["x-docker-expose-session-uuid"]).toBe("id1");
    expect(methods).toEqual(["/a", "/b"]);
    let got = "";
    sock.on("data", (d: Buffer) => (got += d.toString()));
    sock.write("ping");
    await vi.waitFor(() => expect(got).toBe("helloecho:ping"));
    sock.destroy();
  });

  it("rejects a session the engine does not upgrade with an EngineError", async () => {
    const e = await connect();
    server.on("upgrade", (_req: IncomingMessage, socket: Duplex) => {
      socket.end(
        'HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: 25\r\n\r\n{"message":"no sessions"}',
      );
    });
    await expect(e.openBuildSession({ Upgrade: "h2c" })).rejects.toMatchObject({
      statusCode: 400,
      message: "no sessions",
    });
  });
});
