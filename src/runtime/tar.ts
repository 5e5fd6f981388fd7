/**
 * A minimal POSIX tar writer (ustar + PAX for long names): what the engine needs for build
 * contexts and for copying secrets/configs into a container. Entries stream; file bodies are
 * read one at a time.
 */
import { createReadStream } from "node:fs";
import { Readable } from "node:stream";

export interface TarEntry {
  /** Path inside the archive, `/`-separated, no leading slash. */
  name: string;
  type: "file" | "directory" | "symlink";
  mode: number;
  uid?: number;
  gid?: number;
  /** Seconds since epoch. */
  mtime?: number;
  /** For files: the content, or an absolute path to stream it from (then `size` is required). */
  content?: Buffer | string;
  sourcePath?: string;
  size?: number;
  linkname?: string;
}

const BLOCK = 512;

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, "0") + "\0";
}

function writeString(buf: Buffer, offset: number, width: number, value: string): void {
  buf.write(value, offset, Math.min(width, Buffer.byteLength(value)), "utf8");
}

function header(entry: {
  name: string;
  type: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  linkname?: string;
}): Buffer {
  const h = Buffer.alloc(BLOCK);
  writeString(h, 0, 100, entry.name);
  writeString(h, 100, 8, octal(entry.mode & 0o7777, 8));
  writeString(h, 108, 8, octal(entry.uid, 8));
  writeString(h, 116, 8, octal(entry.gid, 8));
  writeString(h, 124, 12, octal(entry.size, 12));
  writeString(h, 136, 12, octal(Math.floor(entry.mtime), 12));
  h.fill(" ", 148, 156);
  writeString(h, 156, 1, entry.type);
  if (entry.linkname) writeString(h, 157, 100, entry.linkname);
  writeString(h, 257, 6, "ustar\0");
  writeString(h, 263, 2, "00");
  let sum = 0;
  for (const b of h) sum += b;
  writeString(h, 148, 8, sum.toString(8).padStart(6, "0") + "\0 ");
  return h;
}

function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let len = Buffer.byteLength(body);
  let total = len + String(len).length;
  if (String(total).length !== String(len).length) total = len + String(total).length;
  len = total;
  return `${len}${body}`;
}

function padding(size: number): Buffer {
  const rest = size % BLOCK;
  return rest === 0 ? Buffer.alloc(0) : Buffer.alloc(BLOCK - rest);
}

function headersFor(entry: TarEntry, size: number): Buffer[] {
  const typeFlag = entry.type === "directory" ? "5" : entry.type === "symlink" ? "2" : "0";
  const name = entry.type === "directory" && !entry.name.endsWith("/") ? `${entry.name}/` : entry.name;
  const base = {
    type: typeFlag,
    mode: entry.mode,
    uid: entry.uid ?? 0,
    gid: entry.gid ?? 0,
    size,
    mtime: entry.mtime ?? 0,
  };
  const longName = Buffer.byteLength(name) > 100;
  const longLink = entry.linkname !== undefined && Buffer.byteLength(entry.linkname) > 100;
  const out: Buffer[] = [];
  if (longName || longLink) {
    let records = "";
    if (longName) records += paxRecord("path", name);
    if (longLink) records += paxRecord("linkpath", entry.linkname!);
    const body = Buffer.from(records, "utf8");
    out.push(header({ ...base, name: "PaxHeader", type: "x", size: body.length }), body, padding(body.length));
  }
  out.push(
    header({
      ...base,
      name: longName ? name.slice(0, 99) : name,
      linkname: longLink ? entry.linkname!.slice(0, 99) : entry.linkname,
    }),
  );
  return out;
}

/** A whole archive in memory, for small payloads (secrets, configs). */
export function tarBuffer(entries: TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const body =
      e.type === "file"
        ? Buffer.isBuffer(e.content)
          ? e.content
          : Buffer.from(e.content ?? "", "utf8")
        : Buffer.alloc(0);
    parts.push(...headersFor(e, body.length), body, padding(body.length));
  }
  parts.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(parts);
}

/** Stream an archive; files with `sourcePath` are read from disk as the stream is consumed. */
export function tarStream(entries: AsyncIterable<TarEntry> | Iterable<TarEntry>): Readable {
  async function* generate(): AsyncGenerator<Buffer> {
    for await (const e of entries as AsyncIterable<TarEntry>) {
      if (e.type !== "file") {
        yield* headersFor(e, 0);
        continue;
      }
      if (e.sourcePath !== undefined) {
        const size = e.size ?? 0;
        yield* headersFor(e, size);
        let written = 0;
        for await (const chunk of createReadStream(e.sourcePath)) {
          const buf = chunk as Buffer;
          // A file that grew while archived is cut at the size its header announced.
          const take = buf.subarray(0, Math.max(0, size - written));
          written += take.length;
          if (take.length) yield take;
        }
        if (written < size) yield Buffer.alloc(size - written);
        yield padding(size);
        continue;
      }
      const body = Buffer.isBuffer(e.content) ? e.content : Buffer.from(e.content ?? "", "utf8");
      yield* headersFor(e, body.length);
      yield body;
      yield padding(body.length);
    }
    yield Buffer.alloc(BLOCK * 2);
  }
  return Readable.from(generate());
}
