/**
 * Strict UTF-8 decoding for the files the loader reads (compose files, .env, env_file): invalid
 * bytes are a located error, where Node's decoder would silently turn them into U+FFFD.
 */
import { isUtf8 } from "node:buffer";
import { UserError } from "./errors.js";

/** `bytes` as text; invalid UTF-8 is a UserError at the line and column (in characters) of the first bad byte. */
export function decodeUtf8(bytes: Uint8Array, file: string): string {
  if (isUtf8(bytes)) return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8");
  const bad = firstInvalidByte(bytes);
  const { line, column } = lineAndColumn(bytes, bad);
  const hex = bytes[bad]!.toString(16).toUpperCase().padStart(2, "0");
  throw new UserError(`invalid UTF-8: byte 0x${hex} at offset ${bad} does not start a valid character`, {
    location: { file, line, column },
  });
}

/** Offset of the first byte that does not begin a well-formed UTF-8 sequence (RFC 3629). */
function firstInvalidByte(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const length = sequenceLength(bytes, i);
    if (length === 0) return i;
    i += length;
  }
  return bytes.length;
}

/** Length of the well-formed sequence at `i`, or 0. */
function sequenceLength(bytes: Uint8Array, i: number): number {
  const b = bytes[i]!;
  if (b < 0x80) return 1;
  const cont = (k: number, lo = 0x80, hi = 0xbf) => i + k < bytes.length && bytes[i + k]! >= lo && bytes[i + k]! <= hi;
  if (b >= 0xc2 && b <= 0xdf) return cont(1) ? 2 : 0;
  if (b >= 0xe0 && b <= 0xef) {
    // E0 excludes overlong forms, ED excludes UTF-16 surrogates.
    const [lo, hi] = b === 0xe0 ? [0xa0, 0xbf] : b === 0xed ? [0x80, 0x9f] : [0x80, 0xbf];
    return cont(1, lo, hi) && cont(2) ? 3 : 0;
  }
  if (b >= 0xf0 && b <= 0xf4) {
    // F0 excludes overlong forms, F4 caps at U+10FFFF.
    const [lo, hi] = b === 0xf0 ? [0x90, 0xbf] : b === 0xf4 ? [0x80, 0x8f] : [0x80, 0xbf];
    return cont(1, lo, hi) && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
}

/** 1-based line and column of byte `offset`; the column counts characters, as editors do. */
function lineAndColumn(bytes: Uint8Array, offset: number): { line: number; column: number } {
  let line = 1;
  let column = 1;
  for (let i = 0; i < offset; i += sequenceLength(bytes, i)) {
    if (bytes[i] === 0x0a) {
      line++;
      column = 1;
    } else column++;
  }
  return { line, column };
}
