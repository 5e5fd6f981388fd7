import { describe, expect, it } from "vitest";
import {
  describePlacementChange,
  placementKey,
  watchServingPlacement,
  type Placement,
} from "../../src/swarm/placement-watch.js";

/**
 * A fake swarm: each poll, `answers[host]` gives the placement (or an error) for that poll number.
 * The fake sleep stops the watch after `polls` polls, so every run is deterministic.
 */
function harness(polls: number, answer: (host: string, poll: number) => Placement | Error, hosts = ["m1", "m2", "m3"]) {
  const stop = new AbortController();
  let poll = 0;
  const asked: string[] = [];
  const writes: Array<{ placement: Placement; previous?: Placement }> = [];
  const notices: string[] = [];
  let failWrites = 0;
  const run = () =>
    watchServingPlacement({
      managers: async () => hosts,
      read: async (host) => {
        asked.push(`${poll}:${host}`);
        const a = answer(host, poll);
        if (a instanceof Error) throw a;
        return a;
      },
      onChange: async (placement, previous) => {
        if (failWrites > 0) {
          failWrites--;
          throw new Error("disk full");
        }
        writes.push({ placement, previous });
      },
      onNotice: (m) => notices.push(`${poll}: ${m}`),
      intervalMs: 1000,
      signal: stop.signal,
      sleep: async () => {
        poll++;
        if (poll >= polls) stop.abort();
      },
    });
  return { run, asked, writes, notices, failNextWrites: (n: number) => (failWrites = n) };
}

describe("watchServingPlacement", () => {
  it("writes the first placement, then only when it changes (order of nodes and services does not count)", async () => {
    const seq: Placement[] = [
      { web: ["n1", "n2"], db: ["n1"] },
      { db: ["n1"], web: ["n2", "n1"] }, // same, reordered
      { web: ["n1", "n2"], db: ["n1"] },
      { web: ["n2", "n3"], db: ["n1"] }, // n1's web task moved to n3
      { web: ["n2", "n3"], db: ["n1"] },
    ];
    const h = harness(seq.length, (_, poll) => seq[poll]!);
    await h.run();
    expect(h.writes).toEqual([
      { placement: seq[0], previous: undefined },
      { placement: seq[3], previous: seq[0] },
    ]);
    expect(h.notices).toEqual([]);
    expect(h.asked).toEqual(["0:m1", "1:m1", "2:m1", "3:m1", "4:m1"]);
  });

  it("asks the next manager when the one in use fails, and keeps using the one that answered", async () => {
    const h = harness(4, (host, poll) =>
      host === "m1" && poll >= 1
        ? new Error("no answer within 5000 ms")
        : { web: poll >= 2 ? ["n2", "n3"] : ["n1", "n2"] },
    );
    await h.run();
    expect(h.asked).toEqual(["0:m1", "1:m1", "1:m2", "2:m2", "3:m2"]);
    expect(h.notices).toEqual(["1: reading tasks from m2 now (m1: no answer within 5000 ms)"]);
    expect(h.writes.map((w) => w.placement)).toEqual([{ web: ["n1", "n2"] }, { web: ["n2", "n3"] }]);
  });

  it("reports once while no manager answers, and writes again when one does", async () => {
    const h = harness(5, (_, poll) =>
      poll === 1 || poll === 2 ? new Error("down") : { web: poll === 0 ? ["n1"] : ["n2"] },
    );
    await h.run();
    expect(h.notices).toEqual(["1: no swarm manager answered (m1: down; m2: down; m3: down); retrying"]);
    expect(h.writes.map((w) => w.placement)).toEqual([{ web: ["n1"] }, { web: ["n2"] }]);
  });

  it("a write that fails is retried at the next poll, not forgotten", async () => {
    const h = harness(3, () => ({ web: ["n1"] }));
    h.failNextWrites(1);
    await h.run();
    expect(h.notices).toEqual(["0: proxy files not written: disk full"]);
    expect(h.writes).toEqual([{ placement: { web: ["n1"] }, previous: undefined }]);
  });

  // The interval is a minute; the test's own 10 s limit fails it if the abort did not cut the sleep.
  it("stops when aborted during a sleep, with the real sleep", async () => {
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 50);
    await watchServingPlacement({
      managers: async () => ["m1"],
      read: async () => ({}),
      onChange: async () => {},
      onNotice: () => {},
      intervalMs: 60_000,
      signal: stop.signal,
    });
    expect(stop.signal.aborted).toBe(true);
  }, 10_000);
});

describe("placement change lines", () => {
  it("name the services whose nodes changed", () => {
    expect(describePlacementChange(undefined, { web: ["n2", "n1"], db: [] })).toEqual(["db: no node", "web: n1, n2"]);
    expect(
      describePlacementChange({ web: ["n1", "n2"], db: ["n1"], old: ["n3"] }, { web: ["n2", "n3"], db: ["n1"] }),
    ).toEqual(["old: n3 → (none)", "web: n1, n2 → n2, n3"]);
    expect(placementKey({ a: ["x", "y"], b: [] })).toBe(placementKey({ b: [], a: ["y", "x"] }));
  });
});
