/**
 * One deadline for a whole deploy (`--timeout`): waits get what is left of it rather than a full
 * timeout each, so a dependency chain of depth d no longer takes d × the timeout; when it passes,
 * `signal` aborts, cutting engine requests still in flight (a frozen engine never answers).
 */

/** The deploy ran out of time; the message names the limit. */
export class DeadlineExceeded extends Error {
  constructor(readonly timeoutMs: number) {
    super(`deploy timed out after ${Math.round(timeoutMs) / 1000}s (--timeout)`);
    this.name = "DeadlineExceeded";
  }
}

/**
 * The abort comes this long after the deadline itself, so that a wait, which is given exactly the
 * time left, times out first with its own message (which container, which condition).
 */
const ABORT_GRACE_MS = 250;

export class Deadline {
  readonly at: number;
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;

  constructor(readonly timeoutMs: number) {
    this.at = Date.now() + timeoutMs;
    this.timer = setTimeout(() => this.controller.abort(new DeadlineExceeded(timeoutMs)), timeoutMs + ABORT_GRACE_MS);
  }

  /** Aborted (with a DeadlineExceeded reason) once the deadline has passed. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get expired(): boolean {
    return this.controller.signal.aborted;
  }

  /** Milliseconds left, never negative. */
  remaining(): number {
    return Math.max(0, this.at - Date.now());
  }

  dispose(): void {
    clearTimeout(this.timer);
  }
}

/** How long one wait may take: its own timeout, cut to what is left of the deploy's deadline. */
export function waitBudget(timeoutMs: number, deadline: Deadline | undefined): number {
  // At least 1 ms: a wait given 0 would wait without limit.
  return deadline ? Math.max(1, Math.min(timeoutMs, deadline.remaining())) : timeoutMs;
}
