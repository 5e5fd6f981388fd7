/**
 * An `env(...)` lookup in generated code must behave exactly like the `${...}` it came from:
 * every template is translated by the codegen, evaluated as code, resolved by the stack
 * runtime, and compared with Compose's own interpolation of the original string.
 */
import { describe, expect, it } from "vitest";
import { UserError } from "../../src/compose/errors.js";
import { interpolateString } from "../../src/compose/template.js";
import { interpolatedString } from "../../src/codegen/strings.js";
import { resolveStack } from "../../src/stack/resolve.js";
import { defineStack, env } from "../../src/stack/runtime.js";

const TEMPLATES = [
  "plain",
  "$$HOME and $${X} and 50$",
  "${A}",
  "$A-suffix",
  "${A:-default}",
  "${A-default}",
  "${A:+alt}",
  "${A+alt}",
  "${A:-${B:-deep}}/tail",
  "${A:-${B}}",
  "pre ${A:+${B:-x}} post",
  '${JSON:-{"a":1}}',
  "${A:-}",
  "`${A}` \\ ${B:-`x`}",
  "multi\nline ${A}\r\n",
  "$1 $ ${A}$",
];

const ENVIRONMENTS: Record<string, string>[] = [
  {},
  { A: "" },
  { A: "a" },
  { A: "", B: "b" },
  { B: "" },
  { A: "a$b", B: "${A}" },
];

/** Runs generated expression code with the runtime's `env`. */
function evaluate(code: string): string {
  return new Function("env", `return (${code});`)(env) as string;
}

function resolveValue(value: string, environment: Record<string, string>): unknown {
  const doc = resolveStack(defineStack({ "x-value": value }, { source: "compose.yaml" }), {
    environment,
    workingDir: "/",
  });
  return doc.data["x-value"];
}

describe("env() lookups behave like Compose interpolation", () => {
  for (const template of TEMPLATES) {
    it(JSON.stringify(template), () => {
      const code = evaluate(interpolatedString(template).code);
      for (const environment of ENVIRONMENTS) {
        const expected = interpolateString(template, (n) => environment[n]);
        expect(resolveValue(code, environment), `${JSON.stringify(environment)}`).toBe(expected);
      }
    });
  }

  it("required variables fail with the message Compose gives", () => {
    for (const [template, message] of [
      ["${DOMAIN:?set DOMAIN in .env}", "required variable DOMAIN is missing a value: set DOMAIN in .env"],
      ["${DOMAIN:?}", "required variable DOMAIN is missing a value"],
    ]) {
      const value = evaluate(interpolatedString(template!).code);
      expect(() => resolveValue(value, {})).toThrow(UserError);
      expect(() => resolveValue(value, { DOMAIN: "" })).toThrow(`error while interpolating x-value: ${message}`);
      expect(resolveValue(value, { DOMAIN: "example.org" })).toBe("example.org");
    }
    const allowEmpty = evaluate(interpolatedString("${DOMAIN?why}").code);
    expect(resolveValue(allowEmpty, { DOMAIN: "" })).toBe("");
    expect(() => resolveValue(allowEmpty, {})).toThrow("required variable DOMAIN is missing a value: why");
  });

  it("reports unset variables used without a default, as Compose warns", () => {
    const unset: string[] = [];
    const stack = defineStack(
      { services: { web: { image: `${env("REGISTRY")}/web:${env("TAG", { default: "1" })}` } } },
      { source: "c.yaml" },
    );
    resolveStack(stack, { environment: {}, workingDir: "/", onUnset: (n) => unset.push(n) });
    expect(unset).toEqual(["REGISTRY"]);
  });

  it("rejects misuse early", () => {
    expect(() => env("1BAD")).toThrow(TypeError);
    expect(() => env("A", { default: "x", required: true } as never)).toThrow(/exactly one/);
    const inKey = defineStack({ services: { [env("NAME")]: { image: "x" } } }, { source: "c.yaml" });
    expect(() => resolveStack(inKey, { environment: { NAME: "web" }, workingDir: "/" })).toThrow(
      /cannot be used in a key/,
    );
  });

  it("never holds a value: the lookup is the same string whatever the environment", () => {
    expect(env("SECRET", { default: "x" })).toBe(env("SECRET", { default: "x" }));
    expect(env("SECRET")).not.toContain("SECRET");
  });
});
