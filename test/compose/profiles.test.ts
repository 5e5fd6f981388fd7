import { describe, expect, it } from "vitest";
import { activeProfiles, isServiceEnabled } from "../../src/compose/profiles.js";

describe("profiles", () => {
  it("uses --profile, else COMPOSE_PROFILES", () => {
    expect(activeProfiles(["a"], { COMPOSE_PROFILES: "b,c" })).toEqual(["a"]);
    expect(activeProfiles([], { COMPOSE_PROFILES: "b, c" })).toEqual(["b", "c"]);
    expect(activeProfiles(undefined, {})).toEqual([]);
  });

  it("enables services without profiles, with an active profile, or with *", () => {
    expect(isServiceEnabled({}, [])).toBe(true);
    expect(isServiceEnabled({ profiles: ["debug"] }, [])).toBe(false);
    expect(isServiceEnabled({ profiles: ["debug"] }, ["debug"])).toBe(true);
    expect(isServiceEnabled({ profiles: ["debug"] }, ["*"])).toBe(true);
  });
});
