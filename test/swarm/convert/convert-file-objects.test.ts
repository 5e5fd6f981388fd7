import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { convert, NS } from "./helpers.js";

const sha = (s: string) => createHash("sha256").update(s).digest("hex");

const YAML = `
name: shop
services:
  api:
    image: x
    secrets:
      - db_password
      - source: api_key
        target: key.txt
        uid: "1000"
        gid: "1001"
        mode: 0400
    configs:
      - nginx
      - source: app
        target: /etc/app/app.yaml
        mode: 0440
secrets:
  db_password: { file: ./db_password.txt }
  api_key: { environment: API_KEY }
  vault: { external: true, name: prod-vault }
configs:
  nginx: { file: ./nginx.conf, labels: { kind: proxy } }
  app: { content: "port: 80" }
`;

describe("secrets and configs", () => {
  it("creates rotated versions named <project>_<key>_<hash prefix>, with labels and data", async () => {
    const stack = await convert(YAML, {
      secretData: { db_password: "hunter2", api_key: Buffer.from("k-123") },
      configVersions: { nginx: "a".repeat(64), app: "b".repeat(64) },
      configData: { nginx: "server {}", app: "port: 80" },
    });
    expect(stack.secrets).toEqual({
      api_key: {
        Name: `shop_api_key_${sha("k-123").slice(0, 12)}`,
        Labels: { [NS]: "shop", "dev.c2ts.content-hash": sha("k-123"), "dev.c2ts.file-object": "api_key" },
        Data: Buffer.from("k-123").toString("base64"),
      },
      db_password: {
        Name: `shop_db_password_${sha("hunter2").slice(0, 12)}`,
        Labels: { [NS]: "shop", "dev.c2ts.content-hash": sha("hunter2"), "dev.c2ts.file-object": "db_password" },
        Data: Buffer.from("hunter2").toString("base64"),
      },
    });
    expect(stack.configs).toEqual({
      app: {
        Name: "shop_app_bbbbbbbbbbbb",
        Labels: { [NS]: "shop", "dev.c2ts.content-hash": "b".repeat(64), "dev.c2ts.file-object": "app" },
        Data: Buffer.from("port: 80").toString("base64"),
      },
      nginx: {
        Name: "shop_nginx_aaaaaaaaaaaa",
        Labels: {
          kind: "proxy",
          [NS]: "shop",
          "dev.c2ts.content-hash": "a".repeat(64),
          "dev.c2ts.file-object": "nginx",
        },
        Data: Buffer.from("server {}").toString("base64"),
      },
    });
  });

  it("references them with docker/cli's defaults (uid/gid 0, mode 0444, Compose targets), sorted by name", async () => {
    const stack = await convert(YAML, {
      secretVersions: { db_password: "1".repeat(64), api_key: "2".repeat(64) },
      configVersions: { nginx: "3".repeat(64), app: "4".repeat(64) },
    });
    const c = stack.services.api!.TaskTemplate.ContainerSpec;
    expect(c.Secrets).toEqual([
      {
        File: { Name: "/run/secrets/key.txt", UID: "1000", GID: "1001", Mode: 0o400 },
        SecretName: "shop_api_key_222222222222",
      },
      {
        File: { Name: "/run/secrets/db_password", UID: "0", GID: "0", Mode: 0o444 },
        SecretName: "shop_db_password_111111111111",
      },
    ]);
    expect(c.Configs).toEqual([
      { File: { Name: "/etc/app/app.yaml", UID: "0", GID: "0", Mode: 0o440 }, ConfigName: "shop_app_444444444444" },
      { File: { Name: "/nginx", UID: "0", GID: "0", Mode: 0o444 }, ConfigName: "shop_nginx_333333333333" },
    ]);
    // Versions given without content: the specs name them but carry no data.
    expect(stack.secrets.db_password!.Data).toBeUndefined();
  });

  it("a content change is a new name; the same content is the same name", async () => {
    const a = await convert(YAML, {
      secretData: { db_password: "one", api_key: "k" },
      configData: { nginx: "n", app: "a" },
    });
    const b = await convert(YAML, {
      secretData: { db_password: "two", api_key: "k" },
      configData: { nginx: "n", app: "a" },
    });
    expect(a.secrets.db_password!.Name).not.toBe(b.secrets.db_password!.Name);
    expect(a.secrets.api_key!.Name).toBe(b.secrets.api_key!.Name);
    expect(a.services.api!.TaskTemplate.ContainerSpec.Secrets!.map((s) => s.SecretName)).toContain(
      a.secrets.db_password!.Name,
    );
  });

  it("external secrets keep their name and are not created", async () => {
    const stack = await convert(`
name: p
services: { a: { image: x, secrets: [vault] } }
secrets: { vault: { external: true, name: prod-vault } }
`);
    expect(stack.secrets).toEqual({});
    expect(stack.externalSecrets).toEqual({ vault: "prod-vault" });
    expect(stack.services.a!.TaskTemplate.ContainerSpec.Secrets).toEqual([
      { File: { Name: "/run/secrets/vault", UID: "0", GID: "0", Mode: 0o444 }, SecretName: "prod-vault" },
    ]);
  });

  it("only the objects the converted services use are created", async () => {
    const stack = await convert(
      `
services: { a: { image: x, secrets: [used] } }
secrets: { used: { environment: U }, unused: { environment: N } }
`,
      { secretData: { used: "u" } },
    );
    expect(Object.keys(stack.secrets)).toEqual(["used"]);
  });

  it("maps a secret driver and template drivers", async () => {
    const stack = await convert(
      `
services: { a: { image: x, secrets: [s], configs: [c] } }
secrets: { s: { driver: vault, driver_opts: { path: kv/s }, template_driver: golang } }
configs: { c: { content: "{{ .Service.Name }}", template_driver: golang } }
`,
      { configData: { c: "{{ .Service.Name }}" } },
    );
    expect(stack.secrets.s).toMatchObject({
      Driver: { Name: "vault", Options: { path: "kv/s" } },
      Templating: { Name: "golang" },
    });
    expect(stack.secrets.s!.Data).toBeUndefined();
    expect(stack.configs.c).toMatchObject({ Templating: { Name: "golang" } });
  });

  it("refuses a version it cannot name", async () => {
    await expect(
      convert(`
services: { a: { image: x, secrets: [s] } }
secrets: { s: { file: ./s.txt } }
`),
    ).rejects.toThrow(
      /secrets.s: content: neither a content hash \(secretVersions\) nor the content \(secretData\) was given/,
    );
    await expect(
      convert(
        `
name: a-rather-long-project-name-for-swarm
services: { a: { image: x, secrets: [s] } }
secrets: { s: { name: an-equally-long-secret-name-that-overflows-the-limit, file: ./s.txt } }
`,
        { secretData: { s: "x" } },
      ),
    ).rejects.toThrow(/longer than the 64 characters Swarm allows/);
  });
});
