/** Adapts an evaluated TypeScript stack module to the loader's StackSource. */
import type { StackSource } from "../compose/loader.js";
import type { EvaluateOptions } from "../stack/load-module.js";

export async function typescriptStackSource(file: string, options: EvaluateOptions = {}): Promise<StackSource> {
  const { openStack } = await import("../stack/document.js");
  const opened = await openStack(file, options);
  return {
    workingDir: opened.workingDir,
    envFiles: opened.envFiles,
    declaredName: (environment, options) => opened.declaredName(environment, options),
    evaluate: (environment, options) => opened.evaluate(environment, options),
  };
}
