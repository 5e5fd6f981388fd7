/**
 * Node discovery from `tailscale status --json`.
 *
 * The JSON is ipnstate.Status from tailscale/tailscale (ipn/ipnstate/ipnstate.go): `Self` and `Peer`
 * are PeerStatus objects, `Peer` is a map keyed by node public key ("nodekey:…"). Some wrappers
 * re-emit `Peer` as an array, so both forms are accepted. Only the fields c2ts needs are read;
 * the format is documented upstream as "subject to change", so every field is treated as optional.
 */
import { execFile } from "node:child_process";
import { isIP } from "node:net";
import { UserError } from "../compose/errors.js";
import { isMapping } from "../compose/mapping.js";
import { toDnsLabel } from "./dns-label.js";

/** One machine of the tailnet, as c2ts sees it. */
export interface TailscaleNode {
  /** DNS label used in host names: first label of DNSName, else the sanitized HostName. */
  name: string;
  hostName: string;
  /** FQDN without the trailing dot, e.g. "nas.tail1234.ts.net". */
  dnsName?: string;
  /** All Tailscale addresses, IPv4 first. */
  ips: string[];
  /** The address proxies and engines use: the first IPv4, else the first IPv6. */
  ip?: string;
  /**
   * Connected to the control plane. Offline and key-expired peers stay listed with `online: false`;
   * resolveCluster keeps them (placement still names them) and the proxy generators skip them.
   */
  online: boolean;
  os?: string;
  tags: string[];
  /** True for the machine that ran `tailscale status`. */
  self: boolean;
  /** Stable node id or public key, when present; only used to make duplicate handling deterministic. */
  id?: string;
}

export interface TailscaleStatus {
  backendState?: string;
  magicDnsSuffix?: string;
  self?: TailscaleNode;
  /** Self and peers, sorted by name, names unique. */
  nodes: TailscaleNode[];
  warnings: string[];
}

/** Runs a command and reports its output; injected so discovery can be tested without Tailscale. */
export type CommandRunner = (cmd: string, args: string[]) => Promise<{ stdout: string; stderr?: string; code: number }>;

type Json = Record<string, unknown>;

function str(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
}

function nodeName(dnsName: string | undefined, hostName: string): string {
  const first = dnsName?.split(".")[0];
  const fromDns = first ? toDnsLabel(first) : "";
  return fromDns || toDnsLabel(hostName);
}

/** Running and Starting both have a usable netmap; see cli/status.go isRunningOrStarting. */
function selfIsUp(backendState: string | undefined): boolean {
  return backendState === undefined || backendState === "Running" || backendState === "Starting";
}

function readPeer(
  raw: Json,
  self: boolean,
  backendState: string | undefined,
  where: string,
  warnings: string[],
): TailscaleNode | undefined {
  const hostName = str(raw.HostName) ?? "";
  const dnsName = str(raw.DNSName)?.replace(/\.$/, "");
  const name = nodeName(dnsName, hostName);
  if (!name) {
    warnings.push(`${where}: no usable DNSName or HostName; node ignored`);
    return undefined;
  }
  const addrs = strings(raw.TailscaleIPs).filter((ip) => isIP(ip) !== 0);
  const ips = [...addrs.filter((ip) => isIP(ip) === 4), ...addrs.filter((ip) => isIP(ip) === 6)];
  let online: boolean;
  if (self) {
    // The local daemon is reachable by definition; Self.Online only reflects the control-plane link.
    online = selfIsUp(backendState);
  } else if (typeof raw.Online === "boolean") {
    online = raw.Online && raw.Expired !== true;
  } else {
    // Tailscale before 1.2 had no Online field; assume reachable rather than dropping every node.
    online = raw.Expired !== true;
    warnings.push(`${where} (${name}): no "Online" field; assuming the node is online`);
  }
  return {
    name,
    hostName,
    ...(dnsName ? { dnsName } : {}),
    ips,
    ...(ips[0] ? { ip: ips[0] } : {}),
    online,
    ...(str(raw.OS) ? { os: str(raw.OS) } : {}),
    tags: strings(raw.Tags),
    self,
    ...((str(raw.ID) ?? str(raw.PublicKey)) ? { id: str(raw.ID) ?? str(raw.PublicKey) } : {}),
  };
}

/** Keeps one node per name: self first, then online, then the smallest id. */
function better(a: TailscaleNode, b: TailscaleNode): TailscaleNode {
  if (a.self !== b.self) return a.self ? a : b;
  if (a.online !== b.online) return a.online ? a : b;
  return (a.id ?? "") <= (b.id ?? "") ? a : b;
}

/**
 * Parses the text (or already-parsed value) printed by `tailscale status --json`.
 * Peers shared into the tailnet by other users (`ShareeNode`) are skipped, as `tailscale status` does.
 */
export function parseTailscaleStatus(input: string | unknown): TailscaleStatus {
  let data: unknown = input;
  if (typeof input === "string") {
    try {
      data = JSON.parse(input);
    } catch (e) {
      throw new UserError(`\`tailscale status --json\` did not print valid JSON: ${(e as Error).message}`, {
        cause: e,
      });
    }
  }
  if (!isMapping(data)) {
    throw new UserError(
      "`tailscale status --json` printed JSON that is not an object; is this a Tailscale status document?",
    );
  }
  const warnings: string[] = [];
  const backendState = str(data.BackendState);
  const tailnet = isMapping(data.CurrentTailnet) ? data.CurrentTailnet : undefined;
  const magicDnsSuffix = str(tailnet?.MagicDNSSuffix) ?? str(data.MagicDNSSuffix);

  const found: TailscaleNode[] = [];
  let self: TailscaleNode | undefined;
  if (isMapping(data.Self)) {
    const selfRaw = { ...data.Self };
    // Older daemons put the addresses only at the top level.
    if (!Array.isArray(selfRaw.TailscaleIPs) && Array.isArray(data.TailscaleIPs))
      selfRaw.TailscaleIPs = data.TailscaleIPs;
    self = readPeer(selfRaw, true, backendState, "Self", warnings);
    if (self) found.push(self);
  }

  const peerField = data.Peer;
  let peers: [string, unknown][] = [];
  if (Array.isArray(peerField)) peers = peerField.map((p, i) => [`Peer[${i}]`, p]);
  else if (isMapping(peerField))
    peers = Object.keys(peerField)
      .sort()
      .map((k) => [`Peer["${k}"]`, peerField[k]]);
  else if (peerField !== undefined && peerField !== null) {
    throw new UserError('`tailscale status --json`: "Peer" is neither a map nor an array');
  }
  for (const [where, raw] of peers) {
    if (!isMapping(raw)) {
      warnings.push(`${where}: not an object; ignored`);
      continue;
    }
    if (raw.ShareeNode === true) continue;
    const node = readPeer(raw, false, backendState, where, warnings);
    if (node) found.push(node);
  }

  const byName = new Map<string, TailscaleNode>();
  for (const node of found) {
    const prev = byName.get(node.name);
    if (!prev) {
      byName.set(node.name, node);
      continue;
    }
    const kept = better(prev, node);
    const dropped = kept === prev ? node : prev;
    warnings.push(
      `two tailnet nodes are named "${node.name}" (${kept.dnsName ?? kept.hostName} and ${dropped.dnsName ?? dropped.hostName}); using ${kept.ip ?? kept.name}`,
    );
    byName.set(node.name, kept);
  }
  const nodes = [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return {
    ...(backendState ? { backendState } : {}),
    ...(magicDnsSuffix ? { magicDnsSuffix } : {}),
    ...(self && byName.get(self.name) === self ? { self } : {}),
    nodes,
    warnings,
  };
}

const STOPPED_HELP = "Start it with `tailscale up` (or `sudo tailscale up`), then run c2ts again.";
const DAEMON_HELP =
  "Start the daemon (e.g. `sudo systemctl start tailscaled`, or open the Tailscale app), run `tailscale up`, then run c2ts again.";

function backendStateError(state: string): UserError | undefined {
  switch (state) {
    case "Stopped":
      return new UserError(`Tailscale is stopped on this machine. ${STOPPED_HELP}`);
    case "NeedsLogin":
      return new UserError(
        "Tailscale is logged out on this machine. Log in with `tailscale up` (or `tailscale login`), then run c2ts again.",
      );
    case "NeedsMachineAuth":
      return new UserError(
        "This machine is waiting for approval by a tailnet admin (Tailscale state NeedsMachineAuth). Approve it in the admin console, then run c2ts again.",
      );
    case "NoState":
      return new UserError(
        "tailscaled has not finished starting (state NoState). Wait a moment or run `tailscale up`, then run c2ts again.",
      );
    default:
      return undefined;
  }
}

function failureError(stdout: string, stderr: string, code: number): UserError {
  const output = `${stderr}\n${stdout}`.trim();
  const firstLine =
    output
      .split("\n")
      .find((l) => l.trim() !== "")
      ?.trim() ?? "";
  if (/tailscale is stopped/i.test(output))
    return new UserError(`Tailscale is stopped on this machine. ${STOPPED_HELP}`);
  if (/logged out|needslogin/i.test(output)) {
    return new UserError("Tailscale is logged out on this machine. Log in with `tailscale up`, then run c2ts again.");
  }
  if (
    /failed to connect to local tail|tailscaled.*(not|n't).*running|is the tailscale service running|connect: no such file|connection refused/i.test(
      output,
    )
  ) {
    return new UserError(`Cannot reach the local tailscaled daemon (${firstLine}). ${DAEMON_HELP}`);
  }
  return new UserError(
    `\`tailscale status --json\` failed with exit code ${code}${firstLine ? `: ${firstLine}` : ""}. Check that Tailscale is installed and running (\`tailscale status\`).`,
  );
}

/** Default runner: child_process.execFile, resolving the command on PATH (from `env`, default process.env). */
export function execFileRunner(options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): CommandRunner {
  const timeout = options.timeoutMs ?? 15_000;
  return (cmd, args) =>
    new Promise((resolve, reject) => {
      execFile(
        cmd,
        args,
        { encoding: "utf8", env: options.env ?? process.env, timeout, maxBuffer: 64 * 1024 * 1024, windowsHide: true },
        (error, stdout, stderr) => {
          if (!error) return resolve({ stdout, stderr, code: 0 });
          const err = error as NodeJS.ErrnoException & { code?: unknown; killed?: boolean };
          if (typeof err.code === "number") return resolve({ stdout, stderr, code: err.code });
          if (err.killed) {
            return reject(
              new UserError(
                `\`${cmd} ${args.join(" ")}\` did not finish within ${timeout / 1000}s; is tailscaled hung?`,
              ),
            );
          }
          reject(err);
        },
      );
    });
}

/**
 * Asks the local Tailscale daemon for the tailnet's machines.
 * Every failure the user can fix (binary missing, daemon down, logged out, stopped) becomes a UserError saying what to do.
 */
export async function discoverNodes(run: CommandRunner = execFileRunner()): Promise<TailscaleStatus> {
  let result: { stdout: string; stderr?: string; code: number };
  try {
    result = await run("tailscale", ["status", "--json"]);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") {
      throw new UserError(
        "The `tailscale` command was not found on PATH. Install Tailscale (https://tailscale.com/download) and run `tailscale up`, or list the nodes statically in defineCluster({ nodes: [...] }).",
        { cause: e },
      );
    }
    throw e;
  }
  const stdout = result.stdout ?? "";
  const stderr = result.stderr ?? "";
  if (result.code !== 0) throw failureError(stdout, stderr, result.code);
  // `tailscale status --json` exits 0 even when stopped or logged out; the state is in the JSON.
  if (stdout.trim() === "") {
    throw new UserError(
      `\`tailscale status --json\` printed nothing${stderr.trim() ? ` (${stderr.trim().split("\n")[0]})` : ""}. Check \`tailscale status\`.`,
    );
  }
  const status = parseTailscaleStatus(stdout);
  const stateError = status.backendState ? backendStateError(status.backendState) : undefined;
  if (stateError) throw stateError;
  return status;
}
