import { existsSync, readFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseCommandArgs, formatHelp } from "../../src/cli/args.js";
import configCommand from "../../src/cli/commands/config.js";
import { configOutput, writeConfigOutput } from "../../src/cli/config-output.js";
import { UserError } from "../../src/compose/errors.js";
import { tmpStack } from "../helpers/tmp-stack.js";

const STACK = `services:
  web:
    image: \${IMAGE:-nginx}:\${TAG:?tag needed}
    ports: ["\${PORT:-8080}:80"]
    environment:
      A: \${A:+set}
      B: $$literal
    depends_on: [db]
    volumes: [data:/data]
    networks: [front]
  db:
    image: postgres
    volumes: [dbdata:/var/lib/postgresql/data]
  worker:
    build: ./worker
    depends_on: [web]
    profiles: [jobs]
  adminer:
    image: adminer
    profiles: [debug, tools]
networks:
  front: {}
  unused_net: {}
volumes:
  data: {}
  dbdata: {}
  unused: {}
`;

const ENV: Record<string, string> = { TAG: "1.27" };

async function config(argv: string[], files: Record<string, string> = { "compose.yaml": STACK }, environment = ENV) {
  const dir = tmpStack(files, "shop");
  const args = parseCommandArgs(configCommand.spec, argv);
  return { text: await configOutput(args, { cwd: dir, environment }), dir, args };
}

describe("c2ts config flags", () => {
  it("--help lists every docker compose config flag", () => {
    const help = formatHelp(configCommand.spec);
    for (const flag of [
      "--no-interpolate",
      "--no-normalize",
      "--no-path-resolution",
      "--no-consistency",
      "--no-env-resolution",
      "-q, --quiet",
      "--services",
      "--volumes",
      "--networks",
      "--profiles",
      "--images",
      "--variables",
      "--environment",
      '--hash SERVICE|"*"',
      "-o, --output FILE",
      "--format yaml|json",
    ]) {
      expect(help).toContain(flag);
    }
    expect(help).toContain("[SERVICE...]");
  });

  it("--services prints the enabled services, each after its dependencies", async () => {
    expect((await config(["--services"])).text).toBe("db\nweb\n");
    expect((await config(["--services", "--profile", "jobs"])).text).toBe("db\nweb\nworker\n");
  });

  it("--services --no-interpolate lists the model's services without needing the variables", async () => {
    expect((await config(["--services", "--no-interpolate"], undefined, {})).text).toBe("adminer\ndb\nweb\nworker\n");
  });

  it("--volumes and --networks print the resources the enabled services use", async () => {
    expect((await config(["--volumes"])).text).toBe("data\ndbdata\n");
    expect((await config(["--networks"])).text).toBe("default\nfront\n");
  });

  it("--profiles prints every profile of every service, sorted", async () => {
    expect((await config(["--profiles"])).text).toBe("debug\njobs\ntools\n");
  });

  it("--images prints each service's image, or <project>-<service> for a build", async () => {
    expect((await config(["--images", "--profile", "jobs"])).text).toBe("postgres\nnginx:1.27\nshop-worker\n");
  });

  it("--variables prints Compose's NAME / REQUIRED / DEFAULT VALUE / ALTERNATE VALUE table", async () => {
    expect((await config(["--variables"], undefined, {})).text).toBe(
      [
        "NAME                REQUIRED            DEFAULT VALUE       ALTERNATE VALUE",
        "A                   false                                   set",
        "IMAGE               false               nginx               ",
        "PORT                false               8080                ",
        "TAG                 true                                    ",
        "",
      ].join("\n"),
    );
  });

  it("--variables --format json gives compose's Variable objects", async () => {
    const parsed = JSON.parse((await config(["--variables", "--format", "json"])).text);
    expect(parsed.TAG).toEqual({ Name: "TAG", DefaultValue: "", PresenceValue: "", Required: true });
    expect(parsed.IMAGE.DefaultValue).toBe("nginx");
  });

  it("--environment prints the interpolation environment, sorted KEY=VALUE lines", async () => {
    const { text } = await config(["--environment"], { "compose.yaml": STACK, ".env": "PORT=9090\n" });
    expect(text).toBe("COMPOSE_PROJECT_NAME=shop\nPORT=9090\nTAG=1.27\n");
  });

  it("--hash prints `<service> <hash>` sorted, for a list or for *", async () => {
    const all = (await config(["--hash", "*"])).text;
    expect(all).toMatch(/^db [0-9a-f]{64}\nweb [0-9a-f]{64}\n$/);
    const one = (await config(["--hash", "web"])).text;
    expect(all).toContain(one);
    await expect(config(["--hash", "nope"])).rejects.toThrow("no such service: nope");
  });

  it("SERVICE... keeps only those services and what they depend on", async () => {
    const { text } = await config(["web"]);
    expect(text).toContain("  web:\n");
    expect(text).toContain("  db:\n");
    expect(text).not.toContain("adminer");
    // A named service runs whatever its profiles.
    const worker = (await config(["worker", "--services"])).text;
    expect(worker).toBe("db\nweb\n"); // --services ignores SERVICE..., as compose does
    const model = (await config(["worker"])).text;
    expect(model).toContain("  worker:\n");
    await expect(config(["nope"])).rejects.toThrow("no such service: nope");
  });

  it("doubles `$` in YAML and JSON, as compose does", async () => {
    expect((await config([])).text).toContain("B: $$literal");
    expect((await config(["--format", "json"])).text).toContain('"B": "$$literal"');
  });

  it("--no-interpolate prints the model as written, keys sorted, `$` not doubled", async () => {
    const { text } = await config(["--no-interpolate"], undefined, {});
    expect(text).toContain("    image: ${IMAGE:-nginx}:${TAG:?tag needed}\n");
    expect(text).toContain("      - ${PORT:-8080}:80\n");
    expect(text).toContain("      B: $$literal\n"); // as written: not doubled again
    expect(text.indexOf("  adminer:")).toBeLessThan(text.indexOf("  db:"));
  });

  it("--no-interpolate still normalizes as compose-go's ToModel: default network, names, implied dependencies, bare variables", async () => {
    const files = {
      "compose.yaml": [
        "services:",
        "  a:",
        "    image: x:${TAG}",
        "    links: [b:bee]",
        "    pull_policy: if_not_present",
        "    build: {args: [KNOWN, UNKNOWN]}",
        "    environment: [KNOWN, UNKNOWN]",
        "  b:",
        "    image: y",
        "    networks: [back]",
        "  c:",
        "    image: z",
        "    network_mode: host",
        "networks:",
        "  back: {}",
        "  ext: {external: true}",
        "volumes:",
        "  vol: {}",
        "",
      ].join("\n"),
    };
    const text = (await config(["--no-interpolate"], files, { KNOWN: "k" })).text;
    expect(text).toContain("    image: x:${TAG}\n");
    expect(text).toContain("  default:\n    name: shop_default\n");
    expect(text).toContain("  back:\n    name: shop_back\n");
    expect(text).toContain("  ext:\n    external: true\n    name: ext\n");
    expect(text).toContain("  vol:\n    name: shop_vol\n");
    expect(text).toContain(
      "    depends_on:\n      b:\n        condition: service_started\n        required: true\n        restart: true\n",
    );
    expect(text).toContain("    environment:\n      KNOWN: k\n      UNKNOWN: null\n");
    expect(text).toMatch(/ {4}build:\n {6}args:\n {8}KNOWN: k\n {6}context: \/.*\n {6}dockerfile: Dockerfile\n/);
    expect(text).toContain("    pull_policy: missing\n");
    expect(text).toMatch(/ {2}a:\n[^]* {4}networks:\n {6}default: null\n/);
    expect(text).not.toMatch(/ {2}c:\n[^]*networks/);
    const raw = (await config(["--no-interpolate", "--no-normalize"], files, { KNOWN: "k" })).text;
    expect(raw).not.toContain("default");
    expect(raw).toContain("    pull_policy: if_not_present\n");
  });

  it("--no-path-resolution keeps relative paths relative", async () => {
    const files = { "compose.yaml": "services:\n  a:\n    image: x\n    volumes: ['./data:/data']\n" };
    expect((await config([], files)).text).toMatch(/source: \/.*\/shop\/data\n/);
    expect((await config(["--no-path-resolution"], files)).text).toContain("source: ./data\n");
  });

  it("--no-normalize: no implicit default network, no project-prefixed names, no implicit dependencies", async () => {
    const files = {
      "compose.yaml":
        "services:\n  a:\n    image: x\n    links: [b]\n    volumes: ['vol:/v']\n  b:\n    image: y\nvolumes:\n  vol: {}\n",
    };
    const normal = (await config([], files)).text;
    expect(normal).toContain("    name: shop_default\n");
    expect(normal).toContain("    name: shop_vol\n");
    expect(normal).toContain("    depends_on:\n");
    const raw = (await config(["--no-normalize"], files)).text;
    expect(raw).not.toContain("default");
    expect(raw).not.toContain("shop_vol");
    expect(raw).not.toContain("depends_on");
    expect(raw).toContain("  vol: {}\n");
  });

  it("--no-env-resolution keeps env_file instead of folding it into environment", async () => {
    const files = {
      "compose.yaml": "services:\n  a:\n    image: x\n    env_file: [a.env, {path: b.env, required: false}]\n",
      "a.env": "FROM_FILE=1\n",
    };
    expect((await config([], files)).text).toContain('    environment:\n      FROM_FILE: "1"\n');
    const kept = (await config(["--no-env-resolution"], files)).text;
    expect(kept).not.toContain("FROM_FILE");
    expect(kept).toMatch(
      / {4}env_file:\n {6}- path: \/.*\/shop\/a\.env\n {6}- path: \/.*\/shop\/b\.env\n {8}required: false\n/,
    );
  });

  it("--no-consistency skips the reference checks", async () => {
    const files = { "compose.yaml": "services:\n  a:\n    image: x\n    depends_on: [ghost]\n" };
    await expect(config([], files)).rejects.toThrow(UserError);
    expect((await config(["--no-consistency"], files)).text).toContain("ghost:");
  });

  it("-q validates only: nothing printed, errors still thrown", async () => {
    const { text, args } = await config(["-q"]);
    expect(text).toBe("");
    await writeConfigOutput("never printed", args); // quiet: writes nothing
    await expect(config(["-q"], { "compose.yaml": "services:\n  a:\n    image: 1\n    bogus: 2\n" })).rejects.toThrow(
      UserError,
    );
  });

  it("-o FILE writes the output to the file", async () => {
    const { text, dir } = await config([]);
    const target = join(dir, "out.yaml");
    const args = parseCommandArgs(configCommand.spec, ["-o", target]);
    await writeConfigOutput(text, args);
    expect(readFileSync(target, "utf8")).toBe(text);
    const empty = join(dir, "empty.yaml");
    await writeConfigOutput("", parseCommandArgs(configCommand.spec, ["-o", empty]));
    expect(existsSync(empty)).toBe(false);
  });
});

describe("c2ts config | head -1", () => {
  const bin = join(import.meta.dirname, "../../bin/c2ts.js");
  it.runIf(existsSync(join(import.meta.dirname, "../../dist/cli/main.js")))(
    "ends quietly, with status 1, when the reader closes the pipe",
    () => {
      const services = Array.from({ length: 3000 }, (_, i) => `  s${i}:\n    image: busybox\n`).join("");
      const dir = tmpStack({ "compose.yaml": `services:\n${services}` });
      const run = spawnSync("bash", ["-c", `set -o pipefail; node ${bin} config | head -1`], {
        cwd: dir,
        encoding: "utf8",
      });
      expect(run.stdout).toBe(`name: proj\n`);
      expect(run.stderr).toBe("");
      // Truncated output is not a success (pipefail reports c2ts's 1), as docker compose's SIGPIPE.
      expect(run.status).toBe(1);
    },
  );
});
