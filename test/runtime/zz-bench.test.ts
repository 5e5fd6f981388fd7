import { it } from "vitest";
import { deploy, down } from "../../src/runtime/index.js";
import { project, service } from "../e2e/helpers.js";
it("bench", async () => {
  const services: Record<string, any> = {};
  for (let i = 0; i < 60; i++) services[`s${i}`] = service({ environment: { N: String(i) }, ...(i >= 10 ? { depends_on: { [`s${i - 10}`]: { condition: "service_started", required: true } } } : {}) });
  const p = project("benchc2ts", services);
  let t = Date.now();
  const r = await deploy(p, {});
  console.log("cold", Date.now() - t, r.result.ok, JSON.stringify(r.result.done));
  t = Date.now();
  const r2 = await deploy(p, {});
  console.log("noop", Date.now() - t, r2.plan.operations.length);
  t = Date.now();
  await down(p, {});
  console.log("down", Date.now() - t);
}, 300000);
