import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { UserError } from "../../src/compose/errors.js";
import { loadProject, type LoadOptions } from "../../src/compose/loader.js";
import { decodeUtf8 } from "../../src/compose/utf8.js";
import { tmpStack } from "../helpers/tmp-stack.js";

const bytes = (...parts: (string | number[])[]) =>
  Buffer.concat(parts.map((p) => (typeof p === "string" ? Buffer.from(p, "utf8") : Buffer.from(p))));

function decodeError(input: Buffer): string {
  try {
    decodeUtf8(input, "/p/f");
  } catch (e) {
    if (e instanceof UserError) return e.format();
    throw e;
  }
  throw new Error("expected invalid UTF-8 to fail");
}

describe("decodeUtf8", () => {
  it("decodes valid text, multi-byte characters and a literal U+FFFD", () => {
    expect(decodeUtf8(bytes("café ✓ 𝄞 \uFFFD\n"), "/p/f")).toBe("café ✓ 𝄞 \uFFFD\n");
  });

  it.each([
    ["a stray continuation byte", bytes("a: b\nc: d", [0x80], "\n"), "/p/f:2:5: invalid UTF-8: byte 0x80"],
    ["a lone 0xFF after multi-byte characters", bytes("é✓", [0xff]), "/p/f:1:3: invalid UTF-8: byte 0xFF"],
    ["a truncated sequence", bytes("x\n\ny", [0xe2, 0x82], "\n"), "/p/f:3:2: invalid UTF-8: byte 0xE2"],
    ["an overlong encoding", bytes([0xc0, 0xaf]), "/p/f:1:1: invalid UTF-8: byte 0xC0"],
    ["an encoded surrogate", bytes("ok ", [0xed, 0xa0, 0x80]), "/p/f:1:4: invalid UTF-8: byte 0xED"],
    ["a code point above U+10FFFF", bytes([0xf4, 0x90, 0x80, 0x80]), "/p/f:1:1: invalid UTF-8: byte 0xF4"],
  ])("locates %s", (_, input, expected) => {
    expect(decodeError(input)).toContain(expected);
  });
});

async function loadError(dir: string, opts: LoadOptions = {}): Promise<string> {
  try {
    await loadProject({ cwd: dir, environment: {}, ...opts });
  } catch (e) {
    if (e instanceof UserError) return e.format();
    throw e;
  }
  throw new Error("expected the load to fail");
}

describe("invalid UTF-8 in files the loader reads", () => {
  const compose = "services:\n  web:\n    image: nginx\n    env_file: svc.env\n";

  it("is located in a compose file", async () => {
    const dir = tmpStack({ "svc.env": "" });
    writeFileSync(join(dir, "compose.yaml"), bytes('services:\n  web:\n    image: "ng', [0xff], 'inx"\n'));
    expect(await loadError(dir)).toBe(
      `${join(dir, "compose.yaml")}:3:15: invalid UTF-8: byte 0xFF at offset 31 does not start a valid character`,
    );
  });

  it("is located in the project's .env", async () => {
    const dir = tmpStack({ "compose.yaml": compose, "svc.env": "" });
    writeFileSync(join(dir, ".env"), bytes("X=1\nY=", [0xc3, 0x28], "\n"));
    expect(await loadError(dir)).toMatch(new RegExp(`^${join(dir, ".env")}:2:3: invalid UTF-8: byte 0xC3`));
  });

  it("is located in an --env-file", async () => {
    const dir = tmpStack({ "compose.yaml": compose, "svc.env": "" });
    writeFileSync(join(dir, "other.env"), bytes("Z=", [0xff], "\n"));
    expect(await loadError(dir, { envFiles: ["other.env"] })).toMatch(
      new RegExp(`^${join(dir, "other.env")}:1:3: invalid UTF-8`),
    );
  });

  it("is located in a service's env_file", async () => {
    const dir = tmpStack({ "compose.yaml": compose });
    writeFileSync(join(dir, "svc.env"), bytes("A=1\nB=café ", [0xe2, 0x82], "\n"));
    expect(await loadError(dir)).toMatch(new RegExp(`^${join(dir, "svc.env")}:2:8: invalid UTF-8: byte 0xE2`));
  });
});
