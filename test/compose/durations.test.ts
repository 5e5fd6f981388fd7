import { describe, expect, it } from "vitest";
import { canonicalDuration, formatDuration, parseDuration } from "../../src/compose/durations.js";

describe("Go durations", () => {
  it.each([
    ["10s", "10s"],
    ["60s", "1m0s"],
    ["90s", "1m30s"],
    ["120s", "2m0s"],
    ["1h", "1h0m0s"],
    ["1h30m", "1h30m0s"],
    ["1.5h", "1h30m0s"],
    ["500ms", "500ms"],
    ["1500ms", "1.5s"],
    ["1us", "1\u00b5s"],
    ["1\u00b5s", "1\u00b5s"],
    ["2ns", "2ns"],
    ["1d", "24h0m0s"],
    ["1w", "168h0m0s"],
    ["0", "0s"],
    ["0s", "0s"],
    ["-2s", "-2s"],
    [".5s", "500ms"],
    ["1m0.25s", "1m0.25s"],
  ])("%s prints as %s", (input, expected) => {
    expect(canonicalDuration(input)).toBe(expected);
  });

  it("keeps week-long durations exact", () => {
    expect(parseDuration("2w")).toBe(2n * 7n * 24n * 3600n * 1_000_000_000n);
    expect(formatDuration(1n)).toBe("1ns");
  });

  it.each(["", "10", "1x", "s", ".s", "1.s5"])("rejects %j", (input) => {
    expect(() => parseDuration(input)).toThrow(/time: /);
  });
});
