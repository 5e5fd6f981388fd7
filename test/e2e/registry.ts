/**
 * A tiny Docker Registry (HTTP API v2, pull side only) serving images made from `docker save`
 * output, so pulls can be tested without network access. The engine treats 127.0.0.1 registries
 * as insecure (plain HTTP) by default. Optional Basic auth.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { createServer, type Server } from "node:http";
import { gzipSync } from "node:zlib";

interface Blob {
  data: Buffer;
  mediaType: string;
}

const sha = (b: Buffer) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

/** Files of an uncompressed tar archive (regular files only). */
function readTar(buf: Buffer): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  let off = 0;
  let paxPath: string | undefined;
  while (off + 512 <= buf.length) {
    const header = buf.subarray(off, off + 512);
    if (header.every((b) => b === 0)) break;
    const str = (a: number, n: number) =>
      header
        .subarray(a, a + n)
        .toString("utf8")
        .replace(/\0.*$/s, "");
    const size = Number.parseInt(str(124, 12).trim() || "0", 8);
    const type = str(156, 1);
    const prefix = str(345, 155);
    let name = prefix ? `${prefix}/${str(0, 100)}` : str(0, 100);
    const body = buf.subarray(off + 512, off + 512 + size);
    if (type === "x") {
      const m = /\d+ path=([^\n]*)\n/.exec(body.toString("utf8"));
      paxPath = m?.[1];
    } else {
      if (paxPath) name = paxPath;
      paxPath = undefined;
      if (type === "0" || type === "") files.set(name, Buffer.from(body));
    }
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return files;
}

export interface TestRegistry {
  host: string;
  /** Serve `repo:tag` as the image `source` (a local image), with `envExtra` added to its config to make it distinct. */
  publish(repo: string, tag: string, source: string, envExtra?: string): string;
  requests: string[];
  close(): Promise<void>;
}

export async function startRegistry(auth?: { username: string; password: string }): Promise<TestRegistry> {
  const blobs = new Map<string, Blob>();
  const manifests = new Map<string, { body: Buffer; digest: string }>();
  const requests: string[] = [];
  const expected = auth ? `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString("base64")}` : undefined;

  const server: Server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    if (expected && req.headers.authorization !== expected) {
      res.writeHead(401, {
        "WWW-Authenticate": 'Basic realm="c2ts-test"',
        "Docker-Distribution-API-Version": "registry/2.0",
      });
      res.end(JSON.stringify({ errors: [{ code: "UNAUTHORIZED", message: "authentication required" }] }));
      return;
    }
    const url = req.url ?? "";
    if (url === "/v2/" || url === "/v2") {
      res.writeHead(200, { "Docker-Distribution-API-Version": "registry/2.0", "Content-Type": "application/json" });
      res.end("{}");
      return;
    }
    const m = /^\/v2\/(.+)\/(manifests|blobs)\/([^/?]+)$/.exec(url);
    if (m) {
      const [, repo, kind, ref] = m;
      if (kind === "manifests") {
        const man = manifests.get(`${repo}:${ref}`) ?? [...manifests.values()].find((x) => x.digest === ref);
        if (man) {
          res.writeHead(200, {
            "Content-Type": "application/vnd.docker.distribution.manifest.v2+json",
            "Docker-Content-Digest": man.digest,
            "Content-Length": man.body.length,
          });
          res.end(req.method === "HEAD" ? undefined : man.body);
          return;
        }
      } else {
        const blob = blobs.get(ref);
        if (blob) {
          res.writeHead(200, {
            "Content-Type": "application/octet-stream",
            "Docker-Content-Digest": ref,
            "Content-Length": blob.data.length,
          });
          res.end(req.method === "HEAD" ? undefined : blob.data);
          return;
        }
      }
    }
    res.writeHead(404, { "Content-Type": "application/json" });
    res.end(JSON.stringify({ errors: [{ code: "NOT_FOUND", message: "not found" }] }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;

  const saved = new Map<string, Map<string, Buffer>>();
  return {
    host: `127.0.0.1:${port}`,
    requests,
    publish(repo, tag, source, envExtra) {
      let files = saved.get(source);
      if (!files) {
        files = readTar(execFileSync("docker", ["save", source], { maxBuffer: 256 * 1024 * 1024 }));
        saved.set(source, files);
      }
      const [entry] = JSON.parse(files.get("manifest.json")!.toString("utf8")) as Array<{
        Config: string;
        Layers: string[];
      }>;
      const config = JSON.parse(files.get(entry.Config)!.toString("utf8"));
      if (envExtra) config.config.Env = [...(config.config.Env ?? []), envExtra];
      const configBlob = Buffer.from(JSON.stringify(config));
      blobs.set(sha(configBlob), { data: configBlob, mediaType: "application/vnd.docker.container.image.v1+json" });
      const layers = entry.Layers.map((path) => {
        const gz = gzipSync(files!.get(path)!);
        const digest = sha(gz);
        blobs.set(digest, { data: gz, mediaType: "application/vnd.docker.image.rootfs.diff.tar.gzip" });
        return { mediaType: "application/vnd.docker.image.rootfs.diff.tar.gzip", size: gz.length, digest };
      });
      const manifest = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: "application/vnd.docker.distribution.manifest.v2+json",
          config: {
            mediaType: "application/vnd.docker.container.image.v1+json",
            size: configBlob.length,
            digest: sha(configBlob),
          },
          layers,
        }),
      );
      const digest = sha(manifest);
      manifests.set(`${repo}:${tag}`, { body: manifest, digest });
      return sha(configBlob);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
