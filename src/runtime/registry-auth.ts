/**
 * Registry credentials the way the docker CLI finds them: ~/.docker/config.json (or $DOCKER_CONFIG),
 * `auths` entries, then credential helpers (`credHelpers`, `credsStore`) run as
 * `docker-credential-<name> get`.
 */
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import type { RegistryAuth } from "./engine.js";
import { authConfigKey } from "./image-ref.js";

interface DockerConfigFile {
  auths?: Record<
    string,
    { auth?: string; username?: string; password?: string; identitytoken?: string; registrytoken?: string }
  >;
  credsStore?: string;
  credHelpers?: Record<string, string>;
}

export function dockerConfigPath(env: Record<string, string | undefined> = process.env): string {
  return join(env.DOCKER_CONFIG ?? join(homedir(), ".docker"), "config.json");
}

async function readConfig(path: string): Promise<DockerConfigFile> {
  try {
    return JSON.parse(await readFile(path, "utf8")) as DockerConfigFile;
  } catch {
    return {};
  }
}

/** The `auths` entry for `key`, also matching entries written with a scheme or path (`https://ghcr.io/v1/`). */
function findAuthEntry(
  config: DockerConfigFile,
  key: string,
): NonNullable<DockerConfigFile["auths"]>[string] | undefined {
  const auths = config.auths ?? {};
  if (auths[key]) return auths[key];
  const bare = (k: string) => k.replace(/^https?:\/\//, "").replace(/\/.*$/, "");
  const wanted = bare(key);
  for (const [k, v] of Object.entries(auths)) if (bare(k) === wanted) return v;
  return undefined;
}

export function decodeAuthEntry(
  entry: NonNullable<DockerConfigFile["auths"]>[string],
  serveraddress: string,
): RegistryAuth | undefined {
  const out: RegistryAuth = { serveraddress };
  if (entry.auth) {
    const decoded = Buffer.from(entry.auth, "base64").toString("utf8");
    const i = decoded.indexOf(":");
    if (i > 0) {
      out.username = decoded.slice(0, i);
      out.password = decoded.slice(i + 1);
    }
  }
  if (entry.username) out.username = entry.username;
  if (entry.password) out.password = entry.password;
  if (entry.identitytoken) out.identitytoken = entry.identitytoken;
  if (entry.registrytoken) out.registrytoken = entry.registrytoken;
  return out.username || out.identitytoken || out.registrytoken ? out : undefined;
}

function runHelper(helper: string, server: string): Promise<RegistryAuth | undefined> {
  return new Promise((resolve) => {
    const child = execFile(`docker-credential-${helper}`, ["get"], { timeout: 10_000 }, (err, stdout) => {
      if (err) return resolve(undefined);
      try {
        const r = JSON.parse(stdout) as { Username?: string; Secret?: string; ServerURL?: string };
        if (!r.Secret) return resolve(undefined);
        resolve(
          r.Username === "<token>"
            ? { identitytoken: r.Secret, serveraddress: server }
            : { username: r.Username, password: r.Secret, serveraddress: server },
        );
      } catch {
        resolve(undefined);
      }
    });
    child.stdin?.end(server);
  });
}

/** Credentials for pulling from `registry` (host as in the image reference), if any are configured. */
export async function registryAuth(
  registry: string,
  configPath = dockerConfigPath(),
): Promise<RegistryAuth | undefined> {
  const config = await readConfig(configPath);
  const key = authConfigKey(registry);
  const helper = config.credHelpers?.[registry] ?? config.credHelpers?.[key] ?? config.credsStore;
  if (helper) {
    const fromHelper = await runHelper(helper, key);
    if (fromHelper) return fromHelper;
  }
  const entry = findAuthEntry(config, key);
  return entry ? decodeAuthEntry(entry, key) : undefined;
}

/** Every credential in the config file's `auths` (what the CLI sends as X-Registry-Config for builds). */
export async function allRegistryAuths(configPath = dockerConfigPath()): Promise<Record<string, RegistryAuth>> {
  const config = await readConfig(configPath);
  const out: Record<string, RegistryAuth> = {};
  for (const [k, entry] of Object.entries(config.auths ?? {})) {
    const auth = decodeAuthEntry(entry, k);
    if (auth) out[k] = auth;
  }
  return out;
}
