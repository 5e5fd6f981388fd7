import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DotenvError, parseDotenv, readDotenvFile } from "../../src/compose/dotenv.js";
import { UserError } from "../../src/compose/errors.js";
import type { Lookup } from "../../src/compose/template.js";

const parse = (text: string, lookup?: Lookup) => parseDotenv(text, { file: "test.env", lookup });
const from =
  (vars: Record<string, string>): Lookup =>
  (name) =>
    Object.hasOwn(vars, name) ? vars[name] : undefined;

function errorOf(run: () => unknown): DotenvError {
  try {
    run();
  } catch (e) {
    if (e instanceof DotenvError) return e;
    throw e;
  }
  throw new Error("expected a DotenvError");
}

describe("parseDotenv — single statements (compose-go's parsing cases)", () => {
  it.each([
    ["FOO=bar", "FOO", "bar"],
    ["FOO =bar", "FOO", "bar"],
    ["FOO= bar", "FOO", "bar"],
    ['FOO="bar"', "FOO", "bar"],
    ["FOO='bar'", "FOO", "bar"],
    ['FOO="escaped\\"bar"', "FOO", 'escaped"bar'],
    ['FOO="\\"quoted\\""', "FOO", '"quoted"'],
    [`FOO="'d'"`, "FOO", "'d'"],
    ["OPTION_A: 1", "OPTION_A", "1"],
    ["OPTION_A: Foo=bar", "OPTION_A", "Foo=bar"],
    ["OPTION_A=1:B", "OPTION_A", "1:B"],
    ["export OPTION_A=2", "OPTION_A", "2"],
    ["export OPTION_B='\\n'", "OPTION_B", "\\n"],
    ["export exportFoo=2", "exportFoo", "2"],
    ["exportFOO=2", "exportFOO", "2"],
    ["export_FOO =2", "export_FOO", "2"],
    ["export.FOO= 2", "export.FOO", "2"],
    ["export\tOPTION_A=2", "OPTION_A", "2"],
    ["  export OPTION_A=2", "OPTION_A", "2"],
    ["\texport OPTION_A=2", "OPTION_A", "2"],
    ['export OPTION_A="export A"', "OPTION_A", "export A"],
    ["export=1", "export", "1"],
    ['FOO="bar\\nbaz"', "FOO", "bar\nbaz"],
    ["FOO=a\\tb", "FOO", "a\\tb"],
    ['FOO="a\\tb"', "FOO", "a\tb"],
    ['KEY="Z\\aZ\\bZ\\fZ\\nZ\\rZ\\tZ\\vZ\\\\Z\\0123Z"', "KEY", "Z\x07Z\bZ\fZ\nZ\rZ\tZ\vZ\\ZSZ"],
    ["FOO.BAR=foobar", "FOO.BAR", "foobar"],
    ["FOO=foobar=", "FOO", "foobar="],
    ["FOO=bar ", "FOO", "bar"],
    ["FOO=bar # this is foo", "FOO", "bar"],
    ["FOO=bar #this is foo", "FOO", "bar"],
    ["FOO=bar #", "FOO", "bar"],
    ["FOO=123#not-an-inline-comment", "FOO", "123#not-an-inline-comment"],
    ['FOO="bar#baz"', "FOO", "bar#baz"],
    ['FOO="bar#baz"#', "FOO", "bar#baz"],
    ['FOO="bar#baz" # comment', "FOO", "bar#baz"],
    ["FOO='bar#baz' # comment", "FOO", "bar#baz"],
    ['FOO="bar#baz#bang" # comment', "FOO", "bar#baz#bang"],
    ['FOO="ba#r"', "FOO", "ba#r"],
    ["FOO='ba#r'", "FOO", "ba#r"],
    ['FOO="bar\\n\\ b\\az"', "FOO", "bar\n\\ b\x07z"],
    ['FOO="bar\\\\\\n\\ b\\az"', "FOO", "bar\\\n\\ b\x07z"],
    ['FOO="bar\\\\r\\ b\\az"', "FOO", "bar\\r\\ b\x07z"],
    ['FOO="bar\\nbaz\\\\"', "FOO", "bar\nbaz\\"],
    ['="value"', "", "value"],
    [" KEY =value", "KEY", "value"],
    ["   KEY=value", "KEY", "value"],
    ["\tKEY=value", "KEY", "value"],
    ['KEY="\\0123"', "KEY", "S"],
    ['KEY="\\x07"', "KEY", "\\x07"],
    ['KEY="\\u12e4"', "KEY", "\\u12e4"],
    ['KEY="\\U00101234"', "KEY", "\\U00101234"],
    // the compose-spec env_file examples
    ["VAR=VAL", "VAR", "VAL"],
    ["VAR=VAL # comment", "VAR", "VAL"],
    ["VAR=VAL# not a comment", "VAR", "VAL# not a comment"],
    ['VAR="VAL # not a comment"', "VAR", "VAL # not a comment"],
    ['VAR="VAL" # comment', "VAR", "VAL"],
    ["VAR='$OTHER'", "VAR", "$OTHER"],
    ["VAR='${OTHER}'", "VAR", "${OTHER}"],
    ["VAR='Let\\'s go!'", "VAR", "Let's go!"],
    ['VAR="{\\"hello\\": \\"json\\"}"', "VAR", '{"hello": "json"}'],
    ['VAR="some\\tvalue"', "VAR", "some\tvalue"],
    ["VAR='some\\tvalue'", "VAR", "some\\tvalue"],
    ["VAR=some\\tvalue", "VAR", "some\\tvalue"],
  ])("%j → %j = %j", (input, key, value) => {
    const env = parse(input);
    expect(Object.keys(env)).toEqual([key]);
    expect(env[key]).toBe(value);
  });

  it.each([
    ['K="a\\0b"', "a\\b"], // `\0` with no digits: compose-go drops the 0 and keeps the backslash
    ['K="\\01"', "\\1"],
    ['K="\\0400"', "\\400"], // above \377
    ['K="\\0089"', "\\089"],
    ['K="\\0377"', "\u00ff"],
    ['K="\\c"', "\\c"],
    ['K="\\q"', "\\q"],
    ['K="\\$HOME"', "$HOME"],
    ["K=$$HOME", "$HOME"],
    ["K= #comment", "#comment"], // the value starts at the hash, so it is no comment
    ["K=a\t# tab is not a space", "a\t# tab is not a space"],
    ["K=  spaced value  ", "spaced value"],
    ["K=", ""],
    ["K=\n", ""],
    ["K:", ""],
    ["K=a\r\n", "a"],
    ["K = 'single'  # c", "single"],
    ["K\u00a0=x", "x"], // NBSP counts as a blank around keys
  ])("%j → %j", (input, value) => {
    expect(parse(input).K).toBe(value);
  });
});

describe("parseDotenv — files", () => {
  it("reads compose-go's plain.env fixture", () => {
    const text =
      "OPTION_A=1\nOPTION_B=2\nOPTION_C= 3\nOPTION_D =4\nOPTION_E = 5\nOPTION_F = \nOPTION_G=\nOPTION_H = my string # Inline comment\n";
    expect(parse(text)).toEqual({
      OPTION_A: "1",
      OPTION_B: "2",
      OPTION_C: "3",
      OPTION_D: "4",
      OPTION_E: "5",
      OPTION_F: "",
      OPTION_G: "",
      OPTION_H: "my string",
    });
  });

  it("reads compose-go's quoted.env fixture, multi-line single quotes included", () => {
    const text = [
      "OPTION_A='1'",
      "OPTION_B='2'",
      "OPTION_C=''",
      "OPTION_D='\\n'",
      'OPTION_E="1"',
      'OPTION_F="2"',
      'OPTION_G=""',
      'OPTION_H="\\n"',
      "OPTION_I = \"echo 'asd'\"",
      "OPTION_J = 'first line",
      "second line",
      "third line",
      "and so on'",
      'OPTION_Z = "last value"',
      "",
    ].join("\n");
    expect(parse(text)).toEqual({
      OPTION_A: "1",
      OPTION_B: "2",
      OPTION_C: "",
      OPTION_D: "\\n",
      OPTION_E: "1",
      OPTION_F: "2",
      OPTION_G: "",
      OPTION_H: "\n",
      OPTION_I: "echo 'asd'",
      OPTION_J: "first line\nsecond line\nthird line\nand so on",
      OPTION_Z: "last value",
    });
  });

  it("keeps double-quoted values spanning lines", () => {
    const text = 'TEST_URLS="stratum+tcp://stratum.antpool.com:3333\nstratum+tcp://stratum.antpool.com:443"';
    expect(parse(text)).toEqual({
      TEST_URLS: "stratum+tcp://stratum.antpool.com:3333\nstratum+tcp://stratum.antpool.com:443",
    });
  });

  it("accepts unicode, dashes, dots and brackets in keys", () => {
    const text =
      "\na=b\na[1]=c\na.propertyKey=d\nárvíztűrő-TÜKÖRFÚRÓGÉP=ÁRVÍZTŰRŐ-tükörfúrógép\nVAR-WITH-DASHES=dashes\n";
    expect(parse(text)).toEqual({
      a: "b",
      "a[1]": "c",
      "a.propertyKey": "d",
      "árvíztűrő-TÜKÖRFÚRÓGÉP": "ÁRVÍZTŰRŐ-tükörfúrógép",
      "VAR-WITH-DASHES": "dashes",
    });
  });

  it.each(["\n", "\r\n", "\t\t ", "# Comment", "\t # comment", "#a\n#b\n\n  \n"])("ignores %j", (text) => {
    expect(parse(text)).toEqual({});
  });

  it("skips a UTF-8 BOM and handles CRLF line ends", () => {
    expect(parse("\uFEFFOPTION_A=1\r\nOPTION_B='2'\r\n# c\r\nOPTION_C\r\n", from({ OPTION_C: "3" }))).toEqual({
      OPTION_A: "1",
      OPTION_B: "2",
      OPTION_C: "3",
    });
  });

  it("keeps the last value of a repeated key", () => {
    expect(parse("A=1\nA=2")).toEqual({ A: "2" });
  });

  it("starts the next statement right after a closing quote", () => {
    expect(parse('A="x" B=y\nC="z"D=w', from({}))).toEqual({ A: "x", B: "y", C: "z", D: "w" });
    expect(parse("A='x' INHERITED\n", from({ INHERITED: "i" }))).toEqual({ A: "x", INHERITED: "i" });
  });

  it("keeps a key named __proto__ as an ordinary key", () => {
    const env = parse("__proto__=x");
    expect(Object.keys(env)).toEqual(["__proto__"]);
    expect(Object.getOwnPropertyDescriptor(env, "__proto__")?.value).toBe("x");
  });
});

describe("parseDotenv — inherited keys", () => {
  it("takes a bare KEY from the lookup and drops it when the lookup does not know it", () => {
    const text = "FOO=bar\nVARIABLE_NOT_FOUND\nBAR=baz\nVAR_TO_BE_LOADED_FROM_OS_ENV\n";
    const asked: string[] = [];
    const env = parse(text, (name) => {
      asked.push(name);
      return name === "VAR_TO_BE_LOADED_FROM_OS_ENV" ? "SOME_RANDOM_VALUE" : undefined;
    });
    expect(env).toEqual({ FOO: "bar", BAR: "baz", VAR_TO_BE_LOADED_FROM_OS_ENV: "SOME_RANDOM_VALUE" });
    expect(asked).toEqual(["VARIABLE_NOT_FOUND", "VAR_TO_BE_LOADED_FROM_OS_ENV"]);
  });

  it("inherits an empty value as a value", () => {
    expect(parse("EMPTY\n", from({ EMPTY: "" }))).toEqual({ EMPTY: "" });
  });

  it("does not let a bare key see earlier keys of the same file", () => {
    expect(parse("A=1\nA\n", from({}))).toEqual({ A: "1" });
  });

  it("reads a last line without `=` and without newline as the value of the empty key, like compose-go", () => {
    expect(parse("A=1\nFOO", from({ FOO: "x" }))).toEqual({ A: "1", "": "FOO" });
  });
});

describe("parseDotenv — interpolation", () => {
  it.each([
    ["FOO=test\nBAR=$FOO", { FOO: "test", BAR: "test" }],
    ["FOO=test\nBAR=${FOO}bar", { FOO: "test", BAR: "testbar" }],
    ["BAR=$FOO", { BAR: "" }],
    ['FOO=test\nBAR="quote $FOO"', { FOO: "test", BAR: "quote test" }],
    ["BAR='quote $FOO'", { BAR: "quote $FOO" }],
    ['FOO="foo\\$BAR"', { FOO: "foo$BAR" }],
    ['FOO="foo\\${BAR}"', { FOO: "foo${BAR}" }],
    ['FOO=test\nBAR="foo\\${FOO} ${FOO}"', { FOO: "test", BAR: "foo${FOO} test" }],
    ["A=${UNSET:-d}\nB=${A:+set}\nC=${EMPTY-x}", { A: "d", B: "set", C: "x" }],
    ["RESULT=${EMPTY_VAR:-Default Value}", { RESULT: "Default Value" }],
  ])("%j", (text, expected) => {
    expect(parse(text)).toEqual(expected);
  });

  // compose-go's substitutions.env and substitutions-default.env fixtures
  const substitutions =
    "OPTION_A=1\nOPTION_B=${OPTION_A}\nOPTION_C=$OPTION_B\nOPTION_D=${OPTION_A}_${OPTION_B}\nOPTION_E=${OPTION_NOT_DEFINED}\n";
  const substitutionsDefault =
    "OPTION_A=${OPTION_A:-1}\nOPTION_B=${OPTION_A}\nOPTION_C=$OPTION_B\nOPTION_D=${OPTION_A}_${OPTION_B}\nOPTION_E=${OPTION_NOT_DEFINED}\n";

  it("uses earlier keys of the file when the lookup does not know a variable", () => {
    const expected = { OPTION_A: "1", OPTION_B: "1", OPTION_C: "1", OPTION_D: "1_1", OPTION_E: "" };
    expect(parse(substitutions, from({}))).toEqual(expected);
    expect(parse(substitutionsDefault, from({}))).toEqual(expected);
  });

  it("prefers the lookup over earlier keys of the file (compose-go's precedence)", () => {
    expect(parse(substitutions, from({ OPTION_A: "5" }))).toEqual({
      OPTION_A: "1",
      OPTION_B: "5",
      OPTION_C: "5",
      OPTION_D: "5_5",
      OPTION_E: "",
    });
    expect(parse(substitutionsDefault, from({ OPTION_A: "5" }))).toEqual({
      OPTION_A: "5",
      OPTION_B: "5",
      OPTION_C: "5",
      OPTION_D: "5_5",
      OPTION_E: "",
    });
  });

  it("expands from the lookup", () => {
    expect(parse("TEST=$ME", from({ ME: "YES" }))).toEqual({ TEST: "YES" });
  });

  it("reports unset variables", () => {
    const unset: string[] = [];
    parseDotenv("A=$X\nB=\"${Y}\"\nC='$Z'\nD=${W:-d}", { file: "f", onUnset: (n) => unset.push(n) });
    expect(unset).toEqual(["X", "Y"]);
  });

  it("fails on a missing required variable, naming the file", () => {
    const e = errorOf(() => parse("A=1\nB=${NEED:?set NEED}"));
    expect(e).toBeInstanceOf(UserError);
    expect(e.message).toBe("failed to read test.env: required variable NEED is missing a value: set NEED");
    expect(e.file).toBe("test.env");
    expect(e.line).toBe(2);
  });

  it("fails on an invalid template, naming the file", () => {
    expect(errorOf(() => parse('A="${"')).message).toBe('failed to read test.env: Invalid template: "${"');
  });
});

describe("parseDotenv — errors", () => {
  it("rejects a bad character in a name", () => {
    expect(errorOf(() => parse("lol$wut")).message).toBe(
      'failed to read test.env: line 1: unexpected character "$" in variable name "lol$wut"',
    );
    expect(errorOf(() => parse("%!(EXTRA string)=foo")).message).toBe(
      'failed to read test.env: line 1: unexpected character "%" in variable name "%!(EXTRA string)=foo"',
    );
  });

  it("counts lines like compose-go", () => {
    const e = errorOf(() => parse("A=1\n# comment\n\nB='x'\nC=\"multi\nline\"\nD=4\nBAD KEY=1\n"));
    expect(e.message).toBe("failed to read test.env: line 8: key cannot contain a space");
    expect(e.line).toBe(8);
    expect(errorOf(() => parse("A=1\nB=2\nC=3\nD=4\nE=5\nF=6\nG H=7")).message).toContain(
      "line 7: key cannot contain a space",
    );
    expect(errorOf(() => parse("A=1\n  \tb@d=1")).message).toContain(
      'line 2: unexpected character "@" in variable name "b@d=1"',
    );
  });

  it.each([
    'KEY="',
    'KEY="value',
    'KEY="value\\"',
    "KEY=\"value'",
    "KEY='",
    "KEY='value",
    "KEY='value\\'",
    "KEY='value\"",
  ])("rejects the unterminated %j", (text) => {
    expect(errorOf(() => parse(text)).message).toBe(
      `failed to read test.env: line 1: unterminated quoted value ${text.slice(4)}`,
    );
  });

  it("reports an unterminated quote on the line compose-go's counter has reached", () => {
    expect(errorOf(() => parse('A=1\nB="oops\nC=3')).message).toBe(
      'failed to read test.env: line 3: unterminated quoted value "oops',
    );
  });

  it("rejects `export` with nothing after it", () => {
    expect(errorOf(() => parse("export ")).message).toBe("failed to read test.env: zero length string");
  });

  it("rejects a key with a space even when it is inherited", () => {
    expect(errorOf(() => parse("A B\n")).message).toBe("failed to read test.env: line 1: key cannot contain a space");
  });
});

describe("readDotenvFile", () => {
  const dir = mkdtempSync(join(tmpdir(), "c2ts-dotenv-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("reads and parses a file with a lookup", () => {
    const file = join(dir, "app.env");
    writeFileSync(file, "\uFEFFA=1\nB=${HOME_DIR}/x\nC\n");
    expect(readDotenvFile(file, from({ HOME_DIR: "/home/me", C: "c" }))).toEqual({ A: "1", B: "/home/me/x", C: "c" });
  });

  it("names the file in parse errors", () => {
    const file = join(dir, "bad.env");
    writeFileSync(file, "OK=1\nNOT OK=2\n");
    expect(() => readDotenvFile(file)).toThrow(`failed to read ${file}: line 2: key cannot contain a space`);
  });

  it("fails with a UserError naming a missing file or a directory", () => {
    const missing = join(dir, "nope.env");
    expect(() => readDotenvFile(missing)).toThrow(UserError);
    expect(() => readDotenvFile(missing)).toThrow(`couldn't find env file: ${missing}`);
    expect(() => readDotenvFile(dir)).toThrow(`${dir} is a directory`);
  });
});
