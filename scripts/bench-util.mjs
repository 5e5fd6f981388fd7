// Small helpers shared by the benchmark scripts: run a command N times and report the median.
import { spawnSync } from "node:child_process";

export function timeCommand(cmd, args, { runs = 7, env = process.env, cwd } = {}) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    const r = spawnSync(cmd, args, { env, cwd, stdio: ["ignore", "ignore", "pipe"] });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed: ${r.stderr}`);
    times.push(ms);
  }
  return median(times);
}

export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function row(label, ms, target) {
  const verdict =
    target === undefined ? "" : ms <= target ? `  (target ${target} ms: met)` : `  (target ${target} ms: MISSED)`;
  console.log(`${label.padEnd(44)} ${ms.toFixed(0).padStart(6)} ms${verdict}`);
}
