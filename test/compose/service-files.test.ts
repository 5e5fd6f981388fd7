import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { UserError } from "../../src/compose/errors.js";
import { referencedServiceFiles } from "../../src/compose/normalize.js";
import { readServiceFiles } from "../../src/compose/service-files.js";

const dir = mkdtempSync(join(tmpdir(), "i9-service-files-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("referencedServiceFiles", () => {
  it("lists env_file and label_file paths of every service once, in order", () => {
    const model = {
      services: {
        a: { env_file: ["/p/a.env", { path: "/p/opt.env", required: false }, { required: true }], label_file: "/p/l" },
        b: { env_file: "/p/a.env", label_file: ["/p/l", "/p/l2"] },
        c: { image: "x" },
      },
    };
    expect(referencedServiceFiles(model)).toEqual(["/p/a.env", "/p/opt.env", "/p/l", "/p/l2"]);
  });
});

describe("readServiceFiles", () => {
  it("reads existing files and leaves missing ones out", () => {
    writeFileSync(join(dir, "a.env"), "A=1\n");
    const files = readServiceFiles([join(dir, "a.env"), join(dir, "missing.env")]);
    expect([...files]).toEqual([[join(dir, "a.env"), "A=1\n"]]);
  });

  it("names the file when it cannot be read for another reason", () => {
    let error: unknown;
    try {
      readServiceFiles([dir]); // a directory: EISDIR
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toMatch(new RegExp(`^failed to read ${dir}: `));
  });
});
