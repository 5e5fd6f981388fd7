import { describe, expect, it } from "vitest";
import { UserError } from "../../src/compose/errors.js";
import { parseComposeYaml, readComposeYamlWithPositions } from "../../src/compose/yaml.js";
import { isOverride, isReset } from "../../src/compose/yaml-tags.js";

const parse = (text: string) => parseComposeYaml(text, "/p/compose.yml");

describe("parseComposeYaml", () => {
  it("reads yaml.v3 quirks the way compose-go does", () => {
    const { documents } = parse(
      "services:\n  a:\n    restart: no\n    x-mode: 0777\n    x-dec: 0o17\n    x-yes: yes\n    x-float: 1.5\n",
    );
    expect(documents[0]!.services).toEqual({
      a: { restart: "no", "x-mode": 511, "x-dec": 15, "x-yes": "yes", "x-float": 1.5 },
    });
  });

  it("keeps quoted octal-looking strings as strings", () => {
    const { documents } = parse('x-a: "0777"\n');
    expect(documents[0]!["x-a"]).toBe("0777");
  });

  it("applies merge keys with explicit keys first, then sources in order", () => {
    const { documents } = parse(
      "x-a: &a {foo: 1, bar: 2}\nx-b: &b {bar: 3, baz: 4}\nservices:\n  s:\n    <<: [*a, *b]\n    foo: 0\n",
    );
    expect(documents[0]!.services).toEqual({ s: { foo: 0, bar: 2, baz: 4 } });
  });

  it("supports a single merge source and plain aliases", () => {
    const { documents } = parse(
      "x-env: &env {TZ: UTC}\nservices:\n  s:\n    environment: *env\n  t:\n    environment:\n      <<: *env\n      A: b\n",
    );
    expect(documents[0]!.services).toEqual({
      s: { environment: { TZ: "UTC" } },
      t: { environment: { TZ: "UTC", A: "b" } },
    });
  });

  it("turns !reset and !override into markers", () => {
    const { documents } = parse("services:\n  s:\n    ports: !reset []\n    environment: !override {A: b}\n");
    const s = (documents[0]!.services as Record<string, Record<string, unknown>>).s!;
    expect(isReset(s.ports)).toBe(true);
    expect(isOverride(s.environment)).toBe(true);
  });

  it("returns one object per document and skips empty ones", () => {
    const { documents } = parse("services:\n  a: {}\n---\n---\nservices:\n  b: {}\n");
    expect(documents).toHaveLength(2);
  });

  it("knows where each path came from", () => {
    const { positions } = parse("services:\n  web:\n    image: nginx\n    ports:\n      - 80:80\n");
    expect(positions.locate(["services", "web", "ports", 0])).toEqual({ file: "/p/compose.yml", line: 5, column: 9 });
    expect(positions.locate(["services", "web", "image"])).toMatchObject({ line: 3, column: 5 });
    // unknown deeper paths fall back to the closest known parent
    expect(positions.locate(["services", "web", "image", "nope"])).toMatchObject({ line: 3 });
  });

  it("reports malformed YAML with file, line and column", () => {
    try {
      parse("services:\n  web:\n    image: [unclosed\n");
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(UserError);
      const err = e as UserError;
      expect(err.location?.file).toBe("/p/compose.yml");
      expect(err.location?.line).toBeGreaterThan(0);
      expect(err.format()).toMatch(/^\/p\/compose\.yml:\d+:\d+: invalid YAML/);
    }
  });

  it("rejects duplicate keys like yaml.v3", () => {
    expect(() => parse("services:\n  a: {}\n  a: {}\n")).toThrow(/invalid YAML/);
  });

  it("rejects a non-mapping top level", () => {
    expect(() => parse("- a\n- b\n")).toThrow(/top-level object must be a mapping/);
  });
});

describe("the fast reader and the positional reader", () => {
  const samples = [
    "services:\n  a:\n    restart: no\n    x-mode: 0777\n    x-dec: 0o17\n    x-yes: yes\n    x-float: 1.5\n    x-null: ~\n    x-hex: 0x1F\n",
    "x-a: &a {foo: 1, bar: 2}\nx-b: &b {bar: 3, baz: 4}\nservices:\n  s:\n    <<: [*a, *b]\n    foo: 0\n",
    "x-env: &env {TZ: UTC}\nservices:\n  s:\n    environment: *env\n  t:\n    environment:\n      <<: *env\n      A: b\n",
    "services:\n  s:\n    command: |\n      multi\n      line\n    labels: ['a=b', \"c=d\"]\n    x-quoted: '0777'\n    x-true: True\n",
    "services:\n  a: {}\n---\n---\nservices:\n  b: {image: x}\n",
  ];
  it.each(samples)("agree on %#", (text) => {
    expect(parse(text).documents).toEqual(readComposeYamlWithPositions(text, "/p/compose.yml").documents);
  });
});
