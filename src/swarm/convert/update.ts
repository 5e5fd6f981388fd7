/**
 * update_config and rollback_config → UpdateConfig/RollbackConfig (docker/cli
 * convertUpdateConfig: parallelism defaults to 1), with the c2ts defaults:
 *
 * - failure_action `rollback` when the file says nothing, so a failed update reverts by itself;
 * - monitor 5s (Swarm's documented default) when unset: through the API an unset monitor
 *   arrives as 0, which would stop watching new tasks as soon as they run.
 *
 * Jobs take no update or rollback config (Swarm rejects it).
 */
import { durationNanos, type ServiceContext } from "./context.js";
import { SwarmConvertError } from "./errors.js";
import { isJob, type DeployMode } from "./mode.js";
import type { UpdateConfig } from "./types.js";

export const DEFAULT_FAILURE_ACTION = "rollback";
export const DEFAULT_MONITOR_NS = 5_000_000_000;

interface UpdateConfigInput {
  parallelism?: number;
  delay?: string;
  failure_action?: string;
  monitor?: string;
  max_failure_ratio?: number;
  order?: string;
}

const FAILURE_ACTIONS = new Set(["continue", "pause", "rollback"]);
const ORDERS = new Set(["stop-first", "start-first"]);

export function updateConfigs(
  ctx: ServiceContext,
  mode: DeployMode,
): { UpdateConfig?: UpdateConfig; RollbackConfig?: UpdateConfig } {
  const deploy = ctx.service.deploy;
  const update = deploy?.update_config as UpdateConfigInput | undefined;
  const rollback = deploy?.rollback_config as UpdateConfigInput | undefined;
  if (isJob(mode)) {
    if (update) ctx.warn("deploy.update_config", `a ${mode} service has no rolling update; ignored`);
    if (rollback) ctx.warn("deploy.rollback_config", `a ${mode} service has no rolling update; ignored`);
    return {};
  }
  return {
    UpdateConfig: convert(ctx, "deploy.update_config", update ?? {}, DEFAULT_FAILURE_ACTION),
    ...(rollback ? { RollbackConfig: convert(ctx, "deploy.rollback_config", rollback) } : {}),
  };
}

function convert(
  ctx: ServiceContext,
  field: string,
  source: UpdateConfigInput,
  defaultFailureAction?: UpdateConfig["FailureAction"],
): UpdateConfig {
  const out: UpdateConfig = { Parallelism: source.parallelism ?? 1 };
  if (source.delay) out.Delay = durationNanos(source.delay);
  const action = source.failure_action ?? defaultFailureAction;
  if (action) {
    if (!FAILURE_ACTIONS.has(action)) {
      throw new SwarmConvertError(
        ctx.name,
        `${field}.failure_action`,
        `must be continue, pause or rollback, not "${action}"`,
      );
    }
    out.FailureAction = action as UpdateConfig["FailureAction"];
  }
  out.Monitor = source.monitor ? durationNanos(source.monitor) : DEFAULT_MONITOR_NS;
  if (source.max_failure_ratio) out.MaxFailureRatio = source.max_failure_ratio;
  if (source.order) {
    if (!ORDERS.has(source.order)) {
      throw new SwarmConvertError(
        ctx.name,
        `${field}.order`,
        `must be stop-first or start-first, not "${source.order}"`,
      );
    }
    out.Order = source.order as UpdateConfig["Order"];
  }
  return out;
}
