import { describe, expect, it } from "vitest";
import { modemOptionsForHost } from "../../src/runtime/engine-docker.js";
import { apiAtLeast } from "../../src/runtime/engine.js";
import { authConfigKey, splitImageReference } from "../../src/runtime/image-ref.js";
import { decodeAuthEntry } from "../../src/runtime/registry-auth.js";

describe("engine addresses", () => {
  const noFiles = () => {
    throw new Error("no file");
  };
  it("maps unix, tcp (plain and TLS) and ssh hosts to modem options", () => {
    expect(modemOptionsForHost(undefined, {})).toEqual({ socketPath: "/var/run/docker.sock", host: undefined });
    expect(modemOptionsForHost("unix:///run/user/1000/docker.sock", {})).toEqual({
      socketPath: "/run/user/1000/docker.sock",
      host: undefined,
    });
    expect(modemOptionsForHost(undefined, { DOCKER_HOST: "tcp://10.0.0.5:2375" })).toEqual({
      protocol: "http",
      host: "10.0.0.5",
      port: "2375",
    });
    expect(modemOptionsForHost("tcp://[fd7a::1]:2375", {})).toEqual({
      protocol: "http",
      host: "[fd7a::1]",
      port: "2375",
    });
    expect(modemOptionsForHost("tcp://nas:2376", {}, noFiles)).toMatchObject({
      protocol: "https",
      host: "nas",
      port: "2376",
    });
    expect(modemOptionsForHost("ssh://deploy@vps.example.com:2222", { SSH_AUTH_SOCK: "/tmp/agent" })).toEqual({
      protocol: "ssh",
      host: "vps.example.com",
      port: "2222",
      username: "deploy",
      sshOptions: { agent: "/tmp/agent" },
    });
    const tls = modemOptionsForHost("tcp://h:2376", { DOCKER_CERT_PATH: "/certs" }, (p) => Buffer.from(p));
    expect(String(tls.ca)).toBe("/certs/ca.pem");
    expect(() => modemOptionsForHost("ftp://x", {})).toThrow(/unsupported Docker host/);
  });

  it("compares API versions numerically", () => {
    expect(apiAtLeast("1.41", "1.44")).toBe(false);
    expect(apiAtLeast("1.44", "1.44")).toBe(true);
    expect(apiAtLeast("1.100", "1.44")).toBe(true);
  });
});

describe("image references and registry auth", () => {
  it("splits references into name, tag, digest and registry", () => {
    expect(splitImageReference("nginx")).toEqual({
      name: "nginx",
      tag: undefined,
      digest: undefined,
      registry: "docker.io",
    });
    expect(splitImageReference("library/nginx:1.27")).toMatchObject({
      name: "library/nginx",
      tag: "1.27",
      registry: "docker.io",
    });
    expect(splitImageReference("localhost:5000/app:dev")).toMatchObject({
      name: "localhost:5000/app",
      tag: "dev",
      registry: "localhost:5000",
    });
    expect(splitImageReference("ghcr.io/o/app@sha256:abc")).toMatchObject({
      name: "ghcr.io/o/app",
      digest: "sha256:abc",
      registry: "ghcr.io",
    });
    expect(authConfigKey("docker.io")).toBe("https://index.docker.io/v1/");
    expect(authConfigKey("ghcr.io")).toBe("ghcr.io");
  });

  it("decodes config.json auth entries", () => {
    expect(decodeAuthEntry({ auth: Buffer.from("me:pa:ss").toString("base64") }, "ghcr.io")).toEqual({
      serveraddress: "ghcr.io",
      username: "me",
      password: "pa:ss",
    });
    expect(decodeAuthEntry({ identitytoken: "tok" }, "r")).toEqual({ serveraddress: "r", identitytoken: "tok" });
    expect(decodeAuthEntry({}, "r")).toBeUndefined();
  });
});
