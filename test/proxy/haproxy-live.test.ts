/**
 * Runs the real HAProxy on a generated config against a stand-in Redis that insists on AUTH with an
 * awkward password: proves the escaping and the tcp-check sequence work, not just that they parse.
 * Skipped (visibly) when haproxy is not installed.
 */
import { spawn, spawnSync } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, connect } from "node:net";
import type { Server, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Project, ServiceConfig } from "../../src/compose/model.js";
import { resolveCluster } from "../../src/cluster/resolve.js";
import { buildHaproxyConfig } from "../../src/proxy/haproxy.js";

const haproxy = ["haproxy", "/usr/sbin/haproxy"].find((c) => spawnSync(c, ["-v"], { stdio: "ignore" }).status === 0);
const PASSWORD = "p w#\"'\\$x€;\tend";

/** Parses RESP arrays and inline commands; returns [args, rest] or undefined when incomplete. */
function parseCommand(buf: Buffer): [Buffer[], Buffer] | undefined {
  const eol = buf.indexOf("\r\n");
  if (eol < 0) return undefined;
  if (buf[0] !== 0x2a /* * */) {
    const words = buf.subarray(0, eol).toString("latin1").split(" ").filter(Boolean);
    return [words.map((w) => Buffer.from(w, "latin1")), buf.subarray(eol + 2)];
  }
  const count = Number(buf.subarray(1, eol).toString());
  let pos = eol + 2;
  const args: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const e = buf.indexOf("\r\n", pos);
    if (e < 0 || buf[pos] !== 0x24 /* $ */) return undefined;
    const len = Number(buf.subarray(pos + 1, e).toString());
    if (buf.length < e + 2 + len + 2) return undefined;
    args.push(buf.subarray(e + 2, e + 2 + len));
    pos = e + 2 + len + 2;
  }
  return [args, buf.subarray(pos)];
}

function fakeRedis(password: string): Server {
  return createServer((socket: Socket) => {
    let buf: Buffer = Buffer.alloc(0);
    let authed = false;
    socket.on("data", (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      for (let cmd = parseCommand(buf); cmd; cmd = parseCommand(buf)) {
        const [args, rest] = cmd;
        buf = rest;
        const name = args[0]?.toString().toUpperCase();
        if (name === "AUTH") {
          authed = args.length === 2 && args[1].equals(Buffer.from(password, "utf8"));
          socket.write(authed ? "+OK\r\n" : "-WRONGPASS invalid password\r\n");
        } else if (name === "PING") socket.write(authed ? "+PONG\r\n" : "-NOAUTH Authentication required.\r\n");
        else if (name === "QUIT") socket.end("+OK\r\n");
        else socket.write("-ERR unknown command\r\n");
      }
    });
    socket.on("error", () => undefined);
  });
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function statuses(statsPort: number): Promise<Record<string, string>> {
  const res = await fetch(`http://127.0.0.1:${statsPort}/;csv`);
  const out: Record<string, string> = {};
  for (const line of (await res.text()).split("\n")) {
    const cols = line.split(",");
    if (cols[0]?.startsWith("be_") && cols[1] !== "BACKEND" && cols[1]) out[`${cols[0]}/${cols[1]}`] = cols[17];
  }
  return out;
}

async function roundTrip(port: number, payload: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    let data = "";
    socket.on("data", (d) => {
      data += d.toString();
      if (data.includes("+PONG") || data.includes("-")) socket.end();
    });
    socket.on("end", () => resolve(data));
    socket.on("error", reject);
    socket.write(payload);
  });
}

describe.skipIf(!haproxy)(
  `HAProxy against a stand-in Redis${haproxy ? "" : " (skipped: haproxy not installed)"}`,
  () => {
    let redis: Server;
    let proc: ChildProcess | undefined;
    let dir: string;
    let statsPort: number;
    let goodPort: number;
    let stderr = "";

    beforeAll(async () => {
      redis = fakeRedis(PASSWORD);
      await new Promise<void>((resolve) => redis.listen(0, "127.0.0.1", resolve));
      const redisPort = (redis.address() as { port: number }).port;
      [statsPort, goodPort] = [await freePort(), await freePort()];
      const badPort = await freePort();
      const labels = (port: number): Record<string, string> => ({
        "osvc.l4.enable": "true",
        "osvc.l4.port": String(port),
        "osvc.l4.backend_port": String(redisPort),
        "osvc.l4.check": "redis",
        "osvc.l4.check.inter": "100ms",
        "osvc.l4.check.fall": "1",
        "osvc.l4.check.rise": "1",
      });
      const svc = (port: number, password: string): ServiceConfig => ({
        command: ["redis-server", "--requirepass", "$REDIS_PASSWORD"],
        entrypoint: null,
        environment: { REDIS_PASSWORD: password },
        labels: labels(port),
      });
      const project: Project = {
        name: "live",
        services: { good: svc(goodPort, PASSWORD), bad: svc(badPort, "wrong") },
      };
      const cluster = resolveCluster(
        {
          domain: "live.test",
          localNode: "here",
          nodes: [{ name: "here", address: "127.0.0.1" }],
          proxy: { haproxy: { statsBind: `127.0.0.1:${statsPort}` } },
        },
        undefined,
        project,
      );
      const { config } = buildHaproxyConfig(project, cluster);
      dir = mkdtempSync(join(tmpdir(), "c2ts-haproxy-"));
      const file = join(dir, "haproxy.cfg");
      writeFileSync(file, config);
      proc = spawn(haproxy!, ["-db", "-f", file], { stdio: ["ignore", "ignore", "pipe"] });
      proc.stderr!.on("data", (d) => (stderr += d.toString()));
    });

    afterAll(async () => {
      if (proc && proc.exitCode === null) {
        const exited = new Promise((resolve) => proc!.once("exit", resolve));
        proc.kill("SIGTERM");
        await exited;
      }
      await new Promise((resolve) => redis?.close(resolve));
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it("marks the server with the right password UP and the wrong one DOWN, and proxies traffic", async () => {
      let seen: Record<string, string> = {};
      for (let i = 0; i < 80; i++) {
        try {
          seen = await statuses(statsPort);
        } catch {
          // stats page not listening yet
        }
        if (seen["be_good/here"] === "UP" && seen["be_bad/here"]?.startsWith("DOWN")) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(seen, stderr).toMatchObject({ "be_good/here": "UP" });
      expect(seen["be_bad/here"]).toMatch(/^DOWN/);
      const len = Buffer.byteLength(PASSWORD);
      // The 100 ms check interval gives a 25 ms connect budget, which a loaded machine can miss
      // (HAProxy then closes the client connection empty): allow a few attempts.
      let reply = "";
      for (let i = 0; i < 5 && reply === ""; i++) {
        reply = await roundTrip(goodPort, `*2\r\n$4\r\nAUTH\r\n$${len}\r\n${PASSWORD}\r\nPING\r\n`);
      }
      expect(reply).toBe("+OK\r\n+PONG\r\n");
    });
  },
);
