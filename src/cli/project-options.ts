/**
 * The flags every stack-reading command shares (-f, -p, --profile, --env-file,
 * --project-directory, --stack) and the one function that turns them into a loaded project.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import type { LoadedProject, LoadOptions } from "../compose/loader.js";
import { stringList, stringValue, type OptionSpec, type ParsedArgs } from "./args.js";
import { warn } from "./output.js";

export const PROJECT_OPTIONS: Record<string, OptionSpec> = {
  file: { type: "string", short: "f", multiple: true, value: "FILE", description: "Compose file (YAML)" },
  stack: {
    type: "string",
    value: "FILE.ts",
    description: "TypeScript stack (default: generated/services.ts when no -f)",
  },
  "project-name": { type: "string", short: "p", value: "NAME", description: "Project name" },
  profile: { type: "string", multiple: true, value: "PROFILE", description: "Enable a profile" },
  "env-file": { type: "string", multiple: true, value: "FILE", description: "Alternate environment file" },
  "project-directory": { type: "string", value: "DIR", description: "Alternate working directory" },
  "stack-timeout": {
    type: "string",
    value: "SECONDS",
    description: "Stop evaluating a TypeScript stack after this long (default $C2TS_STACK_TIMEOUT, else 30)",
  },
};

/** Same as PROJECT_OPTIONS without --stack, for commands that only read YAML. */
export const YAML_PROJECT_OPTIONS: Record<string, OptionSpec> = Object.fromEntries(
  Object.entries(PROJECT_OPTIONS).filter(([k]) => k !== "stack" && k !== "stack-timeout"),
);

export const DEFAULT_STACK = "generated/services.ts";

export interface StackChoice {
  /** Prefer the TypeScript stack when neither -f nor --stack is given and it exists. */
  preferStack: boolean;
}

export async function loadFromArgs(
  args: ParsedArgs,
  choice: StackChoice = { preferStack: false },
  extra: Partial<LoadOptions> = {},
): Promise<LoadedProject> {
  const { loadProject } = await import("../compose/loader.js");
  return loadProject(await loadOptionsFromArgs(args, choice, extra));
}

/** The LoadOptions the shared flags describe (`extra` adds command-specific ones). */
export async function loadOptionsFromArgs(
  args: ParsedArgs,
  choice: StackChoice = { preferStack: false },
  extra: Partial<LoadOptions> = {},
): Promise<LoadOptions> {
  const v = args.values;
  const files = stringList(v.file);
  let stack = stringValue(v.stack);
  if (!stack && files.length === 0 && choice.preferStack && existsSync(resolve(DEFAULT_STACK))) stack = DEFAULT_STACK;

  const options: LoadOptions = {
    files,
    projectName: stringValue(v["project-name"]),
    profiles: stringList(v.profile),
    envFiles: stringList(v["env-file"]),
    projectDirectory: stringValue(v["project-directory"]),
    onWarning: warn,
    ...extra,
  };
  if (stack) {
    const [{ typescriptStackSource }, { stackTimeoutMs }] = await Promise.all([
      import("./stack-source.js"),
      import("../stack/guard.js"),
    ]);
    options.stack = await typescriptStackSource(resolve(stack), {
      timeoutMs: stackTimeoutMs(stringValue(v["stack-timeout"])),
    });
  }
  return options;
}
