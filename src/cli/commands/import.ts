import { stringList, stringValue } from "../args.js";
import type { Command } from "../main.js";
import { assertOutputDirectory } from "../output-dir.js";

const command: Command = {
  spec: {
    name: "import",
    summary:
      "Generate typed TypeScript from a Compose stack: OUT/services.ts plus one module per included file. Every profile's services are generated; variables stay lookups. Also creates OUT/c2ts.config.ts (the cluster definition) when there is none.",
    usage:
      "c2ts import [FILE...] [-f FILE]... [-o DIR] [--force] [-p NAME] [--env-file F] [--profile P] [--project-directory DIR]",
    positionals: true,
    options: {
      file: { type: "string", short: "f", multiple: true, value: "FILE", description: "Compose file (YAML)" },
      out: { type: "string", short: "o", value: "DIR", description: "Output directory (default generated)" },
      force: { type: "boolean", description: "Overwrite generated files even if they were edited since" },
      "project-name": { type: "string", short: "p", value: "NAME", description: "Project name written into the stack" },
      profile: {
        type: "string",
        multiple: true,
        value: "PROFILE",
        description: "Accepted like config; every profile is generated",
      },
      "env-file": {
        type: "string",
        multiple: true,
        value: "FILE",
        description: "Environment file the stack reads at load time",
      },
      "project-directory": { type: "string", value: "DIR", description: "Alternate project directory" },
      json: { type: "boolean", description: "Print the written files as JSON" },
    },
  },
  async run(args) {
    const files = [...args.positionals, ...stringList(args.values.file)];
    const envFiles = stringList(args.values["env-file"]);
    const projectDirectory = stringValue(args.values["project-directory"]);
    const projectName = stringValue(args.values["project-name"]);

    const outDir = stringValue(args.values.out) ?? "generated";
    assertOutputDirectory(outDir, "-o");
    const { importStack } = await import("../../codegen/index.js");
    const result = await importStack({
      files,
      outDir,
      force: Boolean(args.values.force),
      projectName,
      envFiles,
      projectDirectory,
    });
    if (args.values.json) {
      process.stdout.write(JSON.stringify(result, null, 2) + "\n");
    } else {
      for (const f of result.written) process.stdout.write(`wrote ${f}\n`);
      if (result.unchanged.length > 0) process.stdout.write(`${result.unchanged.length} file(s) unchanged\n`);
    }
    return 0;
  },
};
export default command;
