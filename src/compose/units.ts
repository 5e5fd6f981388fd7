/**
 * Byte sizes as Compose reads them (`types.UnitBytes`): a plain integer, possibly negative
 * (`memswap_limit: -1`), or a size with a binary unit like docker/go-units `RAMInBytes`
 * (`512m`, `1.5g`, `2 GiB`, `100kb` — k/m/g/t/p are powers of 1024, case-insensitive).
 */

export class ByteSizeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ByteSizeError";
  }
}

const BINARY: Record<string, number> = {
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3,
  t: 1024 ** 4,
  p: 1024 ** 5,
};

/** Bytes for a UnitBytes value; numbers pass through truncated to an integer. */
export function parseByteSize(input: string | number): number {
  if (typeof input === "number") {
    if (!Number.isFinite(input)) throw new ByteSizeError(`invalid size: '${input}'`);
    return Math.trunc(input);
  }
  const s = input;
  if (/^[+-]?\d+$/.test(s)) return Number(s);
  return ramInBytes(s);
}

/** docker/go-units `RAMInBytes`: digits (with an optional fraction), optional space, optional unit. */
export function ramInBytes(sizeStr: string): number {
  let sep = -1;
  for (let i = sizeStr.length - 1; i >= 0; i--) {
    if ("0123456789. ".includes(sizeStr[i]!)) {
      sep = i;
      break;
    }
  }
  if (sep === -1) throw new ByteSizeError(`invalid size: '${sizeStr}'`);
  let num: string;
  let sfx: string;
  if (sizeStr[sep] !== " ") {
    num = sizeStr.slice(0, sep + 1);
    sfx = sizeStr.slice(sep + 1);
  } else {
    num = sizeStr.slice(0, sep);
    sfx = sizeStr.slice(sep + 1);
  }
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(num)) throw new ByteSizeError(`invalid size: '${sizeStr}'`);
  let size = Number(num);
  if (size < 0) throw new ByteSizeError(`invalid size: '${sizeStr}'`);
  if (sfx.length === 0) return Math.trunc(size);

  const bad = () => new ByteSizeError(`invalid suffix: '${sfx}'`);
  if (sfx.length > 3) throw bad();
  const lower = sfx.toLowerCase();
  if (lower[0] === "b") {
    if (lower.length > 1) throw bad();
    return Math.trunc(size);
  }
  const mul = BINARY[lower[0]!];
  if (mul === undefined) throw bad();
  size *= mul;
  if (lower.length === 2 && lower[1] !== "b") throw bad();
  if (lower.length === 3 && lower.slice(1) !== "ib") throw bad();
  return Math.trunc(size);
}
