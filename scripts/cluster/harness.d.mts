// Types for harness.mjs, so test/e2e/cluster.test.ts can import it under `strict`.
export const ROOT: string;
export const NODES_SH: string;
export const C2TS_BIN: string;
export interface ClusterLayout {
  prefix: string;
  net: string;
}
export interface ClusterNode {
  name: string;
  ip: string;
  socket: string;
}
export const DEFAULT_LAYOUT: ClusterLayout;
export function nodesOf(layout?: ClusterLayout): ClusterNode[];
export const NODES: readonly ClusterNode[];

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

export function run(
  cmd: string,
  args: string[],
  options?: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<RunResult>;
export function nodesSh(...args: string[]): Promise<string>;
export function nodesShFor(layout: ClusterLayout, ...args: string[]): Promise<string>;
export function nodeDocker(node: ClusterNode, args: string[]): Promise<string>;
export function freePort(): Promise<number>;

export interface ClusterProject {
  dir: string;
  env: NodeJS.ProcessEnv;
  ports: { pong: number; web: number; stats: number };
}

export function prepareProject(
  name: string,
  options?: { layout?: ClusterLayout; fixture?: string },
): Promise<ClusterProject>;
export function c2ts(project: ClusterProject, args: string[], timeoutMs?: number): Promise<RunResult>;
export function c2tsOk(project: ClusterProject, args: string[], timeoutMs?: number): Promise<RunResult>;

export function ping(port: number, timeoutMs?: number, host?: string): Promise<{ ok: boolean; error?: string }>;
export function backendStats(
  statsPort: number,
  backend: string,
): Promise<Record<string, { status: string; sessions: number }>>;

export interface Haproxy {
  child: import("node:child_process").ChildProcess;
  output: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function startHaproxy(
  cfg: string,
  statsPort: number,
  backend: string,
  options?: { timeoutMs?: number; masterWorker?: boolean },
): Promise<Haproxy>;
export function reloadHaproxy(
  haproxy: Haproxy,
  statsPort: number,
  backend: string,
  servers: string[],
  options?: { timeoutMs?: number },
): Promise<void>;
export function stopHaproxy(haproxy: Haproxy | undefined): Promise<void>;
export function waitSteady(
  port: number,
  statsPort: number,
  backend: string,
  options?: { count?: number; timeoutMs?: number; expectedServer?: string; up?: string[] },
): Promise<void>;
export function cutNode(name: string, layout?: ClusterLayout): Promise<void>;
export function healNode(name: string, layout?: ClusterLayout): Promise<void>;

export interface FailoverMeasurement {
  requests: number;
  failed: number;
  failedBeforeKill: number;
  failoverMs: number;
  firstSuccessMs: number;
  killTookMs: number;
  slowestAfterKillMs: number;
  errors: string[];
  timeline: { start: number; ok: boolean; ms: number }[];
}

export function measureFailover(options: {
  port: number;
  kill: () => Promise<unknown>;
  everyMs?: number;
  requestTimeoutMs?: number;
  warmupMs?: number;
  settleMs?: number;
  maxMs?: number;
  graceMs?: number;
  until?: Promise<unknown>;
}): Promise<FailoverMeasurement>;

export function httpGet(url: string, timeoutMs?: number): Promise<{ status: number; body: string; error?: string }>;
