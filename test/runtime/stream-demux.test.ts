import { describe, expect, it } from "vitest";
import { FrameDemuxer } from "../../src/runtime/stream-demux.js";

function frame(kind: number, payload: Buffer | string): Buffer {
  const body = Buffer.from(payload);
  const header = Buffer.alloc(8);
  header[0] = kind;
  header.writeUInt32BE(body.length, 4);
  return Buffer.concat([header, body]);
}

function collect(): { out: string[]; err: string[]; demuxer: FrameDemuxer } {
  const out: string[] = [];
  const err: string[] = [];
  const demuxer = new FrameDemuxer(
    { write: (c: Buffer) => out.push(c.toString()) },
    { write: (c: Buffer) => err.push(c.toString()) },
  );
  return { out, err, demuxer };
}

describe("stdout/stderr frame demultiplexer", () => {
  const wire = Buffer.concat([frame(1, "a1"), frame(2, "b22"), frame(1, ""), frame(1, "ü-c333"), frame(0, "in")]);

  it("gives the same frames whatever the chunk boundaries", () => {
    for (let size = 1; size <= wire.length; size++) {
      const { out, err, demuxer } = collect();
      for (let at = 0; at < wire.length; at += size) demuxer.push(wire.subarray(at, at + size));
      expect(out.join("|"), `chunks of ${size}`).toBe("a1||ü-c333");
      expect(err.join("|"), `chunks of ${size}`).toBe("b22|in");
    }
  });

  it("several frames in one chunk, and a frame larger than any chunk", () => {
    const big = "x".repeat(70_000);
    const { out, demuxer } = collect();
    const bytes = Buffer.concat([frame(1, "one"), frame(1, "two"), frame(1, big)]);
    demuxer.push(bytes.subarray(0, 30_000));
    demuxer.push(bytes.subarray(30_000));
    expect(out).toEqual(["one", "two", big]);
  });

  it("a payload stays intact when the chunk it came from is reused", () => {
    const { out, demuxer } = collect();
    const chunk = frame(1, "keep");
    demuxer.push(chunk);
    chunk.fill(0);
    expect(out).toEqual(["keep"]);
  });

  it("passes a stream that is not multiplexed (a TTY) through to stdout", () => {
    const { out, err, demuxer } = collect();
    demuxer.push(Buffer.from("plain tty output\n"));
    demuxer.push(Buffer.from("\x01more"));
    expect(out.join("")).toBe("plain tty output\n\x01more");
    expect(err).toEqual([]);
  });
});
