/**
 * `build.secrets` and `build.ssh` resolved to what a BuildKit session serves: secret IDs mapped to
 * readers of the top-level secret's file or environment variable (read only when BuildKit asks, so
 * the value is never held in a plan or printed), and SSH IDs mapped to agent sockets. Problems are
 * reported up front, naming the service and field.
 */
import { readFile, stat } from "node:fs/promises";
import type { Project } from "../../compose/model.js";

export interface BuildSecretSources {
  secrets: Map<string, () => Promise<Buffer>>;
  ssh: Map<string, string>;
}

export async function resolveBuildSecrets(
  project: Project,
  service: string,
  environment: Record<string, string | undefined>,
): Promise<BuildSecretSources> {
  const build = project.services[service].build!;
  const secrets = new Map<string, () => Promise<Buffer>>();
  for (const [i, ref] of (build.secrets ?? []).entries()) {
    const where = `service "${service}": build.secrets[${i}]`;
    const def = project.secrets?.[ref.source];
    if (!def) throw new Error(`${where}: secret "${ref.source}" is not defined in the top-level secrets`);
    // As Compose: the ID the Dockerfile mounts is the target when given, else the secret's name.
    const id = ref.target ?? ref.source;
    if (def.file !== undefined) {
      const file = def.file;
      try {
        await stat(file);
      } catch {
        throw new Error(`${where}: secret "${ref.source}" file ${file} does not exist`);
      }
      secrets.set(id, () => readFile(file));
    } else if (def.environment !== undefined) {
      const name = def.environment;
      if (environment[name] === undefined)
        throw new Error(`${where}: secret "${ref.source}" reads environment variable ${name}, which is not set`);
      secrets.set(id, () => Promise.resolve(Buffer.from(environment[name]!, "utf8")));
    } else if (def.content !== undefined) {
      const content = def.content;
      secrets.set(id, () => Promise.resolve(Buffer.from(content, "utf8")));
    } else {
      throw new Error(`${where}: secret "${ref.source}" has no file or environment source a build can use`);
    }
  }

  const ssh = new Map<string, string>();
  for (const [i, entry] of (build.ssh ?? []).entries()) {
    const where = `service "${service}": build.ssh[${i}]`;
    const eq = entry.indexOf("=");
    const id = eq < 0 ? entry : entry.slice(0, eq);
    const paths =
      eq < 0
        ? []
        : entry
            .slice(eq + 1)
            .split(",")
            .filter(Boolean);
    if (paths.length === 0) {
      const sock = environment.SSH_AUTH_SOCK;
      if (!sock) throw new Error(`${where}: "${entry}" forwards the SSH agent, but SSH_AUTH_SOCK is not set`);
      ssh.set(id, sock);
      continue;
    }
    if (paths.length > 1) throw new Error(`${where}: "${entry}": one agent socket per ID is supported`);
    const path = paths[0];
    let isSocket = false;
    try {
      isSocket = (await stat(path)).isSocket();
    } catch {
      throw new Error(`${where}: ${path} does not exist`);
    }
    if (!isSocket)
      throw new Error(
        `${where}: ${path} is not an SSH agent socket; load the key into an agent (ssh-add) and name its socket, or use "${id}" alone for SSH_AUTH_SOCK`,
      );
    ssh.set(id, path);
  }
  return { secrets, ssh };
}
