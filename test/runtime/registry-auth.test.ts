import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { allRegistryAuths, registryAuth } from "../../src/runtime/registry-auth.js";

const dir = mkdtempSync(join(tmpdir(), "c2ts-registry-auth-"));
const config = join(dir, "config.json");
const savedPath = process.env.PATH;

/** A stand-in `docker-credential-<name>`: knows `reg.example` only, like a real store. */
function helper(name: string, body: string[]): void {
  const file = join(dir, `docker-credential-${name}`);
  writeFileSync(file, ["#!/bin/sh", "read -r server", ...body, ""].join("\n"));
  chmodSync(file, 0o755);
}

beforeAll(() => {
  process.env.PATH = `${dir}:${savedPath}`;
  helper("store", [
    `if [ "$1" = list ]; then printf '{"reg.example":"u1","tok.example":"<token>"}'; exit 0; fi`,
    `[ "$server" = reg.example ] && { printf '{"Username":"u1","Secret":"s1"}'; exit 0; }`,
    `[ "$server" = tok.example ] && { printf '{"Username":"<token>","Secret":"t1"}'; exit 0; }`,
    `echo "credentials not found in native keychain"; exit 1`,
  ]);
  helper("broken", [`echo "keychain locked" >&2; exit 3`]);
});
afterAll(() => {
  process.env.PATH = savedPath;
  rmSync(dir, { recursive: true, force: true });
});

describe("registry credentials", () => {
  it("asks credHelpers for their registry, else credsStore, else falls back to auths", async () => {
    writeFileSync(
      config,
      JSON.stringify({
        credsStore: "store",
        credHelpers: { "other.example": "broken" },
        auths: { "plain.example": { auth: Buffer.from("p:q").toString("base64") } },
      }),
    );
    expect(await registryAuth("reg.example", config)).toEqual({
      username: "u1",
      password: "s1",
      serveraddress: "reg.example",
    });
    expect(await registryAuth("tok.example", config)).toEqual({ identitytoken: "t1", serveraddress: "tok.example" });
    // "not found" from the store: the auths entry answers
    expect(await registryAuth("plain.example", config)).toMatchObject({ username: "p", password: "q" });
    await expect(registryAuth("other.example", config)).rejects.toThrow(
      `credential helper docker-credential-broken (named in ${config}) failed: keychain locked`,
    );
  });

  it("collects every credential for classic builds: auths, what credsStore lists, credHelpers", async () => {
    writeFileSync(
      config,
      JSON.stringify({
        credsStore: "store",
        auths: { "plain.example": { auth: Buffer.from("p:q").toString("base64") } },
      }),
    );
    expect(Object.keys(await allRegistryAuths(config)).sort()).toEqual(["plain.example", "reg.example", "tok.example"]);
  });

  it("a missing helper, a malformed file or a wrong shape is an error naming the file", async () => {
    writeFileSync(config, JSON.stringify({ credsStore: "nowhere" }));
    await expect(registryAuth("reg.example", config)).rejects.toThrow(
      `credential helper docker-credential-nowhere (named in ${config}) failed: not found on PATH`,
    );
    writeFileSync(config, '{"auths": {,}');
    await expect(registryAuth("reg.example", config)).rejects.toThrow(
      new RegExp(`^the Docker config file ${config} is not valid JSON`),
    );
    writeFileSync(config, "[]");
    await expect(allRegistryAuths(config)).rejects.toThrow(`the Docker config file ${config} must hold a JSON object`);
    // absent or empty: no credentials, no error
    expect(await registryAuth("reg.example", join(dir, "absent.json"))).toBeUndefined();
    writeFileSync(config, "");
    expect(await allRegistryAuths(config)).toEqual({});
  });
});
