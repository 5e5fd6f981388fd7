import { describe, expect, it } from "vitest";
import { convert, warningsOf } from "./helpers.js";

describe("deploy.mode and replicas", () => {
  it("maps each mode", async () => {
    const stack = await convert(`
services:
  dflt: { image: x }
  repl: { image: x, deploy: { mode: replicated, replicas: 4 } }
  glob: { image: x, deploy: { mode: global } }
  rjob: { image: x, deploy: { mode: replicated-job, replicas: 3 } }
  rjob1: { image: x, deploy: { mode: replicated-job } }
  gjob: { image: x, deploy: { mode: global-job } }
`);
    expect(stack.services.dflt!.Mode).toEqual({ Replicated: { Replicas: 1 } });
    expect(stack.services.repl!.Mode).toEqual({ Replicated: { Replicas: 4 } });
    expect(stack.services.glob!.Mode).toEqual({ Global: {} });
    expect(stack.services.rjob!.Mode).toEqual({ ReplicatedJob: { MaxConcurrent: 3, TotalCompletions: 3 } });
    expect(stack.services.rjob1!.Mode).toEqual({ ReplicatedJob: { MaxConcurrent: 1, TotalCompletions: 1 } });
    expect(stack.services.gjob!.Mode).toEqual({ GlobalJob: {} });
  });

  it("scale wins over deploy.replicas, as in compose-go", async () => {
    const stack = await convert(`
services:
  a: { image: x, scale: 5, deploy: { replicas: 2 } }
`);
    expect(stack.services.a!.Mode).toEqual({ Replicated: { Replicas: 5 } });
  });

  it("refuses replicas on a global service", async () => {
    await expect(convert(`services: { a: { image: x, deploy: { mode: global, replicas: 2 } } }`)).rejects.toThrow(
      /service "a": deploy.replicas: cannot be used with mode global/,
    );
  });

  it("jobs get no update or rollback config, and say so when the file has one", async () => {
    const stack = await convert(`
services:
  j:
    image: x
    deploy:
      mode: replicated-job
      update_config: { parallelism: 2 }
      rollback_config: { parallelism: 2 }
`);
    expect(stack.services.j!.UpdateConfig).toBeUndefined();
    expect(stack.services.j!.RollbackConfig).toBeUndefined();
    expect(warningsOf(stack, "j")).toEqual([
      "deploy.update_config: a replicated-job service has no rolling update; ignored",
      "deploy.rollback_config: a replicated-job service has no rolling update; ignored",
    ]);
  });
});

describe("update_config and rollback_config", () => {
  it("maps every field", async () => {
    const stack = await convert(`
services:
  a:
    image: x
    deploy:
      update_config:
        parallelism: 2
        delay: 10s
        failure_action: pause
        monitor: 1m
        max_failure_ratio: 0.25
        order: start-first
      rollback_config:
        parallelism: 0
        delay: 1s
        failure_action: continue
        monitor: 20s
        max_failure_ratio: 0.5
        order: stop-first
`);
    expect(stack.services.a!.UpdateConfig).toEqual({
      Parallelism: 2,
      Delay: 10_000_000_000,
      FailureAction: "pause",
      Monitor: 60_000_000_000,
      MaxFailureRatio: 0.25,
      Order: "start-first",
    });
    expect(stack.services.a!.RollbackConfig).toEqual({
      Parallelism: 0,
      Delay: 1_000_000_000,
      FailureAction: "continue",
      Monitor: 20_000_000_000,
      MaxFailureRatio: 0.5,
      Order: "stop-first",
    });
  });

  it("defaults failure_action to rollback and monitor to 5s when the file says nothing", async () => {
    const stack = await convert(`
services:
  a: { image: x, deploy: { update_config: { order: start-first } } }
  b: { image: x }
`);
    expect(stack.services.a!.UpdateConfig).toEqual({
      Parallelism: 1,
      FailureAction: "rollback",
      Monitor: 5_000_000_000,
      Order: "start-first",
    });
    expect(stack.services.b!.UpdateConfig).toEqual({
      Parallelism: 1,
      FailureAction: "rollback",
      Monitor: 5_000_000_000,
    });
    expect(stack.services.b!.RollbackConfig).toBeUndefined();
  });

  it("a rollback_config without failure_action gets Swarm's default, not rollback", async () => {
    const stack = await convert(`services: { a: { image: x, deploy: { rollback_config: { parallelism: 3 } } } }`);
    expect(stack.services.a!.RollbackConfig).toEqual({ Parallelism: 3, Monitor: 5_000_000_000 });
  });
});

describe("restart policy", () => {
  it("maps deploy.restart_policy", async () => {
    const stack = await convert(`
services:
  a:
    image: x
    deploy:
      restart_policy: { condition: on-failure, delay: 5s, max_attempts: 3, window: 2m }
`);
    expect(stack.services.a!.TaskTemplate.RestartPolicy).toEqual({
      Condition: "on-failure",
      Delay: 5_000_000_000,
      MaxAttempts: 3,
      Window: 120_000_000_000,
    });
  });

  it("falls back to restart:, with `no` kept as none (docker stack would restart always)", async () => {
    const stack = await convert(`
services:
  no: { image: x, restart: "no" }
  always: { image: x, restart: always }
  stopped: { image: x, restart: unless-stopped }
  fail: { image: x, restart: "on-failure:4" }
  wins: { image: x, restart: always, deploy: { restart_policy: { condition: none } } }
  unset: { image: x }
`);
    expect(stack.services.no!.TaskTemplate.RestartPolicy).toEqual({ Condition: "none" });
    expect(stack.services.always!.TaskTemplate.RestartPolicy).toEqual({ Condition: "any" });
    expect(stack.services.stopped!.TaskTemplate.RestartPolicy).toEqual({ Condition: "any" });
    expect(stack.services.fail!.TaskTemplate.RestartPolicy).toEqual({ Condition: "on-failure", MaxAttempts: 4 });
    expect(stack.services.wins!.TaskTemplate.RestartPolicy).toEqual({ Condition: "none" });
    expect(stack.services.unset!.TaskTemplate.RestartPolicy).toBeUndefined();
  });
});

describe("restart policy of jobs", () => {
  it("a job that completed does not start again unless the file says so", async () => {
    const stack = await convert(`
services:
  migrate: { image: x, deploy: { mode: replicated-job } }
  sweep: { image: x, deploy: { mode: global-job, restart_policy: { condition: any } } }
  seed: { image: x, restart: "no", deploy: { mode: replicated-job } }
`);
    expect(stack.services.migrate!.TaskTemplate.RestartPolicy).toEqual({ Condition: "on-failure" });
    expect(stack.services.sweep!.TaskTemplate.RestartPolicy).toEqual({ Condition: "any" });
    expect(stack.services.seed!.TaskTemplate.RestartPolicy).toEqual({ Condition: "none" });
  });
});
