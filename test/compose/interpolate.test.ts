import { describe, expect, it } from "vitest";
import { UserError } from "../../src/compose/errors.js";
import { composePath, dottedPath, InterpolationError, interpolateTree } from "../../src/compose/interpolate.js";
import type { Lookup } from "../../src/compose/template.js";
import { Override, RESET } from "../../src/compose/yaml-tags.js";

const env: Record<string, string> = { TAG: "1.2", PORT: "8080", EMPTY: "", NAME: "web" };
const lookup: Lookup = (name) => (Object.hasOwn(env, name) ? env[name] : undefined);

function errorOf(run: () => unknown): InterpolationError {
  try {
    run();
  } catch (e) {
    if (e instanceof InterpolationError) return e;
    throw e;
  }
  throw new Error("expected an InterpolationError");
}

describe("interpolateTree", () => {
  it("interpolates every string value at any depth, and never keys", () => {
    const input = {
      name: "${NAME}-stack",
      services: {
        "${NAME}": {
          image: "nginx:${TAG}",
          command: ["echo", "$PORT", ["nested", "${TAG:-x}"]],
          environment: { "${TAG}": "${EMPTY:-fallback}", KEEP: null },
          ports: [8080, "${PORT}:80"],
          privileged: true,
          cpus: 1.5,
        },
      },
    };
    expect(interpolateTree(input, lookup)).toEqual({
      name: "web-stack",
      services: {
        "${NAME}": {
          image: "nginx:1.2",
          command: ["echo", "8080", ["nested", "1.2"]],
          environment: { "${TAG}": "fallback", KEEP: null },
          ports: [8080, "8080:80"],
          privileged: true,
          cpus: 1.5,
        },
      },
    });
  });

  it("leaves the input untouched and keeps key order", () => {
    const input = { b: "$TAG", a: ["$TAG"], c: { z: 1, y: "$PORT" } };
    const snapshot = structuredClone(input);
    const out = interpolateTree(input, lookup) as typeof input;
    expect(input).toEqual(snapshot);
    expect(Object.keys(out)).toEqual(["b", "a", "c"]);
    expect(Object.keys(out.c)).toEqual(["z", "y"]);
    expect(out.a).not.toBe(input.a);
  });

  it("passes !reset markers through and interpolates inside !override", () => {
    const out = interpolateTree(
      { services: { web: { ports: RESET, image: new Override("img:${TAG}"), volumes: [new Override(["$PORT"])] } } },
      lookup,
    ) as { services: { web: { ports: unknown; image: Override; volumes: Override[] } } };
    expect(out.services.web.ports).toBe(RESET);
    expect(out.services.web.image).toBeInstanceOf(Override);
    expect(out.services.web.image.value).toBe("img:1.2");
    expect(out.services.web.volumes[0]).toBeInstanceOf(Override);
    expect(out.services.web.volumes[0]!.value).toEqual(["8080"]);
  });

  it("keeps scalars that are not strings as they are", () => {
    expect(interpolateTree(42, lookup)).toBe(42);
    expect(interpolateTree(null, lookup)).toBe(null);
    expect(interpolateTree([true, 1.5, null, undefined], lookup)).toEqual([true, 1.5, null, undefined]);
    expect(interpolateTree("$TAG", lookup)).toBe("1.2");
  });

  it("keeps a key named __proto__ as an ordinary key", () => {
    const input = JSON.parse('{"environment": {"__proto__": "$TAG"}}') as Record<string, unknown>;
    const out = interpolateTree(input, lookup) as { environment: Record<string, unknown> };
    expect(Object.keys(out.environment)).toEqual(["__proto__"]);
    expect(Object.getOwnPropertyDescriptor(out.environment, "__proto__")?.value).toBe("1.2");
  });

  it("reports unset variables", () => {
    const unset: string[] = [];
    interpolateTree({ a: "$NOPE", b: ["${ALSO_NOPE}", "${X:-d}"], c: { d: "$TAG" } }, lookup, {
      onUnset: (n) => unset.push(n),
    });
    expect(unset).toEqual(["NOPE", "ALSO_NOPE"]);
  });

  it("names the path of an invalid template the way compose does", () => {
    const e = errorOf(() => interpolateTree({ services: { web: { environment: { FOO: "a ${ b" } } } }, lookup));
    expect(e).toBeInstanceOf(UserError);
    expect(e.message).toBe(
      "invalid interpolation format for services.web.environment.FOO.\nYou may need to escape any $ with another $.\na ${ b",
    );
    expect(e.segments).toEqual(["services", "web", "environment", "FOO"]);
    expect(e.path).toBe("services.web.environment.FOO");
  });

  it("prints list items as [] but keeps their index in the segments", () => {
    const e = errorOf(() => interpolateTree({ services: { web: { command: ["ok", "${}"] } } }, lookup));
    expect(e.message).toBe(
      "invalid interpolation format for services.web.command.[].\nYou may need to escape any $ with another $.\n${}",
    );
    expect(e.segments).toEqual(["services", "web", "command", 1]);
    expect(e.path).toBe("services.web.command[1]");
  });

  it("wraps a missing required variable with the path", () => {
    const e = errorOf(() => interpolateTree({ services: { web: { image: "app:${VERSION:?set VERSION}" } } }, lookup));
    expect(e.message).toBe(
      "error while interpolating services.web.image: required variable VERSION is missing a value: set VERSION",
    );
    expect(e.segments).toEqual(["services", "web", "image"]);
  });

  it("finds errors inside !override values, at the same path", () => {
    const e = errorOf(() => interpolateTree({ services: { web: { image: new Override("${X?}") } } }, lookup));
    expect(e.message).toBe("error while interpolating services.web.image: required variable X is missing a value");
    expect(e.segments).toEqual(["services", "web", "image"]);
  });
});

describe("path formatting", () => {
  it.each([
    [["services", "web", "ports", 0, "target"], "services.web.ports.[].target", "services.web.ports[0].target"],
    [["x"], "x", "x"],
    [[], "", ""],
    [["a", 0, 1], "a.[].[]", "a[0][1]"],
  ] as const)("%j", (segments, compose, dotted) => {
    expect(composePath(segments)).toBe(compose);
    expect(dottedPath(segments)).toBe(dotted);
  });
});
