import { describe, expect, it, vi } from "vitest";
import { Deadline, DeadlineExceeded } from "../../src/runtime/deadline.js";
import {
  acquireDeployLock,
  deployLockHeld,
  DeployLocked,
  LOCK_LABEL,
  lockVolumeName,
  type LockEnvironment,
} from "../../src/runtime/deploy-lock.js";
import { deploy } from "../../src/runtime/index.js";
import { FakeEngine } from "./fake-engine.js";
import { proj, svc } from "./fixtures.js";

const T0 = Date.parse("2026-12-03T12:00:00Z");
const here = (over: Partial<LockEnvironment> = {}): LockEnvironment => ({
  now: () => T0,
  host: "nas",
  pid: 100,
  alive: () => true,
  ...over,
});

function holder(e: FakeEngine, labels: { host: string; pid: number; expires: number }): void {
  e.volumes.set(lockVolumeName("demo"), {
    Name: lockVolumeName("demo"),
    Labels: {
      [LOCK_LABEL.token]: "theirs",
      [LOCK_LABEL.host]: labels.host,
      [LOCK_LABEL.pid]: String(labels.pid),
      [LOCK_LABEL.started]: new Date(T0 - 5000).toISOString(),
      [LOCK_LABEL.expires]: new Date(labels.expires).toISOString(),
    },
  });
}

describe("deploy lock", () => {
  it("is taken by one deploy; a second is refused with the holder's host, pid and start time; release frees it", async () => {
    const e = new FakeEngine();
    const lock = await acquireDeployLock(e, "demo", 60_000, here());
    expect(e.volumes.get("demo_c2ts-deploy-lock")?.Labels?.[LOCK_LABEL.expires]).toBe(
      new Date(T0 + 60_000).toISOString(),
    );
    const second = acquireDeployLock(e, "demo", 60_000, here({ host: "laptop", pid: 7 }));
    await expect(second).rejects.toBeInstanceOf(DeployLocked);
    await expect(second).rejects.toThrow(
      "another deploy of project demo is running: pid 100 on host nas, started 2026-12-03T12:00:00.000Z (lock: volume demo_c2ts-deploy-lock, expires 2026-12-03T12:01:00.000Z)",
    );
    await lock.release();
    expect(e.volumes.has("demo_c2ts-deploy-lock")).toBe(false);
    await expect(acquireDeployLock(e, "demo", 60_000, here({ host: "laptop" }))).resolves.toBeDefined();
  });

  it("takes over a lock that expired, or whose deploy is dead on this host", async () => {
    const expired = new FakeEngine();
    holder(expired, { host: "elsewhere", pid: 5, expires: T0 - 1 });
    await acquireDeployLock(expired, "demo", 60_000, here());
    expect(expired.volumes.get("demo_c2ts-deploy-lock")?.Labels?.[LOCK_LABEL.token]).not.toBe("theirs");

    const dead = new FakeEngine();
    holder(dead, { host: "nas", pid: 5, expires: T0 + 60_000 });
    await acquireDeployLock(dead, "demo", 60_000, here({ alive: (pid) => pid !== 5 }));
    expect(dead.volumes.get("demo_c2ts-deploy-lock")?.Labels?.[LOCK_LABEL.pid]).toBe("100");
  });

  it("leaves a live lock alone: same pid alive on this host, or another host before expiry", async () => {
    const e = new FakeEngine();
    holder(e, { host: "nas", pid: 5, expires: T0 + 60_000 });
    await expect(acquireDeployLock(e, "demo", 60_000, here())).rejects.toThrow(/pid 5 on host nas/);
    holder(e, { host: "other", pid: 5, expires: T0 + 60_000 });
    await expect(acquireDeployLock(e, "demo", 60_000, here({ alive: () => false }))).rejects.toThrow(/host other/);
  });

  it("does not release a lock another deploy took over after it expired", async () => {
    const e = new FakeEngine();
    const mine = await acquireDeployLock(e, "demo", 60_000, here());
    holder(e, { host: "other", pid: 9, expires: T0 + 120_000 });
    await mine.release();
    expect(e.volumes.get("demo_c2ts-deploy-lock")?.Labels?.[LOCK_LABEL.token]).toBe("theirs");
  });
});

describe("deploy lock around a deploy", () => {
  it("is read, not taken, by a deploy with nothing to change; a deploy with changes takes and frees it", async () => {
    const e = new FakeEngine();
    e.images.set("busybox:latest", "sha256:bb");
    const p = proj({ web: svc() });
    const creates = vi.spyOn(e, "createVolume");
    await deploy(p, { engine: e });
    expect(creates).toHaveBeenCalledWith(expect.objectContaining({ Name: lockVolumeName("demo") }));
    expect(e.volumes.has(lockVolumeName("demo"))).toBe(false);
    creates.mockClear();
    const again = await deploy(p, { engine: e });
    expect(again.plan.operations).toEqual([]);
    expect(again.result.ok).toBe(true);
    expect(creates).not.toHaveBeenCalled();
  });

  it("refuses a deploy with nothing to change while another deploy holds the lock, as one with changes", async () => {
    const e = new FakeEngine();
    e.images.set("busybox:latest", "sha256:bb");
    const p = proj({ web: svc() });
    await deploy(p, { engine: e });
    holder(e, { host: "elsewhere", pid: 5, expires: Date.now() + 60_000 });
    await expect(deploy(p, { engine: e })).rejects.toThrow(
      /another deploy of project demo is running: pid 5 on host elsewhere/,
    );
  });

  it("deployLockHeld: a live holder holds it; none, an expired one or a dead pid on this host does not", async () => {
    const e = new FakeEngine();
    await expect(deployLockHeld(e, "demo", here())).resolves.toBe(false);
    holder(e, { host: "other", pid: 5, expires: T0 + 60_000 });
    await expect(deployLockHeld(e, "demo", here())).resolves.toBe(true);
    holder(e, { host: "other", pid: 5, expires: T0 - 1 });
    await expect(deployLockHeld(e, "demo", here())).resolves.toBe(false);
    holder(e, { host: "nas", pid: 5, expires: T0 + 60_000 });
    await expect(deployLockHeld(e, "demo", here({ alive: () => false }))).resolves.toBe(false);
    expect(e.volumes.has(lockVolumeName("demo"))).toBe(true); // reading never removes it
  });
});

describe("deadline", () => {
  it("gives what is left and aborts with the limit in its message", async () => {
    const d = new Deadline(20);
    expect(d.remaining()).toBeLessThanOrEqual(20);
    await new Promise((r) => d.signal.addEventListener("abort", r));
    expect(d.remaining()).toBe(0);
    expect(d.expired).toBe(true);
    expect(d.signal.reason).toBeInstanceOf(DeadlineExceeded);
    expect((d.signal.reason as Error).message).toBe("deploy timed out after 0.02s (--timeout)");
    d.dispose();
  });
});
