/**
 * `c2ts proxy --watch`: Swarm moves tasks without a deploy (a node dies, a task fails and is
 * rescheduled), so the proxy files follow the serving placement by polling a manager's task and
 * node lists (the events API reports no task changes). The files are rewritten only when the
 * placement changes. A manager that stops answering is replaced by the next one that does.
 * Side effects (reading a manager, writing files, waiting) come in through the options.
 */
export type Placement = Record<string, string[]>;

export interface PlacementWatchOptions {
  /** Managers' engine addresses, most preferred first (asked again every poll). */
  managers: () => Promise<string[]>;
  /** One read of the serving placement from the manager at `host`; throws when it cannot answer. */
  read: (host: string) => Promise<Placement>;
  /** Called with the first placement read, then with every different one. */
  onChange: (placement: Placement, previous: Placement | undefined) => Promise<void>;
  /** One line about a manager that failed, a switch of manager, or a write that failed. */
  onNotice: (message: string) => void;
  intervalMs: number;
  signal: AbortSignal;
  /** Waits `ms` or until `signal` aborts (injectable for tests). */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

/** Same placement, whatever the order of services and nodes. */
export function placementKey(p: Placement): string {
  return JSON.stringify(
    Object.keys(p)
      .sort()
      .map((s) => [s, [...p[s]!].sort()]),
  );
}

/** "web: n1, n2 → n2, n3" for every service whose nodes differ (added and removed services included). */
export function describePlacementChange(previous: Placement | undefined, next: Placement): string[] {
  const names = [...new Set([...Object.keys(previous ?? {}), ...Object.keys(next)])].sort();
  const list = (nodes: string[] | undefined) =>
    nodes === undefined ? "(none)" : nodes.length ? [...nodes].sort().join(", ") : "no node";
  const out: string[] = [];
  for (const s of names) {
    const before = previous?.[s];
    const after = next[s];
    if (previous && before && after && placementKey({ s: before }) === placementKey({ s: after })) continue;
    out.push(previous ? `${s}: ${list(before)} → ${list(after)}` : `${s}: ${list(after)}`);
  }
  return out;
}

function defaultSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
  });
}

/** Polls until `signal` aborts; resolves then. */
export async function watchServingPlacement(o: PlacementWatchOptions): Promise<void> {
  const sleep = o.sleep ?? defaultSleep;
  let current: Placement | undefined;
  let currentKey: string | undefined;
  let usedManager: string | undefined;
  let lastFailure: string | undefined;
  while (!o.signal.aborted) {
    const hosts = await o.managers().catch((e: Error) => {
      o.onNotice(`cannot list the cluster's managers: ${e.message}`);
      return [] as string[];
    });
    // The manager that answered last is asked first; the others in preference order after it.
    const order =
      usedManager && hosts.includes(usedManager) ? [usedManager, ...hosts.filter((h) => h !== usedManager)] : hosts;
    const failures: string[] = [];
    let read: { host: string; placement: Placement } | undefined;
    for (const host of order) {
      if (o.signal.aborted) return;
      try {
        read = { host, placement: await o.read(host) };
        break;
      } catch (e) {
        failures.push(`${host}: ${(e as Error).message}`);
      }
    }
    if (o.signal.aborted) return;
    if (!read) {
      const message = `no swarm manager answered (${failures.join("; ") || "none known"}); retrying`;
      if (message !== lastFailure) o.onNotice(message);
      lastFailure = message;
    } else {
      lastFailure = undefined;
      if (usedManager !== undefined && read.host !== usedManager)
        o.onNotice(`reading tasks from ${read.host} now (${failures.join("; ")})`);
      usedManager = read.host;
      const key = placementKey(read.placement);
      if (key !== currentKey) {
        try {
          await o.onChange(read.placement, current);
          current = read.placement;
          currentKey = key;
        } catch (e) {
          // Not remembered as written: the next poll tries again.
          o.onNotice(`proxy files not written: ${(e as Error).message}`);
        }
      }
    }
    await sleep(o.intervalMs, o.signal);
  }
}
