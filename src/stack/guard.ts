/**
 * Runs a stack module's evaluation so that the module cannot take over the c2ts process:
 *
 * - a bound on the time it may take (a stack is data: it has no reason to loop), enforced by V8
 *   itself through `vm`'s timeout, which stops even a `while (true) {}`;
 * - `process.exit()` / `process.abort()` during evaluation are refused: the stack ends with an
 *   error instead of c2ts exiting early with a code that reads as success ("nothing to change");
 * - anything the module throws becomes a StackEvaluationError at the frame in the user's module;
 *   its line is the transpiled code's, which load-module.ts maps back to the user's own line
 *   (esbuild reprints the code with a helper preamble, so the lines differ).
 *
 * Evaluation stays on the main thread: stacks hand back lookups and functions that a worker
 * could not send, and a worker costs more start-up time than loading the stack takes.
 */
import { SourceMap, type SourceMapPayload } from "node:module";
import { Script } from "node:vm";
import { UserError, type SourceLocation } from "../compose/errors.js";

export const DEFAULT_STACK_TIMEOUT_SECONDS = 30;
export const STACK_TIMEOUT_ENV = "C2TS_STACK_TIMEOUT";

/** The evaluation bound: `--stack-timeout SECONDS`, else $C2TS_STACK_TIMEOUT, else 30 s. */
export function stackTimeoutMs(flag?: string, environment: NodeJS.ProcessEnv = process.env): number {
  const raw = flag ?? environment[STACK_TIMEOUT_ENV];
  if (raw === undefined || raw.trim() === "") return DEFAULT_STACK_TIMEOUT_SECONDS * 1000;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    const source = flag !== undefined ? "--stack-timeout" : STACK_TIMEOUT_ENV;
    throw new UserError(`${source} must be a positive number of seconds, got "${raw}"`);
  }
  return Math.max(1, Math.round(seconds * 1000));
}

const RUN = Symbol.for("c2ts.stack.run");
// One script that calls back into the evaluation, so the vm timeout covers all of it.
const RUNNER = new Script(`globalThis[Symbol.for("c2ts.stack.run")]()`, { filename: "c2ts:stack-evaluation" });

/** An error in a stack module; `generated` is where, in the transpiled code (mapped by the loader). */
export class StackEvaluationError extends UserError {
  constructor(
    message: string,
    readonly generated: SourceLocation | undefined,
    entry: string,
    cause?: unknown,
  ) {
    super(message, { location: generated ?? { file: entry }, cause });
    this.name = "StackEvaluationError";
  }
}

interface ExitCall {
  call: string;
  location?: SourceLocation;
}

/** Calls `evaluate` under the guards above; `modules` are the files of the stack's own modules. */
export function runGuarded<T>(
  entry: string,
  modules: ReadonlyMap<string, unknown>,
  timeoutMs: number,
  evaluate: () => T,
): T {
  guardLaterCalls(modules);
  let exit: ExitCall | undefined;
  const refuse = (name: "exit" | "abort") =>
    function (this: unknown, status?: unknown): never {
      const error = new Error(`the stack called process.${name}()`);
      exit ??= {
        call: `process.${name}(${status === undefined ? "" : JSON.stringify(status)})`,
        location: userFrame(error, modules),
      };
      throw error;
    };
  const saved = { exit: process.exit, abort: process.abort };
  const g = globalThis as { [RUN]?: () => unknown };
  process.exit = refuse("exit") as typeof process.exit;
  process.abort = refuse("abort") as typeof process.abort;
  g[RUN] = evaluate;
  try {
    const result = RUNNER.runInThisContext({ timeout: timeoutMs, displayErrors: false }) as T;
    if (exit) throw exitError(exit, entry); // the module caught our error and went on
    return result;
  } catch (e) {
    if (exit) throw exitError(exit, entry);
    if ((e as NodeJS.ErrnoException | undefined)?.code === "ERR_SCRIPT_EXECUTION_TIMEOUT") {
      throw new UserError(
        `the stack did not finish evaluating within ${timeoutMs / 1000} s (a loop that never ends?); raise the limit with --stack-timeout SECONDS or ${STACK_TIMEOUT_ENV}`,
        { location: { file: entry } },
      );
    }
    if (e instanceof UserError) throw e;
    throw thrownError(e, entry, modules);
  } finally {
    process.exit = saved.exit;
    process.abort = saved.abort;
    delete g[RUN];
  }
}

/** Files of every stack module evaluated in this process: their code may still run later. */
const evaluatedModules = new Set<string>();
let laterCallsGuarded = false;

/** A process.exit()/abort() from a stack's timer or promise, refused. */
class LateExitRefused extends Error {
  constructor(
    readonly call: string,
    readonly location: SourceLocation,
  ) {
    super(`the stack called ${call}`);
  }
}

/**
 * A stack's timers and promises run after its evaluation, while c2ts deploys: for as long as c2ts
 * runs, their process.exit()/abort() is refused and what they throw is reported and ignored,
 * so the stack can neither end a deploy midway nor choose c2ts's exit status. (Timers that
 * would keep the process alive are bin/c2ts.js's concern: it exits once the command is done.)
 */
function guardLaterCalls(modules: ReadonlyMap<string, unknown>): void {
  for (const file of modules.keys()) evaluatedModules.add(file);
  if (laterCallsGuarded) return;
  laterCallsGuarded = true;
  const exit = process.exit;
  for (const name of ["exit", "abort"] as const) {
    const original = process[name] as (...args: unknown[]) => never;
    const guarded = function (this: unknown, ...args: unknown[]): never {
      const location = userFrame(new Error(), evaluatedModules);
      if (location) {
        throw new LateExitRefused(`process.${name}(${args[0] === undefined ? "" : describe(args[0])})`, location);
      }
      return original.apply(process, args);
    };
    (process as unknown as Record<string, unknown>)[name] = guarded;
  }
  const onStray = (e: unknown) => {
    const location =
      e instanceof LateExitRefused ? e.location : e instanceof Error ? userFrame(e, evaluatedModules) : undefined;
    if (!location) {
      // Not the stack's: c2ts's own failure, reported as Node would without this handler.
      process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      return exit.call(process, 1);
    }
    const what = e instanceof LateExitRefused ? `called ${e.call}` : `threw ${(e as Error).message.split("\n")[0]}`;
    process.stderr.write(`warning: ${location.file}: the stack ${what} after it was evaluated; ignored\n`);
  };
  process.on("uncaughtException", onStray);
  process.on("unhandledRejection", onStray);
}

function exitError(exit: ExitCall, entry: string): StackEvaluationError {
  return new StackEvaluationError(
    `the stack called ${exit.call}; a stack module must only describe the stack`,
    exit.location,
    entry,
  );
}

function thrownError(e: unknown, entry: string, modules: ReadonlyMap<string, unknown>): StackEvaluationError {
  const error = e instanceof Error ? (e as NodeJS.ErrnoException) : undefined;
  const message = error ? error.message.split("\n")[0]! : `non-error value ${describe(e)}`;
  const what =
    error?.code === "MODULE_NOT_FOUND" || error?.code === "ERR_REQUIRE_ESM"
      ? `cannot import a module: ${message}`
      : `the stack threw ${error ? `${error.name}: ` : ""}${message}`;
  return new StackEvaluationError(what, error && userFrame(error, modules), entry, e);
}

function describe(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

const FRAME = /^\s*at (?:.*? \()?(.+?):(\d+):(\d+)\)?$/;

/** The innermost frame of `error` that is in one of the stack's modules (transpiled position). */
function userFrame(error: Error, modules: { has(file: string): boolean }): SourceLocation | undefined {
  for (const line of (error.stack ?? "").split("\n")) {
    const m = FRAME.exec(line);
    if (m && modules.has(m[1]!)) return { file: m[1]!, line: Number(m[2]), column: Number(m[3]) };
  }
  return undefined;
}

/** 1-based transpiled line/column → 1-based position in the TypeScript source, through `map`. */
export function originalPosition(
  map: SourceMapPayload,
  line: number,
  column: number,
): { line: number; column: number } {
  const entry = new SourceMap(map).findEntry(line - 1, column - 1);
  return "originalLine" in entry
    ? { line: entry.originalLine + 1, column: entry.originalColumn + 1 }
    : { line, column };
}
