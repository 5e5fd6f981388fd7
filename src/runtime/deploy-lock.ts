/**
 * One deploy of a project at a time, per engine. The lock is a volume named
 * `<project>_c2ts-deploy-lock`, held in the engine so every machine deploying there sees it.
 * Creating a volume by name is atomic in the engine and idempotent: a second create returns the
 * volume that exists, labels and all, so the create's answer says who holds the lock. A lock left
 * by a killed deploy expires (its `expires` label), at once when its pid is gone on this host.
 * The volume carries no Compose labels: observe, plan and `down -v` never see it.
 */
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { UserError } from "../compose/errors.js";
import { isNotFound, type Engine } from "./engine.js";

const PREFIX = "dev.c2ts.deploy-lock";
export const LOCK_LABEL = {
  token: `${PREFIX}.token`,
  host: `${PREFIX}.host`,
  pid: `${PREFIX}.pid`,
  started: `${PREFIX}.started`,
  expires: `${PREFIX}.expires`,
} as const;

export function lockVolumeName(project: string): string {
  return `${project}_c2ts-deploy-lock`;
}

export interface LockHolder {
  host: string;
  pid: number;
  started: string;
  expires: string;
}

/** Another deploy of the project holds the lock: a condition to report (UserError: no stack trace), not a bug. */
export class DeployLocked extends UserError {
  constructor(
    readonly project: string,
    readonly holder: LockHolder,
  ) {
    super(
      `another deploy of project ${project} is running: pid ${holder.pid} on host ${holder.host}, started ${holder.started}` +
        ` (lock: volume ${lockVolumeName(project)}, expires ${holder.expires}); run again once it has finished`,
    );
    this.name = "DeployLocked";
  }
}

export interface DeployLock {
  /** Remove the lock, through `engine` when given (e.g. one with a shorter leash). */
  release(engine?: Engine): Promise<void>;
}

export interface LockEnvironment {
  now(): number;
  host: string;
  pid: number;
  /** Is `pid` a live process on this host? */
  alive(pid: number): boolean;
}

const defaultEnvironment: LockEnvironment = {
  now: () => Date.now(),
  host: hostname(),
  pid: process.pid,
  alive: (pid) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch (e) {
      return (e as NodeJS.ErrnoException).code === "EPERM";
    }
  },
};

/**
 * Take the project's deploy lock for at most `ttlMs` (after which another deploy may take it), or
 * throw DeployLocked naming the deploy that holds it.
 */
export async function acquireDeployLock(
  engine: Engine,
  project: string,
  ttlMs: number,
  env: LockEnvironment = defaultEnvironment,
): Promise<DeployLock> {
  const name = lockVolumeName(project);
  const token = randomBytes(8).toString("hex");
  for (let attempt = 0; ; attempt++) {
    const now = env.now();
    const volume = await engine.createVolume({
      Name: name,
      Labels: {
        [LOCK_LABEL.token]: token,
        [LOCK_LABEL.host]: env.host,
        [LOCK_LABEL.pid]: String(env.pid),
        [LOCK_LABEL.started]: new Date(now).toISOString(),
        [LOCK_LABEL.expires]: new Date(now + ttlMs).toISOString(),
      },
    });
    const labels = volume.Labels ?? {};
    if (labels[LOCK_LABEL.token] === token) return { release: (through = engine) => release(through, name, token) };
    const holder = holderOf(labels);
    if (attempt > 0 || !stale(holder, env)) throw new DeployLocked(project, holder);
    // A stale lock is removed and taken once; if another deploy took it meanwhile, it wins.
    await engine.removeVolume(name, true).catch((e: unknown) => {
      if (!isNotFound(e)) throw e;
    });
  }
}

/**
 * Does a live deploy hold the project's lock? A read, for a deploy that may not need the lock at
 * all (nothing to change); a stale lock counts as free, as acquireDeployLock would take it over.
 */
export async function deployLockHeld(
  engine: Engine,
  project: string,
  env: LockEnvironment = defaultEnvironment,
): Promise<boolean> {
  const volume = await engine.inspectVolume(lockVolumeName(project));
  return volume !== null && !stale(holderOf(volume.Labels ?? {}), env);
}

function holderOf(labels: Record<string, string>): LockHolder {
  return {
    host: labels[LOCK_LABEL.host] ?? "?",
    pid: Number(labels[LOCK_LABEL.pid] ?? 0),
    started: labels[LOCK_LABEL.started] ?? "?",
    expires: labels[LOCK_LABEL.expires] ?? "?",
  };
}

function stale(holder: LockHolder, env: LockEnvironment): boolean {
  const expires = Date.parse(holder.expires);
  if (!Number.isFinite(expires) || expires <= env.now()) return true;
  return holder.host === env.host && holder.pid > 0 && !env.alive(holder.pid);
}

/** Remove the lock if it is still ours (an expired one may have been taken over). */
async function release(engine: Engine, name: string, token: string): Promise<void> {
  const volume = await engine.inspectVolume(name);
  if (volume?.Labels?.[LOCK_LABEL.token] !== token) return;
  await engine.removeVolume(name, true).catch((e: unknown) => {
    if (!isNotFound(e)) throw e;
  });
}
