/**
 * Profiles: a service with `profiles:` runs only when one of them is active (`--profile`, else
 * COMPOSE_PROFILES). `*` activates every profile. Services without profiles always run.
 */
export function activeProfiles(flags: string[] | undefined, environment: Record<string, string | undefined>): string[] {
  if (flags && flags.length > 0) return flags;
  const fromEnv = environment.COMPOSE_PROFILES;
  return fromEnv
    ? fromEnv
        .split(",")
        .map((p) => p.trim())
        .filter(Boolean)
    : [];
}

export function isServiceEnabled(service: { profiles?: unknown }, active: readonly string[]): boolean {
  const profiles = Array.isArray(service.profiles) ? (service.profiles as string[]) : [];
  if (profiles.length === 0) return true;
  if (active.includes("*")) return true;
  return profiles.some((p) => active.includes(p));
}
