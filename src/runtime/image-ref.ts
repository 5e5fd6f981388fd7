/** Docker image references: `[registry/]path[:tag][@digest]`, split the way the engine and registries read them. */

export interface ImageReference {
  /** Everything before the tag/digest, as written (`nginx`, `ghcr.io/o/app`). */
  name: string;
  tag?: string;
  digest?: string;
  /** Registry host; `docker.io` when the reference names none. */
  registry: string;
}

export function splitImageReference(ref: string): ImageReference {
  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const lastColon = rest.lastIndexOf(":");
  if (lastColon > rest.lastIndexOf("/")) {
    tag = rest.slice(lastColon + 1);
    rest = rest.slice(0, lastColon);
  }
  const slash = rest.indexOf("/");
  const first = slash >= 0 ? rest.slice(0, slash) : "";
  const hasRegistry = slash >= 0 && (first.includes(".") || first.includes(":") || first === "localhost");
  return { name: rest, tag, digest, registry: hasRegistry ? first : "docker.io" };
}

/** The key ~/.docker/config.json uses for a registry's credentials. */
export function authConfigKey(registry: string): string {
  return registry === "docker.io" || registry === "index.docker.io" || registry === "registry-1.docker.io"
    ? "https://index.docker.io/v1/"
    : registry;
}
