import { describe, expect, it } from "vitest";
import { normalizeProjectName, resolveProjectName } from "../../src/compose/project-name.js";

describe("project name", () => {
  it("normalizes directory names like compose", () => {
    expect(normalizeProjectName("My Project.v2")).toBe("myprojectv2");
    expect(normalizeProjectName("__-abc")).toBe("abc");
  });

  it("takes -p over COMPOSE_PROJECT_NAME over name: over the directory", () => {
    const base = { environment: { COMPOSE_PROJECT_NAME: "fromenv" }, declared: "fromfile", workingDir: "/x/Dir" };
    expect(resolveProjectName({ ...base, flag: "flag" })).toBe("flag");
    expect(resolveProjectName(base)).toBe("fromenv");
    expect(resolveProjectName({ ...base, environment: {} })).toBe("fromfile");
    expect(resolveProjectName({ ...base, environment: {}, declared: undefined })).toBe("dir");
  });

  it("rejects an explicit invalid name", () => {
    expect(() => resolveProjectName({ flag: "Bad Name", environment: {}, workingDir: "/x" })).toThrow(
      /invalid project name "Bad Name"/,
    );
  });
});
