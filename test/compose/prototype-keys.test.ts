import { describe, expect, it } from "vitest";
import { formatComposeJson } from "../../src/compose/compose-json.js";
import { loadProject } from "../../src/compose/loader.js";
import { mergeComposeFiles } from "../../src/compose/merge.js";
import { parseComposeYaml } from "../../src/compose/yaml.js";
import { tmpStack } from "../helpers/tmp-stack.js";

// `__proto__`, `constructor` and `prototype` are ordinary Compose keys: service, network,
// variable and label names. None may vanish, change an object's prototype, or match Object's own members.
const own = (o: unknown, key: string) => Object.hasOwn(o as object, key);

describe("keys named like Object.prototype members", () => {
  it("the YAML reader keeps them as own keys, also through merge keys", () => {
    const { documents } = parseComposeYaml(
      "x-base: &base {__proto__: a}\nservices:\n  __proto__:\n    image: x\n    environment:\n      <<: *base\n      constructor: b\n",
      "/p/compose.yml",
    );
    const services = documents[0]!.services as Record<string, { environment: Record<string, string> }>;
    expect(own(services, "__proto__")).toBe(true);
    expect(Object.getPrototypeOf(services)).toBe(Object.prototype);
    expect(Object.entries(services.__proto__.environment)).toEqual([
      ["__proto__", "a"],
      ["constructor", "b"],
    ]);
  });

  it("merging a `__proto__` service over another file keeps both services intact", () => {
    const base = parseComposeYaml("services:\n  web:\n    image: nginx\n", "/a.yml").documents[0]!;
    const over = parseComposeYaml("services:\n  __proto__:\n    image: busybox\n", "/b.yml").documents[0]!;
    const merged = mergeComposeFiles(base, over) as { services: Record<string, { image: string }> };
    expect(Object.keys(merged.services)).toEqual(["web", "__proto__"]);
    expect(merged.services.web!.image).toBe("nginx");
  });

  it("load, normalize and config output keep services, networks, variables, labels and dependencies", async () => {
    const dir = tmpStack({
      "a.yaml":
        "services:\n  web:\n    image: nginx\n    environment:\n      __proto__: x\n      constructor: y\n    labels:\n      prototype: z\n",
      "b.yaml": [
        "services:",
        "  __proto__:",
        "    image: busybox",
        "    depends_on: [constructor]",
        "    networks: [__proto__]",
        "    env_file: svc.env",
        "    label_file: labels.env",
        "    environment:",
        "      prototype: ${constructor:-no variable named constructor}",
        "      hasOwnProperty: ${__proto__}",
        "  constructor:",
        "    extends: { service: prototype }",
        "  prototype:",
        "    image: base",
        "    labels: [__proto__=p]",
        "networks:",
        "  __proto__: {}",
        "",
      ].join("\n"),
      "svc.env": "__proto__=from-env-file\n",
      "labels.env": "constructor=from-label-file\n",
      ".env": "__proto__=from-dotenv\n",
    });
    const { project } = await loadProject({ cwd: dir, files: ["a.yaml", "b.yaml"], environment: {} });
    const services = project.services;
    expect(Object.keys(services).sort()).toEqual(["__proto__", "constructor", "prototype", "web"]);
    expect(services.web!.image).toBe("nginx");
    expect(Object.entries(services.web!.environment ?? {})).toEqual([
      ["__proto__", "x"],
      ["constructor", "y"],
    ]);
    expect(own(services.web!.environment, "__proto__")).toBe(true);
    expect(own(services.web!.labels, "prototype")).toBe(true);
    const proto = services.__proto__!;
    expect(proto.image).toBe("busybox");
    expect(Object.keys(proto.depends_on ?? {})).toEqual(["constructor"]);
    expect(Object.keys(proto.networks ?? {})).toEqual(["__proto__"]);
    expect(Object.entries(proto.environment ?? {}).sort()).toEqual([
      ["__proto__", "from-env-file"],
      ["hasOwnProperty", "from-dotenv"],
      ["prototype", "no variable named constructor"],
    ]);
    expect(Object.entries(proto.labels ?? {})).toEqual([["constructor", "from-label-file"]]);
    const service = (name: string) => services[name]!;
    expect(service("constructor").image).toBe("base");
    expect(Object.entries(service("constructor").labels ?? {})).toEqual([["__proto__", "p"]]);
    expect(project.networks?.__proto__?.name).toBe("proj___proto__");

    const json = JSON.parse(formatComposeJson(project)) as { services: Record<string, Record<string, unknown>> };
    expect(Object.keys(json.services)).toEqual(["__proto__", "constructor", "prototype", "web"]);
    expect(json.services.web!.environment).toEqual(JSON.parse('{"__proto__":"x","constructor":"y"}'));
  });

  it("a dependency on an undefined `constructor` service is still an error", async () => {
    const dir = tmpStack({ "compose.yaml": "services:\n  web:\n    image: nginx\n    depends_on: [constructor]\n" });
    await expect(loadProject({ cwd: dir, environment: {} })).rejects.toThrow(
      /depends on undefined service "constructor"/,
    );
  });
});
