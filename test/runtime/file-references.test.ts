import { describe, expect, it } from "vitest";
import { fileReferenceTarget, inlineFileContent } from "../../src/runtime/file-references.js";
import { proj } from "./fixtures.js";

describe("file references", () => {
  it("places secrets under /run/secrets and configs at the root unless absolute", () => {
    expect(fileReferenceTarget("secret", "db", undefined)).toBe("/run/secrets/db");
    expect(fileReferenceTarget("secret", "db", "pw")).toBe("/run/secrets/pw");
    expect(fileReferenceTarget("config", "app", undefined)).toBe("/app");
    expect(fileReferenceTarget("config", "app", "/etc/app.conf")).toBe("/etc/app.conf");
  });

  it("carries inline content, or the named variable of the deploying environment, never a file", () => {
    const project = proj(
      {},
      {
        secrets: {
          inline: { name: "inline", content: "s3cret" },
          fromEnv: { name: "fromEnv", environment: "TOKEN" },
          onDisk: { name: "onDisk", file: "/p/pw" },
        },
      },
    );
    expect(inlineFileContent(project, "secret", "inline", {})).toBe("s3cret");
    expect(inlineFileContent(project, "secret", "fromEnv", { TOKEN: "t" })).toBe("t");
    expect(inlineFileContent(project, "secret", "fromEnv", {})).toBe("");
    expect(inlineFileContent(project, "secret", "onDisk", {})).toBeUndefined();
    expect(inlineFileContent(project, "config", "inline", {})).toBeUndefined();
  });
});
