import { describe, expect, it } from "vitest";
import { restartingWarnings } from "../../src/runtime/container-faults.js";
import type { Observed, ObservedContainer } from "../../src/runtime/observe.js";

const container = (name: string, service: string, state: string, oneoff = false): ObservedContainer => ({
  id: name,
  name,
  service,
  number: 1,
  oneoff,
  state,
  labels: {},
  created: 0,
  networks: {},
  mounts: [],
  image: "i",
});

describe("restartingWarnings", () => {
  it("names the planned services' containers the engine keeps restarting", () => {
    const observed = {
      containers: [
        container("demo-web-1", "web", "restarting"),
        container("demo-db-1", "db", "running"),
        container("demo-job-1", "job", "restarting"),
        container("demo-web-run-1", "web", "restarting", true),
      ],
    } as unknown as Observed;
    expect(restartingWarnings(observed, ["web", "db"])).toEqual([
      "container demo-web-1 is restarting (crash loop?): see c2ts logs; deploy fails until it stays up",
    ]);
  });
});
