/**
 * Registry credentials the way the docker CLI finds them: ~/.docker/config.json (or $DOCKER_CONFIG),
 * credential helpers (`credHelpers` for the registry, else `credsStore`) run as
 * `docker-credential-<name> get`, then `auths` entries. A malformed file is an error naming it.
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

/** The config file; absent means no credentials, anything unreadable or malformed is an error naming it. */
async function readConfig(path: string): Promise<DockerConfigFile> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw new Error(`cannot read the Docker config file ${path}: ${(e as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = text.trim() === "" ? {} : JSON.parse(text);
  } catch (e) {
    throw new Error(`the Docker config file ${path} is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw new Error(`the Docker config file ${path} must hold a JSON object`);
  const config = parsed as DockerConfigFile;
  if (config.credsStore !== undefined && typeof config.credsStore !== "string")
    throw new Error(`the Docker config file ${path}: credsStore must be a string`);
  if (config.credHelpers !== undefined && (typeof config.credHelpers !== "object" || config.credHelpers === null))
    throw new Error(`the Docker config file ${path}: credHelpers must be an object`);
  return config;
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

/**
 * Run `docker-credential-<helper> <action>` with `input` on stdin, as the docker CLI does. "Not
 * found" answers resolve undefined; a missing or failing helper is an error naming it and the file.
 */
function runHelper(
  helper: string,
  action: "get" | "list",
  input: string,
  configPath: string,
): Promise<string | undefined> {
  const program = `docker-credential-${helper}`;
  return new Promise((resolve, reject) => {
    const child = execFile(program, [action], { timeout: 10_000 }, (err, stdout, stderr) => {
      if (!err) return resolve(stdout);
      const said = `${stdout}${stderr}`.trim();
      if (/credentials not found/i.test(said)) return resolve(undefined);
      const why = (err as NodeJS.ErrnoException).code === "ENOENT" ? "not found on PATH" : said || err.message;
      reject(new Error(`credential helper ${program} (named in ${configPath}) failed: ${why}`));
    });
    child.stdin?.on("error", () => {}); // a helper that exits without reading stdin
    child.stdin?.end(input);
  });
}

async function helperGet(helper: string, server: string, configPath: string): Promise<RegistryAuth | undefined> {
  const out = await runHelper(helper, "get", server, configPath);
  if (out === undefined) return undefined;
  let r: { Username?: string; Secret?: string };
  try {
    r = JSON.parse(out) as typeof r;
  } catch {
    throw new Error(
      `credential helper docker-credential-${helper} (named in ${configPath}) printed no JSON credentials`,
    );
  }
  if (!r.Secret) return undefined;
  return r.Username === "<token>"
    ? { identitytoken: r.Secret, serveraddress: server }
    : { username: r.Username, password: r.Secret, serveraddress: server };
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
    const fromHelper = await helperGet(helper, key, configPath);
    if (fromHelper) return fromHelper;
  }
  const entry = findAuthEntry(config, key);
  return entry ? decodeAuthEntry(entry, key) : undefined;
}

/**
 * Every credential the config knows (what the CLI sends as X-Registry-Config for classic builds):
 * `auths` entries, then what `credsStore` lists, then each `credHelpers` registry.
 */
export async function allRegistryAuths(configPath = dockerConfigPath()): Promise<Record<string, RegistryAuth>> {
  const config = await readConfig(configPath);
  const out: Record<string, RegistryAuth> = {};
  for (const [k, entry] of Object.entries(config.auths ?? {})) {
    const auth = decodeAuthEntry(entry, k);
    if (auth) out[k] = auth;
  }
  if (config.credsStore) {
    const listed = await runHelper(config.credsStore, "list", "", configPath);
    let servers: string[] = [];
    try {
      servers = Object.keys(JSON.parse(listed ?? "{}") as Record<string, string>);
    } catch {
      throw new Error(
        `credential helper docker-credential-${config.credsStore} (named in ${configPath}) listed no JSON`,
      );
    }
    for (const server of servers) {
      const auth = await helperGet(config.credsStore, server, configPath);
      if (auth) out[server] = auth;
    }
  }
  for (const [registry, helper] of Object.entries(config.credHelpers ?? {})) {
    const auth = await helperGet(helper, registry, configPath);
    if (auth) out[registry] = auth;
  }
  return out;
}
