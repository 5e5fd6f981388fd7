/** Adapts an evaluated TypeScript stack module to the loader's StackSource. */
import type { StackSource } from "../compose/loader.js";

export async function typescriptStackSource(file: string): Promise<StackSource> {
  const { openStack } = await import("../stack/document.js");
  const opened = await openStack(file);
  return {
    workingDir: opened.workingDir,
    envFiles: opened.envFiles,
    evaluate: (environment, options) => opened.evaluate(environment, options),
  };
}
