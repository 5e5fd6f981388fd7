/**
 * The Engine API's multiplexed stream (logs and exec without a TTY): frames of an 8-byte header
 * (byte 0 the stream: 1 stdout, 2 stderr, 0 stdin, which goes with stderr as docker-modem has it;
 * bytes 4-7 the payload length, big-endian) and the payload. Frames arrive split across chunks at any byte. A first header with another stream
 * byte means the stream is not multiplexed after all (a TTY): from there on everything is stdout,
 * as docker-modem's demuxStream does.
 */
export interface FrameSink {
  write(chunk: Buffer): unknown;
}

/** A push parser: feed it chunks, it writes each complete frame's payload to stdout or stderr. */
export class FrameDemuxer {
  private pending: Buffer = Buffer.alloc(0);
  private raw = false;

  constructor(
    private readonly stdout: FrameSink,
    private readonly stderr: FrameSink,
  ) {}

  push(chunk: Buffer): void {
    if (this.raw) {
      this.stdout.write(chunk);
      return;
    }
    let buf = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    while (buf.length >= 8) {
      const kind = buf[0];
      if (kind > 2) {
        this.raw = true;
        this.pending = Buffer.alloc(0);
        this.stdout.write(buf);
        return;
      }
      const length = buf.readUInt32BE(4);
      if (buf.length < 8 + length) break;
      // A copy: the sinks may keep the payload while `buf` is reused by the next chunk.
      const payload = Buffer.from(buf.subarray(8, 8 + length));
      (kind === 1 ? this.stdout : this.stderr).write(payload);
      buf = buf.subarray(8 + length);
    }
    this.pending = Buffer.from(buf);
  }
}

/** Demultiplex `stream` into the two sinks as its data arrives. */
export function demuxStream(stream: NodeJS.ReadableStream, stdout: FrameSink, stderr: FrameSink): void {
  const demuxer = new FrameDemuxer(stdout, stderr);
  stream.on("data", (chunk: Buffer) => demuxer.push(chunk));
}
