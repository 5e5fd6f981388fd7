// Writes a realistic large stack for benchmarks: a root file that includes N files of M services,
// with x- fragments, anchors, interpolation, Traefik labels, healthchecks and dependencies.
// Usage: node scripts/gen-large-stack.mjs DIR [files=10] [servicesPerFile=30]
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export function generateLargeStack(dir, files = 10, perFile = 30) {
  mkdirSync(join(dir, "compose"), { recursive: true });
  const includes = [];
  for (let f = 0; f < files; f++) {
    const name = `area${String(f).padStart(2, "0")}`;
    includes.push(`  - compose/${name}.yml`);
    const lines = [
      `# Services of ${name}.`,
      `x-${name}-env: &${name}-env`,
      "  TZ: ${TZ:-Etc/UTC}",
      "  PUID: ${PUID:-1000}",
      `x-${name}-base: &${name}-base`,
      "  image: ${REGISTRY:-docker.io}/library/busybox:${TAG:-latest}",
      "  restart: unless-stopped",
      "  init: true",
      "services:",
    ];
    for (let s = 0; s < perFile; s++) {
      const svc = `${name}-svc${String(s).padStart(2, "0")}`;
      lines.push(
        `  ${svc}:`,
        `    <<: *${name}-base`,
        `    command: ["httpd", "-f", "-p", "80"]`,
        "    environment:",
        `      <<: *${name}-env`,
        `      SERVICE_NAME: ${svc}`,
        "    volumes:",
        `      - \${CONFIG_PATH:-./volumes}/${svc}:/config`,
        "    ports:",
        `      - "${20000 + f * 100 + s}:80"`,
        "    labels:",
        '      traefik.enable: "true"',
        `      traefik.http.services.${svc}.loadbalancer.server.port: "80"`,
        "    healthcheck:",
        '      test: ["CMD", "wget", "-q", "-O-", "http://127.0.0.1/"]',
        "      interval: 30s",
        "      timeout: 5s",
      );
      if (s > 0)
        lines.push(
          "    depends_on:",
          `      ${name}-svc${String(s - 1).padStart(2, "0")}:`,
          "        condition: service_started",
        );
    }
    writeFileSync(join(dir, "compose", `${name}.yml`), lines.join("\n") + "\n");
  }
  writeFileSync(join(dir, "compose.yaml"), `name: large\ninclude:\n${includes.join("\n")}\n`);
  return join(dir, "compose.yaml");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [dir, files, perFile] = process.argv.slice(2);
  console.log(generateLargeStack(dir ?? "bench-out/large", Number(files ?? 10), Number(perFile ?? 30)));
}
