import { describe, expect, it } from "vitest";
import { InterpolationError } from "../../src/compose/interpolate.js";
import { castTypes } from "../../src/compose/typecast.js";
import { Override, RESET } from "../../src/compose/yaml-tags.js";

/** Casts `value` placed at `services.web.<path>` and returns what lands there. */
function castService(path: string[], value: unknown): unknown {
  let node: unknown = value;
  for (const seg of [...path].reverse()) node = seg === "[]" ? [node] : { [seg]: node };
  let out = (castTypes({ services: { web: node } }) as { services: { web: unknown } }).services.web;
  for (const seg of path) out = seg === "[]" ? (out as unknown[])[0] : (out as Record<string, unknown>)[seg];
  return out;
}

function castError(tree: unknown): InterpolationError {
  try {
    castTypes(tree);
  } catch (e) {
    if (e instanceof InterpolationError) return e;
    throw e;
  }
  throw new Error("expected an InterpolationError");
}

describe("castTypes — the compose-go v2 cast table", () => {
  it.each([
    [["configs", "[]", "mode"], "0440", 0o440], // a file mode string is octal, as in compose
    [["cpu_count"], "2", 2],
    [["cpu_percent"], "50.5", 50.5],
    [["cpu_period"], "100000", 100000],
    [["cpu_quota"], "-1", -1],
    [["cpu_rt_period"], "+10", 10],
    [["cpu_rt_runtime"], "007", 7],
    [["cpus"], "0.5", 0.5],
    [["cpu_shares"], "512", 512],
    [["init"], "true", true],
    [["deploy", "replicas"], "3", 3],
    [["deploy", "update_config", "parallelism"], "2", 2],
    [["deploy", "update_config", "max_failure_ratio"], "0.25", 0.25],
    [["deploy", "rollback_config", "parallelism"], "1", 1],
    [["deploy", "rollback_config", "max_failure_ratio"], "1e-1", 0.1],
    [["deploy", "restart_policy", "max_attempts"], "5", 5],
    [["deploy", "placement", "max_replicas_per_node"], "1", 1],
    [["healthcheck", "retries"], "3", 3],
    [["healthcheck", "disable"], "TRUE", true],
    [["oom_kill_disable"], "false", false],
    [["oom_score_adj"], "-500", -500],
    [["pids_limit"], "100", 100],
    [["ports", "[]", "target"], "80", 80],
    [["privileged"], "False", false],
    [["read_only"], "true", true],
    [["scale"], "2", 2],
    [["secrets", "[]", "mode"], "555", 0o555],
    [["stdin_open"], "true", true],
    [["tty"], "true", true],
    [["ulimits", "nproc"], "65535", 65535],
    [["ulimits", "nofile", "hard"], "40000", 40000],
    [["ulimits", "nofile", "soft"], "20000", 20000],
    [["volumes", "[]", "read_only"], "true", true],
    [["volumes", "[]", "volume", "nocopy"], "true", true],
  ])("services.web.%j: %j → %j", (path, input, expected) => {
    expect(castService(path, input)).toStrictEqual(expected);
  });

  it.each([
    ["networks", "external"],
    ["networks", "internal"],
    ["networks", "attachable"],
    ["networks", "enable_ipv6"],
    ["volumes", "external"],
    ["secrets", "external"],
    ["configs", "external"],
  ])("%s.*.%s is a boolean", (section, key) => {
    const out = castTypes({ [section]: { x: { [key]: "true" } } }) as Record<
      string,
      Record<string, Record<string, unknown>>
    >;
    expect(out[section]!.x![key]).toBe(true);
  });

  it.each([
    [["ports", "[]", "published"], "8080"], // a string in v2 (it may be a range)
    [["ports", "[]"], "80:80"],
    [["environment", "DEBUG"], "true"],
    [["depends_on", "db", "required"], "true"], // not in the v2 table
    [["labels", "replicas"], "3"],
    [["mem_limit"], "512m"],
    [["image"], "true"],
  ])("leaves services.web.%j alone", (path, input) => {
    expect(castService(path, input)).toBe(input);
  });

  it("leaves values that are not strings alone, valid or not", () => {
    expect(castService(["privileged"], true)).toBe(true);
    expect(castService(["deploy", "replicas"], 2)).toBe(2);
    expect(castService(["cpus"], null)).toBe(null);
    expect(castService(["ulimits", "nofile"], { soft: 1, hard: "2" })).toEqual({ soft: 1, hard: 2 });
    expect(castService(["privileged"], [1])).toEqual([1]);
  });

  it("casts inside !override and leaves !reset alone", () => {
    const out = castTypes({ services: { web: { privileged: new Override("true"), scale: RESET } } }) as {
      services: { web: { privileged: Override; scale: unknown } };
    };
    expect(out.services.web.privileged).toBeInstanceOf(Override);
    expect(out.services.web.privileged.value).toBe(true);
    expect(out.services.web.scale).toBe(RESET);
  });

  it("matches paths like compose-go's dotted tree.Path, dots in keys included", () => {
    const out = castTypes({
      networks: { "my.net": { external: "true" } },
      services: { "web.deploy": { replicas: "2" } },
    }) as { networks: Record<string, { external: unknown }>; services: Record<string, { replicas: unknown }> };
    expect(out.networks["my.net"]!.external).toBe("true");
    expect(out.services["web.deploy"]!.replicas).toBe(2);
  });

  it("does not modify its input", () => {
    const input = { services: { web: { privileged: "true" } } };
    castTypes(input);
    expect(input.services.web.privileged).toBe("true");
  });
});

describe("castTypes — booleans", () => {
  it.each([
    ["yes", true, '"yes" for boolean is not supported by YAML 1.2, please use `true`'],
    ["Y", true, '"Y" for boolean is not supported by YAML 1.2, please use `true`'],
    ["ON", true, '"ON" for boolean is not supported by YAML 1.2, please use `true`'],
    ["no", false, '"no" for boolean is not supported by YAML 1.2, please use `false`'],
    ["n", false, '"n" for boolean is not supported by YAML 1.2, please use `false`'],
    ["Off", false, '"Off" for boolean is not supported by YAML 1.2, please use `false`'],
  ])("accepts the YAML 1.1 spelling %j with a warning", (input, expected, warning) => {
    const warnings: string[] = [];
    const out = castTypes({ services: { web: { tty: input } } }, { onWarning: (m) => warnings.push(m) }) as {
      services: { web: { tty: unknown } };
    };
    expect(out.services.web.tty).toBe(expected);
    expect(warnings).toEqual([warning]);
  });

  it("does not warn for true/false in any case", () => {
    const warnings: string[] = [];
    castTypes({ services: { web: { tty: "True", init: "FALSE" } } }, { onWarning: (m) => warnings.push(m) });
    expect(warnings).toEqual([]);
  });

  it.each(["", "1", "0", "maybe", "true ", 'true"'])("rejects %j", (input) => {
    const e = castError({ volumes: { data: { external: input } } });
    expect(e.message).toBe(
      `error while interpolating volumes.data.external: failed to cast to expected type: invalid boolean: ${input}`,
    );
    expect(e.segments).toEqual(["volumes", "data", "external"]);
  });
});

describe("castTypes — numbers, with Go strconv's rules", () => {
  it.each([
    ["", 'strconv.Atoi: parsing "": invalid syntax'],
    ["3.5", 'strconv.Atoi: parsing "3.5": invalid syntax'],
    ["1_000", 'strconv.Atoi: parsing "1_000": invalid syntax'],
    ["0x10", 'strconv.Atoi: parsing "0x10": invalid syntax'],
    [" 3", 'strconv.Atoi: parsing " 3": invalid syntax'],
    ["+", 'strconv.Atoi: parsing "+": invalid syntax'],
    ["9223372036854775808", 'strconv.Atoi: parsing "9223372036854775808": value out of range'],
  ])("replicas %j fails", (input, reason) => {
    const e = castError({ services: { web: { deploy: { replicas: input } } } });
    expect(e.message).toBe(
      `error while interpolating services.web.deploy.replicas: failed to cast to expected type: ${reason}`,
    );
  });

  it("uses ParseInt's name for int64 fields and accepts the whole int64 range", () => {
    expect(castService(["cpu_shares"], "-9223372036854775808")).toBe(-9223372036854775808);
    expect(castError({ services: { web: { pids_limit: "x" } } }).message).toBe(
      'error while interpolating services.web.pids_limit: failed to cast to expected type: strconv.ParseInt: parsing "x": invalid syntax',
    );
  });

  it("fails on an empty cpus the way compose reports it", () => {
    expect(castError({ services: { x: { cpus: "" } } }).message).toBe(
      'error while interpolating services.x.cpus: failed to cast to expected type: strconv.ParseFloat: parsing "": invalid syntax',
    );
  });

  it("names list items [] in messages and keeps indexes in segments", () => {
    const e = castError({ services: { web: { ports: [{ target: 80 }, { target: "http" }] } } });
    expect(e.message).toBe(
      'error while interpolating services.web.ports.[].target: failed to cast to expected type: strconv.Atoi: parsing "http": invalid syntax',
    );
    expect(e.segments).toEqual(["services", "web", "ports", 1, "target"]);
    expect(e.path).toBe("services.web.ports[1].target");
  });

  it.each([
    ["1", 1],
    ["-2.5", -2.5],
    [".5", 0.5],
    ["5.", 5],
    ["1e3", 1000],
    ["1E-2", 0.01],
    ["1_000.5", 1000.5],
    ["0x1p-2", 0.25],
    ["0X1.8P1", 3],
    ["-0x_1p4", -16],
    ["inf", Infinity],
    ["-Infinity", -Infinity],
    ["1e308", 1e308],
  ])("cpu_percent %j → %j", (input, expected) => {
    expect(castService(["cpu_percent"], input)).toBe(expected);
  });

  it("parses NaN like Go does", () => {
    expect(castService(["cpu_percent"], "NaN")).toBeNaN();
  });

  it.each([
    "",
    ".",
    "e5",
    "1e",
    "1e+",
    "0x1",
    "0x",
    "0xp1",
    "1_",
    "_1",
    "1__0",
    "1._5",
    "+nan",
    "infinit",
    "1.5.2",
    "1f",
    " 1",
  ])("cpu_percent rejects %j", (input) => {
    expect(castError({ services: { web: { cpu_percent: input } } }).message).toBe(
      `error while interpolating services.web.cpu_percent: failed to cast to expected type: strconv.ParseFloat: parsing ${JSON.stringify(input)}: invalid syntax`,
    );
  });

  it("checks float32 range for cpus but float64 range elsewhere", () => {
    expect(castService(["cpus"], "0.1")).toBe(0.1);
    expect(castService(["cpu_percent"], "1e39")).toBe(1e39);
    expect(castError({ services: { web: { cpus: "1e39" } } }).message).toBe(
      'error while interpolating services.web.cpus: failed to cast to expected type: strconv.ParseFloat: parsing "1e39": value out of range',
    );
    expect(castError({ services: { web: { cpu_percent: "1e309" } } }).message).toContain("value out of range");
  });
});
