/**
 * Run one deploy in a separate process (the interrupt test SIGKILLs it midway):
 * `vite-node test/e2e/deploy-child.ts <project.json>`; events go to stdout as NDJSON.
 */
import { readFileSync } from "node:fs";
import { deploy } from "../../src/runtime/index.js";

const project = JSON.parse(readFileSync(process.argv[2], "utf8"));
const r = await deploy(project, { onEvent: (e) => process.stdout.write(`${JSON.stringify(e)}\n`) });
process.stdout.write(`${JSON.stringify({ done: r.result.ok })}\n`);
