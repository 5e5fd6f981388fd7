import { afterAll, describe, expect, it } from "vitest";
import { deploy, plan, planExitCode } from "../../src/runtime/index.js";
import { containerIds, dockerCli, engine, engineReady, project, purge, service, uniqueProject } from "./helpers.js";

const name = uniqueProject("netchange");

function stack(internal: boolean) {
  return project(
    name,
    { app: service({ networks: { back: null } }), other: service() },
    { networks: { back: { name: `${name}_back`, ipam: {}, internal } } },
  );
}

describe.skipIf(!engineReady)("a network whose configuration changed, on a real engine", () => {
  afterAll(async () => {
    await purge(name);
    (await engine()).close();
  }, 180_000);

  it("is recreated, and only the containers on it are recreated, attached to the new network", async () => {
    const e = await engine();
    expect((await deploy(stack(false), { engine: e })).result.errors).toEqual([]);
    const before = await containerIds(name);
    const oldNetwork = dockerCli(["network", "inspect", "-f", "{{.Id}}", `${name}_back`]);

    const p = await plan(stack(true), { engine: e });
    expect(planExitCode(p)).toBe(2);
    expect(p.operations.map((o) => o.kind)).toEqual(["recreate-network", "recreate-container"]);

    const r = await deploy(stack(true), { engine: e });
    expect(r.result.errors).toEqual([]);
    const after = await containerIds(name);
    expect(dockerCli(["network", "inspect", "-f", "{{.Internal}}", `${name}_back`])).toBe("true");
    const newNetwork = dockerCli(["network", "inspect", "-f", "{{.Id}}", `${name}_back`]);
    expect(newNetwork).not.toBe(oldNetwork);
    expect(after[`${name}-app-1`]).not.toBe(before[`${name}-app-1`]);
    expect(after[`${name}-other-1`]).toBe(before[`${name}-other-1`]);
    const attached = dockerCli([
      "inspect",
      "-f",
      `{{(index .NetworkSettings.Networks "${name}_back").NetworkID}} {{.State.Status}}`,
      `${name}-app-1`,
    ]);
    expect(attached).toBe(`${newNetwork} running`);
    expect(planExitCode(await plan(stack(true), { engine: e }))).toBe(0);
  }, 180_000);
});
