/**
 * c2ts command dispatcher. Commands are loaded on demand so that `c2ts config` never pays for
 * ts-morph and `c2ts --help` pays for nothing.
 */
import { isUserError } from "../compose/errors.js";
import { formatHelp, parseCommandArgs, type CommandSpec, type ParsedArgs } from "./args.js";
import { EXIT, systemErrorMessage, UsageError } from "./errors.js";
import { paint, useColor } from "./output.js";

export interface Command {
  spec: CommandSpec;
  run(args: ParsedArgs): Promise<number>;
}

const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  config: {
    summary: "Print the canonical model of a stack, as `docker compose config`",
    load: async () => (await import("./commands/config.js")).default,
  },
  import: {
    summary: "Generate TypeScript from a Compose stack",
    load: async () => (await import("./commands/import.js")).default,
  },
  plan: {
    summary: "Show what deploy would change (exit 0: nothing, 2: changes)",
    load: async () => (await import("./commands/plan.js")).default,
  },
  deploy: {
    summary: "Converge the Docker engine to the stack",
    load: async () => (await import("./commands/deploy.js")).default,
  },
  down: {
    summary: "Stop and remove the stack's containers and networks",
    load: async () => (await import("./commands/down.js")).default,
  },
  ps: { summary: "List the stack's containers", load: async () => (await import("./commands/ps.js")).default },
  logs: { summary: "Show container logs", load: async () => (await import("./commands/logs.js")).default },
  nodes: { summary: "List cluster nodes", load: async () => (await import("./commands/nodes.js")).default },
  proxy: {
    summary: "Generate Traefik and HAProxy failover config",
    load: async () => (await import("./commands/proxy.js")).default,
  },
};

function overview(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length)) + 2;
  const rows = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}${c.summary}`);
  return `c2ts — Docker Compose stacks as typed TypeScript\n\nUsage: c2ts <command> [options]\n\nCommands:\n${rows.join("\n")}\n\nRun 'c2ts <command> --help' for a command's options. 'c2ts --version' prints the version.\n`;
}

/**
 * `c2ts --env-file F config` as `docker compose --env-file F config` allows: flags before the
 * command belong to it. The first argument that names a command is the command.
 */
function commandFirst(argv: string[]): string[] {
  if (!argv[0]?.startsWith("-") || ["--help", "-h"].includes(argv[0])) return argv;
  const at = argv.findIndex((a) => Object.hasOwn(COMMANDS, a));
  return at < 0 ? argv : [argv[at]!, ...argv.slice(0, at), ...argv.slice(at + 1)];
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = commandFirst(argv);
  if (!name || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(overview());
    return name ? EXIT.OK : EXIT.ERROR;
  }
  const entry = COMMANDS[name];
  if (!entry) {
    process.stderr.write(`c2ts: unknown command "${name}"\n\n${overview()}`);
    return EXIT.ERROR;
  }
  const color = useColor(process.stderr);
  try {
    const command = await entry.load();
    const args = parseCommandArgs(command.spec, rest);
    if (args.values.help) {
      process.stdout.write(formatHelp(command.spec));
      return EXIT.OK;
    }
    return await command.run(args);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`${paint("red", "error:", color)} ${e.message}\nRun 'c2ts ${name} --help' for usage.\n`);
      return EXIT.ERROR;
    }
    if (isUserError(e)) {
      process.stderr.write(`${paint("red", "error:", color)} ${e.format()}\n`);
      return EXIT.ERROR;
    }
    // A file or directory the user named that cannot be read or written: the OS message names it.
    const system = systemErrorMessage(e);
    if (system) {
      process.stderr.write(`${paint("red", "error:", color)} ${system}\n`);
      return EXIT.ERROR;
    }
    throw e;
  }
}
