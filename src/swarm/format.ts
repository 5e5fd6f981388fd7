/** The Swarm plan for humans, in the same form as the engine plan: one line per operation, updates with their field changes. */
import { formatChange } from "../runtime/diff.js";
import type { SwarmOperation, SwarmPlan } from "./plan.js";

const SIGN: Record<string, [string, number]> = { create: ["+", 32], update: ["~", 33], remove: ["-", 31] };

function describe(op: SwarmOperation): { verb: string; target: string } {
  const [verb, kind] = op.kind.split("-") as [string, string];
  return { verb, target: `${kind} ${op.name}` };
}

export function formatSwarmPlan(plan: SwarmPlan, options: { color?: boolean } = {}): string {
  const paint = (code: number, s: string) => (options.color ? `\x1b[${code}m${s}\x1b[0m` : s);
  const out: string[] = [];
  for (const w of plan.warnings) out.push(`${paint(33, "warning:")} ${w}`);
  if (plan.operations.length === 0) {
    out.push(`Stack ${plan.project} is up to date: no changes.`);
    return `${out.join("\n")}\n`;
  }
  const n = plan.operations.length;
  out.push(`Stack ${plan.project} (swarm): ${n} change${n === 1 ? "" : "s"}`);
  for (const op of plan.operations) {
    const { verb, target } = describe(op);
    const [sign, code] = SIGN[verb] ?? ["*", 34];
    out.push(`  ${paint(code, sign)} ${verb} ${target}  ${paint(2, `(${op.reason})`)}`);
    if (op.kind === "update-service") for (const ch of op.changes) out.push(`      ${paint(2, formatChange(ch))}`);
  }
  return `${out.join("\n")}\n`;
}
