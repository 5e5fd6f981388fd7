/**
 * Folds BuildKit's status stream (vertexes = build steps, their logs) into what a deploy shows:
 * steps done / steps known and the step running now, plus the tail of a failed step's output for
 * the error message.
 */
import { statusResponse, type StatusResponse } from "./protocol.js";

export interface BuildStepProgress {
  current: number;
  total: number;
  message: string;
}

interface Step {
  name: string;
  done: boolean;
  cached: boolean;
  error: string;
  log: string[];
}

const LOG_TAIL = 10;

export class BuildKitProgress {
  private readonly steps = new Map<string, Step>();
  /** Steps in the order they started (running) or finished, newest last. */
  private readonly recent: string[] = [];

  /** Decode one `moby.buildkit.trace` payload (base64 protobuf); returns the new progress figure. */
  update(base64: string): BuildStepProgress | undefined {
    return this.apply(statusResponse.decode(Buffer.from(base64, "base64")));
  }

  apply(status: StatusResponse): BuildStepProgress | undefined {
    for (const v of status.vertexes) {
      const step = this.steps.get(v.digest) ?? { name: v.name, done: false, cached: false, error: "", log: [] };
      const wasDone = step.done;
      // Dockerfile line continuations leave runs of spaces in step names.
      step.name = v.name ? v.name.replace(/\s+/g, " ") : step.name;
      step.cached = step.cached || v.cached;
      step.done = step.done || Boolean(v.completed);
      if (v.error) step.error = v.error;
      this.steps.set(v.digest, step);
      if ((v.started && !v.completed) || (step.done && !wasDone)) this.touch(v.digest);
    }
    for (const l of status.logs) {
      const step = this.steps.get(l.vertex);
      if (!step) continue;
      const lines = Buffer.from(l.msg).toString("utf8").split(/\r?\n/).filter(Boolean);
      step.log.push(...lines);
      if (step.log.length > LOG_TAIL) step.log.splice(0, step.log.length - LOG_TAIL);
    }
    if (status.vertexes.length === 0) return undefined;
    return this.figure();
  }

  private touch(digest: string): void {
    const i = this.recent.indexOf(digest);
    if (i >= 0) this.recent.splice(i, 1);
    this.recent.push(digest);
  }

  private figure(): BuildStepProgress {
    // Internal bookkeeping steps ("[internal] load metadata …") count too: BuildKit lists them so.
    let done = 0;
    for (const s of this.steps.values()) if (s.done) done++;
    // The newest step still running, else the one that finished last.
    const running = [...this.recent].reverse().find((d) => !this.steps.get(d)!.done);
    const step = this.steps.get(running ?? this.recent[this.recent.length - 1] ?? "");
    const message = step ? (step.cached ? `CACHED ${step.name}` : step.name) : "";
    return { current: done, total: this.steps.size, message };
  }

  /** The failing step and the last lines it printed, for an error message. */
  failure(): string | undefined {
    for (const s of this.steps.values()) {
      if (!s.error) continue;
      const tail = s.log.length ? `\n${s.log.map((l) => `  > ${l}`).join("\n")}` : "";
      return `${s.name}: ${s.error}${tail}`;
    }
    return undefined;
  }
}
