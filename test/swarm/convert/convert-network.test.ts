import { describe, expect, it } from "vitest";
import { convert, NS, warningsOf } from "./helpers.js";

const MTU = "com.docker.network.driver.mtu";

describe("networks", () => {
  it("creates overlays with the stack name, namespace label and the WireGuard-sized MTU", async () => {
    const stack = await convert(`
name: p
services:
  web:
    image: x
    networks:
      front: { aliases: [www, site] }
      back:
        driver_opts: { "com.example.opt": "1" }
networks:
  front: {}
  back:
    driver: overlay
    attachable: true
    internal: true
    labels: { tier: back }
    driver_opts: { encrypted: "" }
    ipam:
      driver: default
      config:
        - subnet: 10.20.0.0/24
          ip_range: 10.20.0.128/25
          gateway: 10.20.0.1
          aux_addresses: { spare: 10.20.0.2 }
`);
    expect(stack.services.web!.TaskTemplate.Networks).toEqual([
      { Target: "p_back", Aliases: ["web"], DriverOpts: { "com.example.opt": "1" } },
      { Target: "p_front", Aliases: ["www", "site", "web"] },
    ]);
    expect(stack.networks).toEqual({
      back: {
        Name: "p_back",
        Driver: "overlay",
        Labels: { tier: "back", [NS]: "p" },
        Options: { encrypted: "", [MTU]: "1230" },
        Internal: true,
        Attachable: true,
        IPAM: {
          Driver: "default",
          Config: [
            {
              Subnet: "10.20.0.0/24",
              IPRange: "10.20.0.128/25",
              Gateway: "10.20.0.1",
              AuxiliaryAddresses: { spare: "10.20.0.2" },
            },
          ],
        },
      },
      front: { Name: "p_front", Driver: "overlay", Labels: { [NS]: "p" }, Options: { [MTU]: "1230" } },
    });
    expect(stack.externalNetworks).toEqual({});
  });

  it("keeps an MTU the file sets, and takes the caller's default otherwise", async () => {
    const stack = await convert(
      `
services: { a: { image: x, networks: [mine, other] } }
networks:
  mine: { driver_opts: { "com.docker.network.driver.mtu": "1400" } }
  other: {}
`,
      { overlayMtu: 1180 },
    );
    expect(stack.networks.mine!.Options).toEqual({ [MTU]: "1400" });
    expect(stack.networks.other!.Options).toEqual({ [MTU]: "1180" });
  });

  it("sets no MTU on networks of another driver, and warns about node-local drivers", async () => {
    const stack = await convert(`
services: { a: { image: x, networks: [mac, br] } }
networks:
  mac: { driver: macvlan, driver_opts: { parent: eth0 } }
  br: { driver: bridge }
`);
    expect(stack.networks.mac).toMatchObject({ Driver: "macvlan", Options: { parent: "eth0" } });
    expect(stack.networks.br!.Options).toBeUndefined();
    expect(warningsOf(stack, "networks.br")).toEqual([
      "driver: a bridge network is local to one node; Swarm services need an overlay network",
    ]);
  });

  it("external networks keep their name and are not created", async () => {
    const stack = await convert(`
name: p
services: { a: { image: x, networks: [proxy, plain] } }
networks:
  proxy: { external: true, name: traefik-public }
  plain: { external: true }
`);
    expect(stack.networks).toEqual({});
    expect(stack.externalNetworks).toEqual({ plain: "plain", proxy: "traefik-public" });
    expect(stack.services.a!.TaskTemplate.Networks).toEqual([
      { Target: "plain", Aliases: ["a"] },
      { Target: "traefik-public", Aliases: ["a"] },
    ]);
  });

  it("a network with an explicit name keeps it", async () => {
    const stack = await convert(`
name: p
services: { a: { image: x, networks: [n] } }
networks: { n: { name: shared-net } }
`);
    expect(stack.networks.n!.Name).toBe("shared-net");
    expect(stack.services.a!.TaskTemplate.Networks).toEqual([{ Target: "shared-net", Aliases: ["a"] }]);
  });

  it("network_mode host or none attaches the predefined network, without aliases", async () => {
    const stack = await convert(`
services:
  h: { image: x, network_mode: host }
  n: { image: x, network_mode: none }
  s: { image: x, network_mode: "service:h" }
`);
    expect(stack.services.h!.TaskTemplate.Networks).toEqual([{ Target: "host" }]);
    expect(stack.services.n!.TaskTemplate.Networks).toEqual([{ Target: "none" }]);
    expect(stack.services.s!.TaskTemplate.Networks).toBeUndefined();
    expect(warningsOf(stack, "s")).toEqual([
      `network_mode: "service:h": Swarm tasks cannot share another container's network; not attached`,
    ]);
    expect(stack.networks).toEqual({});
  });

  it("warns about endpoint settings Swarm assigns itself", async () => {
    const stack = await convert(`
services:
  a:
    image: x
    networks:
      n:
        ipv4_address: 10.5.0.9
        mac_address: 02:42:ac:11:00:02
        priority: 10
networks: { n: { ipam: { config: [{ subnet: 10.5.0.0/24 }] } } }
`);
    expect(warningsOf(stack, "a")).toEqual([
      "networks.n.ipv4_address: Swarm assigns task addresses itself; ignored",
      "networks.n.mac_address: Swarm assigns task MAC addresses itself; ignored",
      "networks.n.priority: Swarm attaches networks in name order; ignored",
    ]);
  });

  it("IPv6 is enabled when asked", async () => {
    const stack = await convert(`
services: { a: { image: x, networks: [n] } }
networks: { n: { enable_ipv6: true } }
`);
    expect(stack.networks.n!.EnableIPv6).toBe(true);
  });
});
