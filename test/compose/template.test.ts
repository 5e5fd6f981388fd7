import { describe, expect, it } from "vitest";
import { UserError } from "../../src/compose/errors.js";
import { goQuote } from "../../src/compose/go-format.js";
import {
  evaluateTemplate,
  hasInterpolation,
  interpolateString,
  MissingVariableError,
  parseTemplate,
  TemplateSyntaxError,
  type Lookup,
} from "../../src/compose/template.js";

// The variables compose-go's template tests run against.
const env: Record<string, string> = { FOO: "first", BAR: "", JSON: '{"json":2}' };
const lookup: Lookup = (name) => (Object.hasOwn(env, name) ? env[name] : undefined);
const sub = (input: string) => interpolateString(input, lookup);

describe("interpolateString — compose-go template cases", () => {
  it.each([
    ["$${foo}", "${foo}"],
    ["foo", "foo"],
    ["$FOO-bar", "first-bar"],
    ["This ${missing} var", "This  var"],
    ["This ${BAR} var", "This  var"],
    ["This $FOO var", "This first var"],
    ["This ${FOO} var", "This first var"],
    ["ok ${missing:-def}", "ok def"],
    ["ok ${missing-def}", "ok def"],
    ["ok ${BAR:-def}", "ok def"],
    ["ok ${FOO:-def}", "ok first"],
    ["ok ${BAR-def}", "ok "],
    ["ok ${UNSET_VAR:+presence_value}", "ok "],
    ["ok ${UNSET_VAR+presence_value}", "ok "],
    ["ok ${FOO:+presence_value}", "ok presence_value"],
    ["ok ${FOO+presence_value}", "ok presence_value"],
    ["ok ${BAR+presence_value}", "ok presence_value"],
    ["ok ${BAR:+presence_value}", "ok "],
    ["ok ${BAR:-/non:-alphanumeric}", "ok /non:-alphanumeric"],
    ["ok ${FOO:?err}", "ok first"],
    ["ok ${FOO?err}", "ok first"],
    ["ok ${BAR?err}", "ok "],
    ["ok ${SUBDOMAIN:-redis}.${FOO:?}", "ok redis.first"],
    ['ok ${missing:-{"json":1}}', 'ok {"json":1}'],
    ['ok ${missing-{"json":1}}', 'ok {"json":1}'],
    ['ok ${JSON:-{"json":1}}', 'ok {"json":2}'],
    ['ok ${JSON-{"json":1}}', 'ok {"json":2}'],
  ])("%j → %j", (input, expected) => {
    expect(sub(input)).toBe(expected);
  });

  it.each(["a $ string", "^REGEX$", "$}", "$", "$1", "$-x", "$ {FOO}", "price: 5$", "$é"])(
    "leaves a $ that starts nothing alone: %j",
    (input) => {
      expect(sub(input)).toBe(input);
    },
  );

  it.each(["${", "${}", "${ }", "${ foo}", "${foo }", "${foo!}", "${FOO", "${FOO:-x", "${FOO:x}", "${1}", "${-}"])(
    "rejects %j",
    (input) => {
      expect(() => sub(input)).toThrow(TemplateSyntaxError);
      expect(() => sub(input)).toThrow(`Invalid template: ${JSON.stringify(input)}`);
    },
  );

  it.each([
    ["-ok ${BAR:-defaultValue}", "-ok defaultValue"],
    ["+ok ${UNSET:-${BAR-defaultValue}}", "+ok "],
    ["-ok ${FOO:-defaultValue}", "-ok first"],
    [":-ok ${UNSET-defaultValue}", ":-ok defaultValue"],
    [":-ok ${BAR-defaultValue}", ":-ok "],
    [":?ok ${BAR-defaultValue}", ":?ok "],
    [":?ok ${BAR:-defaultValue}", ":?ok defaultValue"],
    [":+ok ${BAR:-defaultValue}", ":+ok defaultValue"],
    ["+ok ${BAR-defaultValue}", "+ok "],
    ["?ok ${BAR:-defaultValue}", "?ok defaultValue"],
  ])("is not confused by operators in the surrounding text: %j", (input, expected) => {
    expect(sub(input)).toBe(expected);
  });

  it.each([
    ["ok ${UNSET_VAR-$FOO}", "ok first"],
    ["ok ${UNSET_VAR-${FOO}}", "ok first"],
    ["ok ${UNSET_VAR-${FOO} ${FOO}}", "ok first first"],
    ["ok ${BAR:-$FOO}", "ok first"],
    ["ok ${BAR:-${FOO}}", "ok first"],
    ["ok ${BAR:-${FOO} ${FOO}}", "ok first first"],
    ["ok ${BAR+$FOO}", "ok first"],
    ["ok ${BAR+$FOO ${FOO:+second}}", "ok first second"],
    ["${A:-${B:-${C:-deep}}}", "deep"],
    ["${A:-${FOO:+${JSON}}}", '{"json":2}'],
  ])("expands nested defaults: %j", (input, expected) => {
    expect(sub(input)).toBe(expected);
  });

  it.each([
    ["${UNSET_VAR?bar-baz}", "required variable UNSET_VAR is missing a value: bar-baz"],
    [
      "not ok ${UNSET_VAR:?Mandatory Variable Unset}",
      "required variable UNSET_VAR is missing a value: Mandatory Variable Unset",
    ],
    ["not ok ${BAR:?Mandatory Variable Empty}", "required variable BAR is missing a value: Mandatory Variable Empty"],
    ["not ok ${UNSET_VAR:?}", "required variable UNSET_VAR is missing a value"],
    [
      "not ok ${UNSET_VAR?Mandatory Variable Unset}",
      "required variable UNSET_VAR is missing a value: Mandatory Variable Unset",
    ],
    ["not ok ${UNSET_VAR?}", "required variable UNSET_VAR is missing a value"],
    [
      "not ok ${UNSET_VAR:?Mandatory Variable ${FOO}}",
      "required variable UNSET_VAR is missing a value: Mandatory Variable first",
    ],
    [
      "not ok ${UNSET_VAR?Mandatory Variable ${FOO}}",
      "required variable UNSET_VAR is missing a value: Mandatory Variable first",
    ],
  ])("%j fails with compose's message", (input, message) => {
    let error: unknown;
    try {
      sub(input);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MissingVariableError);
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toBe(message);
  });

  it("exposes the variable and the reason of a missing required variable", () => {
    expect(() => sub("${X:?set X first}")).toThrow(
      expect.objectContaining({ variable: "X", reason: "set X first" }) as unknown as Error,
    );
  });

  it.each([
    ["${UNSET_VAR-myerror?msg}", "myerror?msg"],
    ["${FOO?bar-baz}", "first"],
    ["${BAR:-default_value_for_empty_var}", "default_value_for_empty_var"],
    ["${UNSET_VAR-default_value_for_unset_var}", "default_value_for_unset_var"],
    ["${UNSET:-a:?b}", "a:?b"],
    ["${FOO:+a-b?c}", "a-b?c"],
  ])("takes the first operator after the name: %j", (input, expected) => {
    expect(sub(input)).toBe(expected);
  });
});

describe("interpolateString — edge cases of compose-go's regex", () => {
  it.each([
    ["${VAR:-}", ""],
    ["${FOO:-}", "first"],
    ["$$", "$"],
    ["$$$", "$$"],
    ["$$FOO", "$FOO"],
    ["$$$FOO", "$first"],
    ["a$$b", "a$b"],
    ["${FOO}${FOO}", "firstfirst"],
    ["$FOO$FOO", "firstfirst"],
    ["$FOO_bar", ""], // the name is FOO_bar, which is unset
    ["${FOO}_bar", "first_bar"],
    ["$FOO.bar", "first.bar"],
    ["${A:-x}}", "x}"], // the default ends at the first balanced brace
    ["${A:-x} and ${FOO}", "x and first"],
    ["${A:-x}\n}", "x\n}"], // a default never spans lines
    ["${A:-{}x} y}", "{}x} y"], // compose-go skips the character after every `{` when counting braces
    ["${A:-{x}", "{x"], // unbalanced: the whole match is the reference
    ["${A:-$$}", "$"],
    ["${A:-$}", "$"],
    ["${A:-a$1}", "a$1"],
    ["${FOO:-${}}", "first"], // the default is never evaluated, so its syntax error never surfaces
    ["${FOO-${B:?boom}}", "first"],
    ["${FOO:+}", ""],
  ])("%j → %j", (input, expected) => {
    expect(sub(input)).toBe(expected);
  });

  it("matches names case-insensitively, like Go's (?i)[a-z]", () => {
    const look: Lookup = (n) => ({ lower: "l", MiXeD_9: "m", "\u212A": "kelvin" })[n];
    expect(interpolateString("$lower ${MiXeD_9} $\u212A", look)).toBe("l m kelvin");
  });

  it("reports the sub-template compose-go was scanning when it hit the bad `${`", () => {
    const templateOf = (input: string) => {
      try {
        sub(input);
      } catch (e) {
        return (e as TemplateSyntaxError).template;
      }
      return undefined;
    };
    expect(templateOf("${FOO} ${}")).toBe("${FOO} ${}");
    // after a reference with an operator, the rest of the line is its own template
    expect(templateOf("${A:-x} ${}")).toBe(" ${}");
    expect(templateOf("${UNSET:-${}}")).toBe("${}");
    expect(templateOf("${UNSET:-a ${ b}")).toBe("a ${ b");
  });

  it("reports unset variables referenced without an operator, once per reference", () => {
    const unset: string[] = [];
    const out = interpolateString("$A ${B} ${C:-x} ${D-x} ${E:+x} ${E+x} ${FOO} ${BAR} ${F:-$G} ${A}", lookup, {
      onUnset: (n) => unset.push(n),
    });
    expect(out).toBe("  x x   first   ");
    expect(unset).toEqual(["A", "B", "G", "A"]);
  });

  it("evaluates defaults lazily, so a default's unset variable is reported only when used", () => {
    const unset: string[] = [];
    interpolateString("${FOO:-$NOPE}", lookup, { onUnset: (n) => unset.push(n) });
    expect(unset).toEqual([]);
  });

  it("asks the lookup once per reference and does not touch strings without `$`", () => {
    const asked: string[] = [];
    const look: Lookup = (n) => {
      asked.push(n);
      return n === "X" ? "x" : undefined;
    };
    expect(interpolateString("${X:-a}-${Y-b}", look)).toBe("x-b");
    expect(asked).toEqual(["X", "Y"]);
    expect(interpolateString("no dollar", () => expect.fail("no lookup expected"))).toBe("no dollar");
  });
});

describe("parseTemplate", () => {
  it("gives the AST code generation needs", () => {
    expect(parseTemplate("${CONFIG_PATH:-./volumes}/data")).toEqual([
      { kind: "var", name: "CONFIG_PATH", op: ":-", arg: [{ kind: "text", value: "./volumes" }] },
      { kind: "text", value: "/data" },
    ]);
  });

  it("nests arguments and merges literal text", () => {
    expect(parseTemplate("a$$b ${A:-${B:-c}}$X-y")).toEqual([
      { kind: "text", value: "a$b " },
      {
        kind: "var",
        name: "A",
        op: ":-",
        arg: [{ kind: "var", name: "B", op: ":-", arg: [{ kind: "text", value: "c" }] }],
      },
      { kind: "var", name: "X" },
      { kind: "text", value: "-y" },
    ]);
  });

  it.each([
    ["${A}", [{ kind: "var", name: "A" }]],
    ["${A?}", [{ kind: "var", name: "A", op: "?", arg: [] }]],
    ["${A:?}", [{ kind: "var", name: "A", op: ":?", arg: [] }]],
    ["${A+x}", [{ kind: "var", name: "A", op: "+", arg: [{ kind: "text", value: "x" }] }]],
    ["${A:+x}", [{ kind: "var", name: "A", op: ":+", arg: [{ kind: "text", value: "x" }] }]],
    ["${A-x}", [{ kind: "var", name: "A", op: "-", arg: [{ kind: "text", value: "x" }] }]],
    [
      "${A:-x}}",
      [
        { kind: "var", name: "A", op: ":-", arg: [{ kind: "text", value: "x" }] },
        { kind: "text", value: "}" },
      ],
    ],
    ["$1", [{ kind: "text", value: "$1" }]],
    ["", []],
  ])("%j", (input, expected) => {
    expect(parseTemplate(input)).toEqual(expected);
  });

  it("rejects invalid syntax anywhere, even in an argument interpolation might never evaluate", () => {
    expect(() => parseTemplate("${FOO:-${}}")).toThrow(TemplateSyntaxError);
    expect(() => parseTemplate("ok ${")).toThrow('Invalid template: "ok ${"');
  });

  it("evaluates to what interpolateString gives", () => {
    const inputs = ["${CONFIG_PATH:-./volumes}/data", "ok ${BAR+$FOO ${FOO:+second}}", "$$${FOO}$", "${A:-{}x} y}"];
    for (const input of inputs) expect(evaluateTemplate(parseTemplate(input), lookup)).toBe(sub(input));
  });

  it("reports unset variables through evaluateTemplate too", () => {
    const unset: string[] = [];
    expect(evaluateTemplate(parseTemplate("${NOPE}x"), lookup, { onUnset: (n) => unset.push(n) })).toBe("x");
    expect(unset).toEqual(["NOPE"]);
  });
});

describe("hasInterpolation", () => {
  it.each([
    ["plain", false],
    ["", false],
    ["$1 and $ and $}", false],
    ["$FOO", true],
    ["${FOO:-x}", true],
    ["a$$b", true],
    ["${", true],
  ])("%j → %s", (input, expected) => {
    expect(hasInterpolation(input)).toBe(expected);
  });
});

describe("goQuote", () => {
  it.each([
    ["abc", '"abc"'],
    ['a"b\\c', '"a\\"b\\\\c"'],
    ["a\nb\tc\x07", '"a\\nb\\tc\\a"'],
    ["\x01\x7f", '"\\x01\\x7f"'],
    ["é ü 日本", '"é ü 日本"'],
    ["\u00a0", '"\\u00a0"'],
  ])("%j", (input, expected) => {
    expect(goQuote(input)).toBe(expected);
  });
});
