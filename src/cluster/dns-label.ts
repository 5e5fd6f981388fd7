/** A single DNS label as RFC 1123 allows it: lower-case letters, digits, inner hyphens, at most 63 characters. */
export const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** A DNS name made of such labels (no trailing dot). */
export const DNS_NAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

/**
 * Turns a free-form host name ("My MacBook Pro", "web_1") into a DNS label.
 * Node and service names end up in host names (`<service>.<node>.<domain>`), so they must be labels.
 * Returns "" when nothing usable is left.
 */
export function toDnsLabel(raw: string): string {
  return raw
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/-{2,}/g, "-")
    .replace(/^-+/, "")
    .slice(0, 63)
    .replace(/-+$/, "");
}
