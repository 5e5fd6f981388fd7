import { describe, expect, it } from "vitest";
import { parseByteSize, ramInBytes } from "../../src/compose/units.js";

describe("byte sizes", () => {
  it.each([
    ["512m", 512 * 1024 ** 2],
    ["512M", 512 * 1024 ** 2],
    ["2g", 2 * 1024 ** 3],
    ["1.5g", 1.5 * 1024 ** 3],
    ["50M", 52428800],
    ["100kb", 102400],
    ["2 GiB", 2 * 1024 ** 3],
    ["10b", 10],
    ["1024", 1024],
    ["-1", -1],
  ])("%s is %d bytes", (input, bytes) => {
    expect(parseByteSize(input)).toBe(bytes);
  });

  it("passes numbers through", () => {
    expect(parseByteSize(10000)).toBe(10000);
  });

  it.each(["", "m", "12x", "1gbb", "1kibb", "1 kb b", "-1m"])("rejects %j", (input) => {
    expect(() => ramInBytes(input)).toThrow(/invalid/);
  });
});
