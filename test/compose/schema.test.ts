import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { schemaSha256, validate as precompiledValidate } from "../../src/compose/schema/compose-validator.generated.js";
import { validateComposeFile, validateWith, type CompiledValidator } from "../../src/compose/schema/validate.js";

/** The parts of scripts/build-schema.mjs the tests use (it is plain JS, so typed here). */
interface BuildSchemaModule {
  SCHEMA_PATH: string;
  OUTPUT_PATH: string;
  composeFormats: Record<string, (value: string) => boolean>;
  createComposeAjv(options?: { source?: boolean }): { compile(schema: unknown): CompiledValidator };
  buildValidatorSource(schemaText: string): string;
  usedFormats(schema: unknown): string[];
  sha256(text: string): string;
}

const buildScriptUrl = new URL("../../scripts/build-schema.mjs", import.meta.url).href;
let build: BuildSchemaModule;
let schemaText: string;

beforeAll(async () => {
  build = (await import(buildScriptUrl)) as BuildSchemaModule;
  schemaText = readFileSync(build.SCHEMA_PATH, "utf8");
});

/** Parses YAML as the loader does (YAML 1.2 core schema, merge keys resolved), so values have realistic types. */
function yaml(text: string): unknown {
  return parse(text, { version: "1.2", schema: "core", merge: true });
}

function messages(data: unknown): string[] {
  return validateComposeFile(data).map((i) => i.message);
}

const FULL_VALID = `
name: shop
x-defaults: &defaults
  restart: unless-stopped
include:
  - ./common/compose.yaml
  - path: [./db/compose.yaml, ./db/compose.override.yaml]
    env_file: ./db/.env
    project_directory: ./db
services:
  web:
    <<: *defaults
    image: nginx:1.27
    build:
      context: ./web
      dockerfile_inline: |
        FROM nginx
      args: { VERSION: "1", DEBUG: false }
      x-build-note: fine
    ports: [80, "443:443", { target: 8080, published: "8080", protocol: tcp, x-port: 1 }]
    expose: ["9000", 9001]
    environment: [FOO=bar, BAR]
    env_file: [.env, { path: .env.local, required: false }]
    label_file: ./labels.env
    labels: { com.example.tier: frontend }
    depends_on:
      api: { condition: service_healthy, restart: true, x-why: health }
      cache: { condition: service_started, required: false }
    volumes:
      - ./html:/usr/share/nginx/html:ro
      - type: bind
        source: ./conf
        target: /etc/nginx/conf.d
        bind: { create_host_path: true, x-bind: 1 }
        x-mount: 1
    networks:
      front: { aliases: [www], x-net: 1 }
      back:
    healthcheck: { test: [CMD, curl, -f, http://localhost], interval: 10s, x-hc: 1 }
    logging: { driver: json-file, options: { max-size: 10m }, x-log: 1 }
    deploy:
      replicas: 2
      resources: { limits: { cpus: "0.5", memory: 256m, x-lim: 1 }, x-res: 1 }
      x-deploy: 1
    develop:
      watch:
        - { path: ./web/src, action: sync, target: /app/src, ignore: [node_modules/] }
        - { path: ./web/package.json, action: rebuild, x-watch: 1 }
        - path: ./web/conf
          action: sync+exec
          target: /etc/nginx
          exec: { command: [nginx, -s, reload] }
      x-develop: 1
    post_start:
      - command: ./init.sh
        user: root
        x-hook: 1
    pre_stop:
      - { command: [./drain.sh, --timeout, "5"], environment: { GRACE: 5 } }
    gpus: all
    use_api_socket: true
    models: [llm]
    x-service-meta: { owner: team-a }
  api:
    image: shop/api
    gpus:
      - { driver: nvidia, count: 1, capabilities: [gpu] }
    models:
      llm: { endpoint_var: LLM_URL, x-model: 1 }
    extends: { service: base, file: ./base.yaml }
  cache:
    image: redis
    command:
models:
  llm: { model: ai/smollm2, context_size: 4096, x-m: 1 }
networks:
  front:
  back: { driver: bridge, x-net: 1 }
volumes:
  data:
  logs: { external: true }
secrets:
  token: { file: ./token.txt, x-s: 1 }
configs:
  nginx: { content: "server {}", x-c: 1 }
x-top-level: [anything, { goes: here }]
`;

describe("schema/compose-spec.json", () => {
  it("is the current compose-spec schema and knows the recent keys", () => {
    const schema = JSON.parse(schemaText);
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining([
        "version",
        "name",
        "include",
        "services",
        "models",
        "networks",
        "volumes",
        "secrets",
        "configs",
      ]),
    );
    const service = schema.definitions.service.properties;
    for (const key of [
      "develop",
      "post_start",
      "pre_stop",
      "gpus",
      "models",
      "label_file",
      "use_api_socket",
      "provider",
    ]) {
      expect(service, key).toHaveProperty(key);
    }
  });

  it("uses only formats we implement", () => {
    const formats = build.usedFormats(JSON.parse(schemaText));
    for (const f of formats) expect(build.composeFormats).toHaveProperty(f);
  });
});

describe("precompiled validator", () => {
  it("was generated from the checked-in schema by the current build script", () => {
    expect(schemaSha256).toBe(build.sha256(schemaText));
    const fresh = build.buildValidatorSource(schemaText);
    // Deterministic output, and the checked-in file is that output: run `node scripts/build-schema.mjs` if this fails.
    expect(build.buildValidatorSource(schemaText)).toBe(fresh);
    expect(readFileSync(build.OUTPUT_PATH, "utf8")).toBe(fresh);
  });

  it("reports exactly what ajv reports when compiling the schema at runtime", () => {
    const runtime = build.createComposeAjv().compile(JSON.parse(schemaText));
    const precompiled = precompiledValidate as unknown as CompiledValidator;
    const corpus: unknown[] = [
      yaml(FULL_VALID),
      {},
      [],
      "services: {}",
      null,
      { services: { web: { image: "nginx", imagee: "x", ports: [true, { target: 80, nope: 1 }] } } },
      { services: { web: { depends_on: { db: { condition: "bogus" } }, build: 42, ulimits: { nofile: {} } } } },
      { servics: {}, services: { "bad name": {} }, volumes: { v: { driver: 1 } } },
      {
        services: {
          web: { ports: ["80:80", "80:80"], volumes: [{ type: "tmpfs", target: "/t", tmpfs: { size: -1 } }] },
        },
      },
      { services: { web: { develop: { watch: [{ path: "x", action: "teleport" }] }, post_start: [{}] } } },
    ];
    for (const data of corpus) {
      const a = precompiled(data);
      const b = runtime(data);
      expect(a).toBe(b);
      expect(precompiled.errors ?? null).toEqual(runtime.errors ?? null);
      expect(validateComposeFile(data)).toEqual(validateWith(runtime, data));
    }
  });
});

describe("validateComposeFile: valid documents", () => {
  it("accepts a rich document using long and short forms and x- extensions everywhere they are allowed", () => {
    expect(validateComposeFile(yaml(FULL_VALID))).toEqual([]);
  });

  it("accepts include in its short and long forms", () => {
    expect(messages({ include: ["a.yaml", "b/compose.yaml"] })).toEqual([]);
    expect(
      messages({
        include: [{ path: "a.yaml" }, { path: ["b.yaml", "c.yaml"], env_file: [".env"], project_directory: "." }],
      }),
    ).toEqual([]);
  });

  it("accepts an empty document and null resources", () => {
    expect(messages({})).toEqual([]);
    expect(messages(yaml("services:\n  web:\n    image: x\nnetworks:\n  n:\nvolumes:\n  v:\n"))).toEqual([]);
  });
});

describe("validateComposeFile: invalid documents", () => {
  it("names an unknown service key and points at it", () => {
    expect(validateComposeFile({ services: { web: { image: "nginx", imagee: "nginx" } } })).toEqual([
      { path: ["services", "web", "imagee"], message: 'services.web additional property "imagee" is not allowed' },
    ]);
  });

  it("rejects an unknown top-level key but not an x- one", () => {
    expect(validateComposeFile({ servics: {}, "x-ok": 1 })).toEqual([
      { path: ["servics"], message: '(root) additional property "servics" is not allowed' },
    ]);
  });

  it("collapses oneOf type noise into one message", () => {
    expect(validateComposeFile({ services: { web: { ports: [true] } } })).toEqual([
      { path: ["services", "web", "ports", 0], message: "services.web.ports[0] must be a number, string or mapping" },
    ]);
    expect(messages({ services: { web: { build: 42 } } })).toEqual(["services.web.build must be a string or mapping"]);
    expect(messages({ services: { web: { depends_on: 5 } } })).toEqual([
      "services.web.depends_on must be a list or mapping",
    ]);
  });

  it("prefers the error of the branch that matches the value's type", () => {
    expect(messages({ services: { web: { ports: [{ target: 80, host: "x" }] } } })).toEqual([
      'services.web.ports[0] additional property "host" is not allowed',
    ]);
    expect(messages({ services: { web: { build: { context: ".", dockerfile: 3 } } } })).toEqual([
      "services.web.build.dockerfile must be a string",
    ]);
    expect(messages({ services: { web: { environment: { A: [1] } } } })).toEqual([
      "services.web.environment.A must be a string, number, boolean or null",
    ]);
  });

  it("reports a bad depends_on condition, and a missing one", () => {
    expect(validateComposeFile({ services: { web: { depends_on: { db: { condition: "service_ready" } } } } })).toEqual([
      {
        path: ["services", "web", "depends_on", "db", "condition"],
        message:
          'services.web.depends_on.db.condition must be one of "service_started", "service_healthy", "service_completed_successfully"',
      },
    ]);
    expect(messages({ services: { web: { depends_on: { db: { required: true } } } } })).toEqual([
      'services.web.depends_on.db is missing required property "condition"',
    ]);
  });

  it("reports a wrong scalar type and a non-mapping service", () => {
    expect(messages({ services: { web: { image: 5 } } })).toEqual(["services.web.image must be a string"]);
    expect(messages({ services: { web: null } })).toEqual(["services.web must be a mapping"]);
    expect(messages(["not", "a", "mapping"])).toEqual(["(root) must be a mapping"]);
  });

  it("rejects x- keys where the schema has no extension point", () => {
    expect(messages({ include: [{ path: "a.yaml", "x-note": 1 }] })).toEqual([
      'include[0] additional property "x-note" is not allowed',
    ]);
    expect(messages({ services: { web: { extends: { service: "base", "x-note": 1 } } } })).toEqual([
      'services.web.extends additional property "x-note" is not allowed',
    ]);
  });

  it("validates develop.watch and lifecycle hooks", () => {
    expect(messages({ services: { web: { develop: { watch: [{ path: "./src", action: "teleport" }] } } } })).toEqual([
      'services.web.develop.watch[0].action must be one of "rebuild", "sync", "restart", "sync+restart", "sync+exec"',
    ]);
    expect(messages({ services: { web: { develop: { watch: [{ action: "sync" }] } } } })).toEqual([
      'services.web.develop.watch[0] is missing required property "path"',
    ]);
    expect(messages({ services: { web: { post_start: [{ user: "root" }] } } })).toEqual([
      'services.web.post_start[0] is missing required property "command"',
    ]);
    expect(messages({ services: { web: { pre_stop: { command: "x" } } } })).toEqual([
      "services.web.pre_stop must be a list",
    ]);
  });

  it("reports enums, bounds, patterns, duplicates and missing required keys", () => {
    expect(messages({ services: { web: { volumes: [{ type: "nfs", target: "/x" }] } } })).toEqual([
      'services.web.volumes[0].type must be one of "bind", "volume", "tmpfs", "cluster", "npipe", "image"',
    ]);
    expect(
      messages({ services: { web: { volumes: [{ type: "tmpfs", target: "/t", tmpfs: { size: -1 } }] } } }),
    ).toEqual(["services.web.volumes[0].tmpfs.size must be >= 0"]);
    expect(messages({ services: { web: { pull_policy: "sometimes" } } })[0]).toMatch(
      /^services\.web\.pull_policy must match the pattern /,
    );
    expect(validateComposeFile({ services: { web: { ports: ["80:80", "80:80"] } } })).toEqual([
      {
        path: ["services", "web", "ports", 1],
        message: "services.web.ports must not contain duplicates: items 0 and 1 are identical",
      },
    ]);
    expect(messages({ services: { web: { ulimits: { nofile: {} } } } })).toEqual([
      'services.web.ulimits.nofile is missing required properties "soft", "hard"',
    ]);
    expect(messages({ models: { llm: {} } })).toEqual(['models.llm is missing required property "model"']);
    expect(messages({ services: { web: { use_api_socket: "yes" } } })).toEqual([
      "services.web.use_api_socket must be a boolean",
    ]);
  });

  it("rejects service names outside the allowed pattern", () => {
    expect(validateComposeFile({ services: { "web app": { image: "x" } } })).toEqual([
      { path: ["services", "web app"], message: 'services additional property "web app" is not allowed' },
    ]);
  });

  it("lists one issue per location, in document order", () => {
    const issues = validateComposeFile({ services: { b: { image: 1, zz: 2 }, a: { restart: 5 } }, bogus: true });
    expect(issues.map((i) => i.message)).toEqual([
      "services.b.image must be a string",
      'services.b additional property "zz" is not allowed',
      "services.a.restart must be a string",
      '(root) additional property "bogus" is not allowed',
    ]);
  });
});

describe("build-schema formats", () => {
  it("checks durations like Go's time.ParseDuration", () => {
    const { duration } = build.composeFormats;
    for (const ok of [
      "0",
      "-0",
      "1s",
      "1m30s",
      "1.5h",
      ".5s",
      "5.s",
      "-1h",
      "+3ms",
      "2h45m",
      "10ns",
      "1us",
      "1\u00b5s",
      "1\u03bcs",
    ]) {
      expect(duration!(ok), ok).toBe(true);
    }
    for (const bad of ["", "1", "s", "1x", "1.5", "1 s", "1s ", ".s", "1d"]) expect(duration!(bad), bad).toBe(false);
  });

  describe("emitted into a standalone validator", () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), "c2ts-schema-"));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it("works without ajv at runtime", async () => {
      const schema = JSON.stringify({
        type: "object",
        properties: {
          d: { type: "string", format: "duration" },
          p: { type: "string", format: "ports" },
          u: { type: "array", uniqueItems: true },
        },
      });
      const source = build.buildValidatorSource(schema);
      expect(source).not.toMatch(/\brequire\(/);
      const file = join(dir, "validator.mjs");
      writeFileSync(file, source);
      const mod = (await import(pathToFileURL(file).href)) as { validate: CompiledValidator };
      expect(mod.validate({ d: "1m30s", p: "anything", u: [{ a: 1 }, { a: 2 }] })).toBe(true);
      expect(mod.validate({ d: "90 seconds" })).toBe(false);
      expect(mod.validate.errors?.[0]?.keyword).toBe("format");
      expect(mod.validate({ u: [{ a: [1] }, { a: [1] }] })).toBe(false);
      expect(mod.validate.errors?.[0]?.keyword).toBe("uniqueItems");
    });

    it("refuses a format it cannot check", () => {
      expect(() => build.buildValidatorSource(JSON.stringify({ type: "string", format: "ipv9" }))).toThrow(/ipv9/);
    });
  });
});
