// Build benchmark: `c2ts deploy --build` through BuildKit against the classic builder, same engine,
// same work. The Dockerfile "installs dependencies" (writes N MB of random data and gzips it: real
// CPU and disk work) and then uses them. With BuildKit that step keeps its result in a
// `RUN --mount=type=cache`; the classic builder gets the same Dockerfile without the mount flag.
// For each builder it times, from c2ts's own --json events (Building → Built):
//   cold    first build: nothing cached
//   warm    a build arg used by the install step changed: the layer cache misses that step, so
//           BuildKit re-runs it against its warm cache mount, the classic builder redoes the work
//   cached  the same build again: every layer cached
// Figures are printed, never asserted (no timed assertions in tests).
//
//   node scripts/bench-build.mjs [--mb 64] [--runs 1]
// Build first (npm run build). Touches only projects and images named c2tsbench-build-<random>.
import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { median } from "./bench-util.mjs";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const { values: flags } = parseArgs({
  options: { mb: { type: "string", default: "64" }, runs: { type: "string", default: "1" } },
});
const MB = Number.parseInt(flags.mb, 10);
const RUNS = Number.parseInt(flags.runs, 10);

function dockerfile(builder, id) {
  const mount = builder === "buildkit" ? `--mount=type=cache,id=c2tsbench-${id},target=/deps ` : "";
  return `FROM c2ts-test/busybox:latest
RUN echo ${id} > /bench-id
ARG BUST=0
RUN ${mount}mkdir -p /deps && cd /deps && \\
    if [ ! -f deps.gz ]; then dd if=/dev/urandom of=raw bs=1M count=${MB} 2>/dev/null && gzip -c raw > deps.gz && rm raw; fi && \\
    sha256sum deps.gz > /deps.sum && echo "$BUST" > /bust
CMD ["sleep", "3600"]
`;
}

/** One `c2ts deploy --build`; returns the build's duration from the Building/Built events. */
function timedBuild(dir, project, builder, bust) {
  writeFileSync(
    join(dir, "compose.yaml"),
    `services:\n  app:\n    image: ${project}:bench\n    init: true\n    build:\n      context: .\n      args:\n        BUST: "${bust}"\n`,
  );
  const env = { ...process.env, DOCKER_BUILDKIT: builder === "buildkit" ? "1" : "0" };
  const r = spawnSync(
    process.execPath,
    [
      join(ROOT, "bin/c2ts.js"),
      "deploy",
      "-f",
      join(dir, "compose.yaml"),
      "-p",
      project,
      "--build",
      "--no-wait",
      "--json",
    ],
    { env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
  );
  const events = r.stdout
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));
  const start = events.find((e) => e.status === "Building");
  const end = events.find((e) => e.status === "Built");
  if (r.status !== 0 || !start || !end)
    throw new Error(`deploy failed (${builder}, BUST=${bust}): ${r.stderr}\n${r.stdout.slice(-2000)}`);
  return end.time - start.time;
}

function benchBuilder(builder) {
  const results = { cold: [], warm: [], cached: [] };
  for (let run = 0; run < RUNS; run++) {
    const id = randomBytes(4).toString("hex");
    const project = `c2tsbench-build-${builder}-${id}`;
    const dir = mkdtempSync(join(tmpdir(), "c2tsbench-build-"));
    try {
      writeFileSync(join(dir, "Dockerfile"), dockerfile(builder, id));
      results.cold.push(timedBuild(dir, project, builder, "0"));
      results.warm.push(timedBuild(dir, project, builder, "1"));
      results.cached.push(timedBuild(dir, project, builder, "1"));
    } finally {
      spawnSync(process.execPath, [join(ROOT, "bin/c2ts.js"), "down", "-f", join(dir, "compose.yaml"), "-p", project], {
        stdio: "ignore",
      });
      const ids = execFileSync("docker", ["images", "-q", "--filter", `reference=${project}`], { encoding: "utf8" })
        .split("\n")
        .filter(Boolean);
      if (ids.length) spawnSync("docker", ["rmi", "-f", ...ids], { stdio: "ignore" });
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return { cold: median(results.cold), warm: median(results.warm), cached: median(results.cached) };
}

console.log(
  `build benchmark: install step = ${MB} MB random data gzipped; ${RUNS} run(s), median; ms from Building to Built`,
);
const classic = benchBuilder("classic");
const buildkit = benchBuilder("buildkit");
console.log(`${"".padEnd(10)} ${"classic".padStart(9)} ${"BuildKit".padStart(9)}  BuildKit/classic`);
for (const step of ["cold", "warm", "cached"]) {
  const ratio = (buildkit[step] / classic[step]).toFixed(2);
  console.log(
    `${step.padEnd(10)} ${classic[step].toFixed(0).padStart(9)} ${buildkit[step].toFixed(0).padStart(9)}  ${ratio}`,
  );
}
console.log(`BuildKit warm cache mount vs its own cold build: ${(buildkit.warm / buildkit.cold).toFixed(2)}`);
