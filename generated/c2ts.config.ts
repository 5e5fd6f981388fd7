// Where this stack runs: the cluster for `c2ts nodes`, `c2ts proxy` and `c2ts deploy --all-nodes`.
// Created once by `c2ts import`; it is yours to edit, and import never overwrites it.
import { defineCluster } from "c2ts";

export default defineCluster({
  // <service>.<node>.<domain> reaches one node's instance; <service>.<domain> any healthy one.
  domain: "home.arpa",
  // Every machine of the tailnet (`tailscale status --json`); narrow with names/tags, or list
  // the nodes yourself: [{ name: "nas", address: "100.64.0.1", tier: "core" }, ...].
  nodes: { discover: "tailscale" },
  // Fallback preference of your tier names, most preferred first (tiers come from nodes.settings).
  tiers: [],
  // Restrict services to nodes, e.g. { jellyfin: ["nas"] }; by default every node runs every service.
  placement: {},
});
