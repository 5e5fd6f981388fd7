/** Typed events a deploy or down emits; progress renderers and --json consume them. */

/** task, secret and config: the Swarm executor's resources (src/swarm/). */
export type ResourceKind = "container" | "network" | "volume" | "image" | "service" | "task" | "secret" | "config";

export type EventStatus =
  | "Pulling"
  | "Pulled"
  | "Building"
  | "Built"
  | "Creating"
  | "Created"
  | "Recreating"
  | "Recreated"
  | "Updating"
  | "Updated"
  | "Renamed"
  | "Starting"
  | "Started"
  | "Restarting"
  | "Restarted"
  | "Waiting"
  | "Healthy"
  | "Hook"
  | "Exited"
  | "Running"
  | "Stopping"
  | "Stopped"
  | "Removing"
  | "Removed"
  | "Skipped"
  | "Warning"
  | "Error"
  | "Progress";

export interface DeployEvent {
  /** ms since epoch */
  time: number;
  resource: ResourceKind;
  /** Container, network, volume or image name; for "service" events the service name. */
  name: string;
  service?: string;
  status: EventStatus;
  message?: string;
  /** Pull/build progress: bytes or steps done/total when known. */
  current?: number;
  total?: number;
}

export type EventSink = (event: DeployEvent) => void;

/** Statuses that end a resource's line (no more activity expected for it). */
export const FINAL_STATUSES: ReadonlySet<EventStatus> = new Set<EventStatus>([
  "Pulled",
  "Built",
  "Created",
  "Recreated",
  "Updated",
  "Started",
  "Restarted",
  "Healthy",
  "Exited",
  "Running",
  "Stopped",
  "Removed",
  "Skipped",
  "Error",
]);

export interface ResultProblem {
  resource: ResourceKind;
  name: string;
  service?: string;
  message: string;
}

export interface ExecuteResult {
  ok: boolean;
  interrupted: boolean;
  errors: ResultProblem[];
  skipped: ResultProblem[];
  warnings: string[];
  /** Counts of operations carried out, by kind. */
  done: Record<string, number>;
  durationMs: number;
}
