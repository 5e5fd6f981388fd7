/** The 12-hex-digit form of an engine ID (image IDs lose their `sha256:`), as docker prints them. */
export function shortId(id: string): string {
  return id.replace(/^sha256:/, "").slice(0, 12);
}
