/** The group that may read generated files holding secrets (haproxy.cfg): `--group`, else $C2TS_PROXY_GROUP. */
import { readFileSync } from "node:fs";
import { UserError } from "../compose/errors.js";

export const PROXY_GROUP_ENV = "C2TS_PROXY_GROUP";

/** The group id for `--group NAME|GID` (or the environment variable); undefined when none is named. */
export function proxyFileGroup(
  flag: string | undefined,
  environment: NodeJS.ProcessEnv = process.env,
): number | undefined {
  const name = flag ?? environment[PROXY_GROUP_ENV];
  if (name === undefined || name === "") return undefined;
  if (/^\d+$/.test(name)) return Number(name);
  let groups = "";
  try {
    groups = readFileSync("/etc/group", "utf8");
  } catch {
    // No group database: only numeric ids can be used.
  }
  for (const line of groups.split("\n")) {
    const [group, , gid] = line.split(":");
    if (group === name && gid !== undefined && /^\d+$/.test(gid)) return Number(gid);
  }
  throw new UserError(
    `${flag !== undefined ? "--group" : PROXY_GROUP_ENV}: no such group "${name}" (give a group name from /etc/group or a numeric id)`,
  );
}
