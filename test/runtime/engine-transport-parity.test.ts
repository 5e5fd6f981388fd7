/**
 * The node:http transport against docker-modem's (still used for ssh): the same requests must reach
 * the engine identically (path, query, body, the headers the engine reads) and come back as the
 * same results and errors.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable, type Duplex } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HttpTransport } from "../../src/runtime/engine-http.js";
import { ModemTransport } from "../../src/runtime/engine-modem.js";
import type { EngineTransport, TransportRequest } from "../../src/runtime/engine-transport.js";

interface Seen {
  method?: string;
  url?: string;
  headers: Record<string, string | undefined>;
  body: string;
}

/** The headers whose presence and value the engine acts on. */
const READ_HEADERS = [
  "content-type",
  "content-length",
  "transfer-encoding",
  "x-registry-auth",
  "x-registry-config",
  "x-extra",
];

let dir: string;
let server: Server;
let seen: Seen[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "c2ts-transport-parity-"));
  server = createServer((req: IncomingMessage, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString("latin1")));
    req.on("end", () => {
      const headers = Object.fromEntries(READ_HEADERS.map((h) => [h, req.headers[h] as string | undefined]));
      // docker-modem leaves a bare "?" when there is no query; the same request to the engine.
      seen.push({ method: req.method, url: req.url?.replace(/\?$/, ""), headers, body });
      const path = req.url?.split("?")[0] ?? "";
      if (path.endsWith("/missing")) {
        res.writeHead(404, { "Content-Type": "application/json" });
        res.end(JSON.stringify({ message: "No such thing: missing" }));
      } else if (path.endsWith("/text-error")) {
        res.writeHead(500, { "Content-Type": "text/plain" });
        res.end("plain failure\n");
      } else if (path.endsWith("/empty")) {
        res.writeHead(204).end();
      } else if (path.endsWith("/null")) {
        res.writeHead(200, { "Content-Type": "application/json" });
        res.end("null\n");
      } else {
        res.writeHead(200, { "Content-Type": "application/json" });
        res.end(JSON.stringify({ ok: true, path }));
      }
    });
  });
  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    seen.push({
      method: req.method,
      url: req.url,
      headers: { raw: JSON.stringify(req.rawHeaders) },
      body: head.toString(),
    });
    socket.end("HTTP/1.1 101 UPGRADED\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\nfirst bytes");
  });
  await new Promise<void>((r) => server.listen(join(dir, "docker.sock"), r));
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
});

const REQUESTS: TransportRequest[] = [
  { method: "GET", path: "/containers/json", query: { all: true, filters: JSON.stringify({ label: ["a=b c"] }) } },
  { method: "GET", path: "/containers/c/logs", query: { follow: undefined, tail: "all", n: 5, list: ["x", "y"] } },
  { method: "GET", path: "/build", query: { buildargs: { A: "1 2" }, labels: {}, nil: null } },
  { method: "POST", path: "/containers/create", query: { name: "p-1" }, body: { Image: "busybox", Env: ["Ü=1"] } },
  { method: "POST", path: "/containers/c/start" },
  { method: "POST", path: "/containers/c/start", body: {} },
  { method: "POST", path: "/exec/x/start", body: { Detach: false, Tty: false } },
  { method: "DELETE", path: "/containers/c", query: { force: true, v: false } },
  {
    method: "PUT",
    path: "/containers/c/archive",
    query: { path: "/etc" },
    file: Buffer.from("tar"),
    headers: { "Content-Type": "application/x-tar" },
  },
  { method: "POST", path: "/images/create", query: { fromImage: "a/b", tag: "1" }, authconfig: {} },
  { method: "POST", path: "/images/create", authconfig: { username: "u>?", password: "p~~~>>>???" } },
  {
    method: "POST",
    path: "/build",
    registryconfig: { "reg:5000": { username: "u", password: "p?>" } },
    file: Buffer.alloc(0),
  },
  { method: "POST", path: "/anything", headers: { "X-Extra": "1" }, body: { a: 1 } },
];

async function through(transport: EngineTransport, r: TransportRequest, stream: boolean): Promise<unknown> {
  seen = [];
  const copy = { ...r, query: r.query && { ...r.query } };
  try {
    const result = stream ? await readStream(await transport.stream(copy)) : await transport.json(copy);
    return { result: Buffer.isBuffer(result) ? `Buffer(${result.toString()})` : result, seen };
  } catch (e) {
    const err = e as Error & { statusCode?: number };
    return { error: { name: err.name, message: err.message, statusCode: err.statusCode }, seen };
  }
}

async function readStream(res: Readable): Promise<string> {
  let text = "";
  for await (const chunk of res) text += (chunk as Buffer).toString();
  return text;
}

describe("node:http transport and docker-modem's on the wire", () => {
  const socketPath = () => join(dir, "docker.sock");

  it("send the same requests and get the same JSON results, before and after the version is set", async () => {
    for (const version of [undefined, "1.41"]) {
      const http = new HttpTransport({ socketPath: socketPath() });
      const modem = new ModemTransport({ socketPath: socketPath(), host: undefined });
      if (version) [http, modem].forEach((t) => t.setVersion(version));
      for (const r of REQUESTS) {
        const fromModem = await through(modem, r, false);
        const fromHttp = await through(http, r, false);
        expect(fromHttp, `${r.method} ${r.path}`).toEqual(fromModem);
      }
      http.close();
    }
  });

  it("return the same errors, empty and null bodies, and streams", async () => {
    const http = new HttpTransport({ socketPath: socketPath() });
    const modem = new ModemTransport({ socketPath: socketPath(), host: undefined });
    for (const path of ["/containers/missing", "/x/text-error", "/x/empty", "/x/null", "/events"]) {
      for (const stream of [false, true]) {
        const r: TransportRequest = { method: "GET", path };
        const fromModem = await through(modem, r, stream);
        const fromHttp = await through(http, r, stream);
        expect(fromHttp, `${path} stream=${stream}`).toEqual(fromModem);
      }
    }
    http.close();
  });

  it("hijack POST /session with the same request, handing over the bytes after the 101", async () => {
    const headers = {
      Upgrade: "h2c",
      "X-Docker-Expose-Session-Uuid": "u1",
      "X-Docker-Expose-Session-Grpc-Method": ["/a", "/b"],
    };
    const results: unknown[] = [];
    for (const transport of [
      new HttpTransport({ socketPath: socketPath() }),
      new ModemTransport({ socketPath: socketPath(), host: undefined }),
    ]) {
      transport.setVersion("1.41");
      seen = [];
      const socket = await transport.hijack("/session", { ...headers });
      results.push({ seen, received: await readStream(socket as Readable) });
      transport.close();
    }
    expect(results[0]).toEqual(results[1]);
    expect(results[0]).toMatchObject({ received: "first bytes", seen: [{ url: "/v1.41/session" }] });
  });

  it("upload a build context stream the same way", async () => {
    const http = new HttpTransport({ socketPath: socketPath() });
    const modem = new ModemTransport({ socketPath: socketPath(), host: undefined });
    const request = (): TransportRequest => ({
      method: "POST",
      path: "/build",
      query: { t: "x" },
      file: Readable.from([Buffer.from("part one "), Buffer.from("part two")]),
      headers: { "Content-Type": "application/x-tar" },
    });
    expect(await through(http, request(), true)).toEqual(await through(modem, request(), true));
    expect(seen[0].body).toBe("part one part two");
    http.close();
  });
});
