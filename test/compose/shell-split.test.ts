import { describe, expect, it } from "vitest";
import { shellSplit } from "../../src/compose/shell-split.js";

describe("shellSplit (go-shellwords)", () => {
  it.each([
    ["bundle exec thin -p 3000", ["bundle", "exec", "thin", "-p", "3000"]],
    ["  spaced \t out  ", ["spaced", "out"]],
    [`sh -c 'echo "a b"'`, ["sh", "-c", 'echo "a b"']],
    [`echo "it's"`, ["echo", "it's"]],
    [`echo "a\\"b"`, ["echo", 'a"b']],
    [`echo 'a\\b'`, ["echo", "a\\b"]],
    [`echo a\\ b`, ["echo", "a b"]],
    [`echo "a\\nb"`, ["echo", "anb"]],
    [`printf ""`, ["printf", ""]],
    ["", []],
    ["echo a && echo b", ["echo", "a"]],
    ["echo a; echo b", ["echo", "a"]],
    ["cmd 2>&1", ["cmd"]],
    ["echo $(date) x", ["echo", "$(date)", "x"]],
  ])("%j", (input, argv) => {
    expect(shellSplit(input)).toEqual(argv);
  });

  it.each([`echo "open`, "echo 'open", "echo \\", "echo (x)"])("rejects %j", (input) => {
    expect(() => shellSplit(input)).toThrow("invalid command line string");
  });
});
