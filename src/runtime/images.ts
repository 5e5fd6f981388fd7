/**
 * Image operations of a plan: pulls (with registry credentials and per-layer progress folded into
 * one figure) and builds (src/runtime/build/: BuildKit by default, else the classic builder).
 */
import type { Project } from "../compose/model.js";
import type { Engine, ProgressMessage } from "./engine.js";
import type { DeployEvent } from "./events.js";
import { splitImageReference } from "./image-ref.js";
import type { Operation } from "./plan.js";

export interface ImageOpContext {
  emit: (e: DeployEvent) => void;
  warn: (message: string) => void;
  run: <T>(fn: () => Promise<T>) => Promise<T>;
  environment: Record<string, string | undefined>;
}

export async function executeImageOperation(
  engine: Engine,
  project: Project,
  op: Extract<Operation, { kind: "pull-image" | "build-image" }>,
  ctx: ImageOpContext,
): Promise<void> {
  if (op.kind === "pull-image") return pullImage(engine, project, op.image, op.services, ctx);
  const { buildServiceImage } = await import("./build/build-image.js");
  return buildServiceImage(engine, project, op.service, op.image, ctx);
}

async function pullImage(
  engine: Engine,
  project: Project,
  image: string,
  services: string[],
  ctx: ImageOpContext,
): Promise<void> {
  const { registryAuth } = await import("./registry-auth.js");
  const auth = await registryAuth(splitImageReference(image).registry);
  const platform = services.map((s) => project.services[s].platform).find(Boolean);
  const layers = new Map<string, { current: number; total: number }>();
  const emit = (status: DeployEvent["status"], extra: Partial<DeployEvent> = {}) =>
    ctx.emit({ time: Date.now(), resource: "image", name: image, status, ...extra });
  emit("Pulling", { message: services.join(", ") });
  let lastEmit = 0;
  await ctx.run(() =>
    engine.pullImage(
      image,
      auth,
      (m: ProgressMessage) => {
        if (m.id && m.progressDetail?.total) {
          layers.set(m.id, { current: m.progressDetail.current ?? 0, total: m.progressDetail.total });
        } else if (m.id && /^(Download complete|Pull complete|Already exists)/.test(m.status ?? "")) {
          const l = layers.get(m.id);
          if (l) l.current = l.total;
        }
        const now = Date.now();
        if (now - lastEmit < 100) return;
        lastEmit = now;
        let current = 0;
        let total = 0;
        for (const l of layers.values()) {
          current += l.current;
          total += l.total;
        }
        emit("Progress", { current, total, message: m.status });
      },
      platform,
    ),
  );
  emit("Pulled");
}
