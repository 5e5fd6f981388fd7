import type { Command } from "../main.js";
import { PROJECT_OPTIONS } from "../project-options.js";

const command: Command = {
  spec: {
    name: "config",
    summary: "Parse, resolve and render the stack in canonical format, as `docker compose config` does.",
    usage:
      "c2ts config [-f FILE]... [--stack FILE.ts] [-p NAME] [--profile P]... [--env-file F]... [--project-directory DIR] [OPTIONS] [SERVICE...]",
    positionals: true,
    options: {
      ...PROJECT_OPTIONS,
      format: { type: "string", value: "yaml|json", description: "Format the output (default yaml)" },
      quiet: { type: "boolean", short: "q", description: "Only validate the configuration, don't print anything" },
      "no-interpolate": { type: "boolean", description: "Don't interpolate environment variables" },
      "no-normalize": { type: "boolean", description: "Don't normalize compose model" },
      "no-path-resolution": { type: "boolean", description: "Don't resolve file paths" },
      "no-consistency": {
        type: "boolean",
        description: "Don't check model consistency - warning: may produce invalid Compose output",
      },
      "no-env-resolution": { type: "boolean", description: "Don't resolve service env files" },
      services: { type: "boolean", description: "Print the service names, one per line." },
      volumes: { type: "boolean", description: "Print the volume names, one per line." },
      networks: { type: "boolean", description: "Print the network names, one per line." },
      profiles: { type: "boolean", description: "Print the profile names, one per line." },
      images: { type: "boolean", description: "Print the image names, one per line." },
      hash: { type: "string", value: 'SERVICE|"*"', description: "Print the service config hash, one per line." },
      variables: { type: "boolean", description: "Print model variables and default values." },
      environment: { type: "boolean", description: "Print environment used for interpolation." },
      output: { type: "string", short: "o", value: "FILE", description: "Save to file (default to stdout)" },
    },
  },
  async run(args) {
    const { configOutput, writeConfigOutput } = await import("../config-output.js");
    const output = await configOutput(args);
    await writeConfigOutput(output, args);
    return 0;
  },
};
export default command;
