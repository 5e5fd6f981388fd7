/** Docker engine addresses per node: which schemes c2ts accepts and the default for each node. */
import { isIP } from "node:net";
import { UserError } from "../compose/errors.js";

export const LOCAL_ENGINE = "unix:///var/run/docker.sock";
/** Docker's conventional unencrypted TCP port; reachable only inside the tailnet in this setup. */
export const DEFAULT_ENGINE_PORT = 2375;

const SCHEMES = ["ssh:", "tcp:", "unix:", "npipe:"];

/** `ssh://user@host[:port]`, `tcp://host:port`, `unix:///path`, `npipe:////./pipe/name`; anything else is a UserError. */
export function checkEngineAddress(address: string, path: string): void {
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    throw new UserError(
      `"${address}" is not an engine address; use ssh://user@host, tcp://<ip>:2375 or unix:///var/run/docker.sock`,
      { path },
    );
  }
  if (!SCHEMES.includes(url.protocol)) {
    throw new UserError(
      `engine address "${address}" has unsupported scheme "${url.protocol}"; use ssh://, tcp://, unix:// or npipe://`,
      { path },
    );
  }
  if ((url.protocol === "ssh:" || url.protocol === "tcp:") && url.hostname === "") {
    throw new UserError(`engine address "${address}" has no host`, { path });
  }
  if ((url.protocol === "unix:" || url.protocol === "npipe:") && (url.pathname === "" || url.pathname === "/")) {
    throw new UserError(`engine address "${address}" has no socket path`, { path });
  }
}

/** Host part of a URL: IPv6 literals need brackets. */
export function urlHost(ip: string): string {
  return isIP(ip) === 6 ? `[${ip}]` : ip;
}

/** The local node talks to its own socket; other nodes are reached over the tailnet. */
export function defaultEngineAddress(ip: string, local: boolean): string {
  return local ? LOCAL_ENGINE : `tcp://${urlHost(ip)}:${DEFAULT_ENGINE_PORT}`;
}
