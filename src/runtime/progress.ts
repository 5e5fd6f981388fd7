/**
 * Rendering deploy/down events: a live per-resource view with elapsed times on a terminal,
 * one plain line per event otherwise, NDJSON (events then a summary) for --json. Colour only
 * on a TTY and never when NO_COLOR is set. Plus the human form of a plan.
 */
import type { DeployEvent, ExecuteResult } from "./events.js";
import { FINAL_STATUSES } from "./events.js";
import { formatChange } from "./diff.js";
import type { Operation, Plan } from "./plan.js";

export type ProgressMode = "auto" | "tty" | "plain" | "json";

export interface Renderer {
  onEvent(event: DeployEvent): void;
  /** Print the outcome (and stop any live redraw). */
  finish(result: ExecuteResult): void;
}

export interface RendererOptions {
  /** Where progress goes; default stderr (json: stdout). */
  stream?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number; rows?: number };
  env?: Record<string, string | undefined>;
  /** Clock, for tests. */
  now?: () => number;
  /** Force colour on or off (the CLI passes its own decision); default: TTY and no NO_COLOR. */
  color?: boolean;
}

export function colorEnabled(
  stream: { isTTY?: boolean },
  env: Record<string, string | undefined> = process.env,
): boolean {
  return Boolean(stream.isTTY) && !env.NO_COLOR;
}

const COLORS = { red: 31, green: 32, yellow: 33, blue: 34, cyan: 36, dim: 2, bold: 1 } as const;
type Color = keyof typeof COLORS;
const paint = (on: boolean, c: Color, s: string) => (on ? `\x1b[${COLORS[c]}m${s}\x1b[0m` : s);

const RESOURCE_LABEL: Record<DeployEvent["resource"], string> = {
  container: "Container",
  network: "Network",
  volume: "Volume",
  image: "Image",
  service: "Service",
  task: "Task",
  secret: "Secret",
  config: "Config",
};

function statusColor(status: DeployEvent["status"]): Color {
  if (status === "Error") return "red";
  if (status === "Warning" || status === "Skipped") return "yellow";
  if (FINAL_STATUSES.has(status)) return "green";
  return "blue";
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

function bytes(n: number): string {
  if (n < 1024) return `${n}B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)}kB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)}MB`;
  return `${(n / 1024 ** 3).toFixed(2)}GB`;
}

function progressText(e: DeployEvent): string {
  if (e.current === undefined || !e.total) return e.message ?? "";
  if (e.resource === "image" && e.total > 1000) return `${bytes(e.current)}/${bytes(e.total)}`;
  return `${e.current}/${e.total}${e.message ? ` ${e.message}` : ""}`;
}

export function createRenderer(mode: ProgressMode, options: RendererOptions = {}): Renderer {
  const env = options.env ?? process.env;
  if (mode === "json") return new JsonRenderer(options.stream ?? process.stdout, options.now ?? Date.now);
  const stream = options.stream ?? process.stderr;
  const tty = mode === "tty" || (mode === "auto" && Boolean(stream.isTTY) && env.TERM !== "dumb");
  const color = options.color ?? colorEnabled(stream, env);
  return tty
    ? new TtyRenderer(stream, color, options.now ?? Date.now)
    : new PlainRenderer(stream, color, options.now ?? Date.now);
}

function summaryLine(result: ExecuteResult, color: boolean): string {
  const counts = Object.entries(result.done)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${n} ${k.replace(/-/g, " ")}`)
    .join(", ");
  const head = result.interrupted
    ? paint(color, "yellow", "Interrupted")
    : result.ok
      ? paint(color, "green", "Done")
      : paint(color, "red", "Failed");
  return `${head} in ${seconds(result.durationMs)}${counts ? `: ${counts}` : ": nothing to do"}`;
}

function problemLines(result: ExecuteResult, color: boolean): string[] {
  const out: string[] = [];
  for (const e of result.errors)
    out.push(`${paint(color, "red", "error:")} ${RESOURCE_LABEL[e.resource]} ${e.name}: ${e.message}`);
  for (const s of result.skipped)
    out.push(`${paint(color, "yellow", "skipped:")} ${RESOURCE_LABEL[s.resource]} ${s.name}: ${s.message}`);
  return out;
}

class PlainRenderer implements Renderer {
  private readonly start: number;
  private readonly lastProgress = new Map<string, number>();

  constructor(
    private readonly stream: NodeJS.WritableStream,
    private readonly color: boolean,
    private readonly now: () => number,
  ) {
    this.start = now();
  }

  onEvent(e: DeployEvent): void {
    const key = `${e.resource}:${e.name}`;
    if (e.status === "Progress") {
      // Builds print each step; pulls at most every 5 s.
      const last = this.lastProgress.get(key) ?? 0;
      if (e.resource === "image" && e.total && e.total > 1000 && e.time - last < 5000) return;
      this.lastProgress.set(key, e.time);
    }
    const elapsed = paint(this.color, "dim", `[${seconds(e.time - this.start).padStart(6)}]`);
    const status = paint(this.color, statusColor(e.status), e.status);
    const detail = e.status === "Progress" ? progressText(e) : (e.message ?? "");
    const subject = e.name ? `${RESOURCE_LABEL[e.resource]} ${e.name}  ` : "";
    this.stream.write(`${elapsed} ${subject}${status}${detail ? `  ${detail}` : ""}\n`);
  }

  finish(result: ExecuteResult): void {
    for (const l of problemLines(result, this.color)) this.stream.write(`${l}\n`);
    this.stream.write(`${summaryLine(result, this.color)}\n`);
  }
}

interface Line {
  key: string;
  label: string;
  status: DeployEvent["status"];
  detail: string;
  first: number;
  last: number;
  final: boolean;
}

const SPINNER = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

class TtyRenderer implements Renderer {
  private readonly lines: Line[] = [];
  private readonly byKey = new Map<string, Line>();
  private readonly warnings: string[] = [];
  private drawn = 0;
  private frame = 0;
  private timer: NodeJS.Timeout | undefined;
  private dirty = false;

  constructor(
    private readonly stream: NodeJS.WritableStream & { columns?: number; rows?: number },
    private readonly color: boolean,
    private readonly now: () => number,
  ) {}

  onEvent(e: DeployEvent): void {
    if (e.status === "Warning" && !e.name) {
      this.warnings.push(e.message ?? "");
      return;
    }
    const key = `${e.resource}:${e.name}`;
    let line = this.byKey.get(key);
    if (!line) {
      line = {
        key,
        label: `${RESOURCE_LABEL[e.resource]} ${e.name}`,
        status: e.status,
        detail: "",
        first: e.time,
        last: e.time,
        final: false,
      };
      this.byKey.set(key, line);
      this.lines.push(line);
    }
    if (e.status === "Warning") {
      this.warnings.push(`${line.label}: ${e.message ?? ""}`);
    } else {
      line.status = e.status === "Progress" ? line.status : e.status;
      line.detail = e.status === "Progress" ? progressText(e) : (e.message ?? "");
      line.final = FINAL_STATUSES.has(e.status);
      line.last = e.time;
    }
    this.dirty = true;
    this.timer ??= setInterval(() => this.draw(), 100);
    this.timer.unref?.();
  }

  private render(line: Line): string {
    const width = this.stream.columns ?? 100;
    const iconChar = line.status === "Error" ? "✘" : line.final ? "✔" : SPINNER[this.frame % SPINNER.length];
    const iconColor: Color = line.status === "Error" ? "red" : line.final ? "green" : "cyan";
    const elapsed = seconds((line.final ? line.last : this.now()) - line.first);
    const base = ` ${iconChar} ${line.label}  ${line.status}`;
    // Cut the detail rather than wrap: a wrapped line breaks the cursor-up redraw.
    const room = width - elapsed.length - 2 - base.length - 2;
    let detail = line.detail;
    if (detail.length > room) detail = room > 1 ? `${detail.slice(0, room - 1)}…` : "";
    const plainLength = base.length + (detail ? detail.length + 2 : 0);
    const text = ` ${paint(this.color, iconColor, iconChar)} ${line.label}  ${paint(this.color, statusColor(line.status), line.status)}${detail ? `  ${detail}` : ""}`;
    const pad = Math.max(1, width - elapsed.length - 1 - plainLength);
    return `${text}${" ".repeat(pad)}${paint(this.color, "dim", elapsed)}`;
  }

  private draw(force = false): void {
    if (!this.dirty && !force && this.lines.every((l) => l.final)) return;
    this.frame++;
    const rows = Math.max(5, (this.stream.rows ?? 40) - 2);
    // On a short terminal, finished lines scroll away first.
    let shown = this.lines;
    if (shown.length > rows) {
      const active = this.lines.filter((l) => !l.final);
      shown = [
        ...this.lines.filter((l) => l.final).slice(-(rows - Math.min(active.length, rows))),
        ...active.slice(-rows),
      ];
    }
    let out = this.drawn > 0 ? `\x1b[${this.drawn}A` : "";
    for (const l of shown) out += `\x1b[2K${this.render(l)}\n`;
    for (let i = shown.length; i < this.drawn; i++) out += "\x1b[2K\n";
    const extra = Math.max(0, this.drawn - shown.length);
    if (extra) out += `\x1b[${extra}A`;
    this.stream.write(out);
    this.drawn = shown.length;
    this.dirty = false;
  }

  finish(result: ExecuteResult): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.lines.length) this.draw(true);
    for (const w of this.warnings) this.stream.write(`${paint(this.color, "yellow", "warning:")} ${w}\n`);
    for (const l of problemLines(result, this.color)) this.stream.write(`${l}\n`);
    this.stream.write(`${summaryLine(result, this.color)}\n`);
  }
}

class JsonRenderer implements Renderer {
  constructor(
    private readonly stream: NodeJS.WritableStream,
    private readonly now: () => number,
  ) {}

  onEvent(e: DeployEvent): void {
    this.stream.write(`${JSON.stringify({ type: "event", ...e })}\n`);
  }

  finish(result: ExecuteResult): void {
    this.stream.write(`${JSON.stringify({ type: "summary", time: this.now(), ...result })}\n`);
  }
}

function describeOperation(op: Operation): { verb: string; target: string } {
  switch (op.kind) {
    case "create-network":
      return { verb: "create", target: `network ${op.name}` };
    case "recreate-network":
      return { verb: "recreate", target: `network ${op.name}` };
    case "create-volume":
      return { verb: "create", target: `volume ${op.name}` };
    case "remove-network":
      return { verb: "remove", target: `network ${op.name}` };
    case "remove-volume":
      return { verb: "remove", target: `volume ${op.name}` };
    case "pull-image":
      return { verb: "pull", target: `image ${op.image}` };
    case "build-image":
      return { verb: "build", target: `image ${op.image}` };
    case "create-container":
      return { verb: "create", target: `container ${op.name}` };
    case "recreate-container":
      return { verb: "recreate", target: `container ${op.name}` };
    case "start-container":
      return { verb: "start", target: `container ${op.name}` };
    case "restart-container":
      return { verb: "restart", target: `container ${op.name}` };
    case "rename-container":
      return { verb: "rename", target: `container ${op.from} → ${op.to}` };
    case "remove-container":
      return { verb: "remove", target: `container ${op.name}` };
  }
}

const VERB_SIGN: Record<string, [string, Color]> = {
  create: ["+", "green"],
  pull: ["↓", "cyan"],
  build: ["⚒", "cyan"],
  recreate: ["~", "yellow"],
  start: [">", "green"],
  restart: ["↻", "yellow"],
  rename: ["→", "yellow"],
  remove: ["-", "red"],
};

/** The plan for humans: one line per operation with its reason, recreates with their field changes. */
export function formatPlan(plan: Plan, options: { color?: boolean } = {}): string {
  const color = options.color ?? false;
  const out: string[] = [];
  for (const w of plan.warnings) out.push(`${paint(color, "yellow", "warning:")} ${w}`);
  if (plan.operations.length === 0) {
    out.push(`Project ${plan.project} is up to date: no changes.`);
    return `${out.join("\n")}\n`;
  }
  out.push(`Project ${plan.project}: ${plan.operations.length} change${plan.operations.length === 1 ? "" : "s"}`);
  for (const op of plan.operations) {
    const { verb, target } = describeOperation(op);
    const [sign, c] = VERB_SIGN[verb];
    const reason = op.kind === "recreate-container" && op.changes.length ? "config changed" : op.reason;
    out.push(`  ${paint(color, c, sign)} ${verb} ${target}  ${paint(color, "dim", `(${reason})`)}`);
    if (op.kind === "recreate-container") {
      for (const ch of op.changes) out.push(`      ${paint(color, "dim", formatChange(ch))}`);
      if (op.update) out.push(`      ${paint(color, "dim", op.update)}`);
    }
  }
  return `${out.join("\n")}\n`;
}
