/** The labels Docker Compose v2 puts on what it creates; c2ts writes and reads the same ones. */
export const LABEL = {
  project: "com.docker.compose.project",
  service: "com.docker.compose.service",
  containerNumber: "com.docker.compose.container-number",
  oneoff: "com.docker.compose.oneoff",
  configHash: "com.docker.compose.config-hash",
  dependsOn: "com.docker.compose.depends_on",
  image: "com.docker.compose.image",
  workingDir: "com.docker.compose.project.working_dir",
  configFiles: "com.docker.compose.project.config_files",
  version: "com.docker.compose.version",
  replace: "com.docker.compose.replace",
  network: "com.docker.compose.network",
  volume: "com.docker.compose.volume",
  /** c2ts only: the content-aware config hash (hash.ts) that decides recreations. */
  c2tsConfigHash: "dev.c2ts.config-hash",
  /** c2ts only: the hashed service config, so a recreate can say what changed. */
  c2tsConfig: "dev.c2ts.config",
} as const;

export function projectFilter(project: string): Record<string, string[]> {
  return { label: [`${LABEL.project}=${project}`] };
}
