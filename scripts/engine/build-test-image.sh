#!/usr/bin/env bash
# Build c2ts-test/busybox:latest FROM scratch around the host's static busybox.
# No registry is reachable in CI, so every image the tests run is built here. Idempotent:
# skips the build when the image exists unless --force is given.
set -euo pipefail

IMAGE=${C2TS_TEST_IMAGE:-c2ts-test/busybox:latest}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
context_src="$root/fixtures/e2e/busybox-image"

if [ "${1:-}" != "--force" ] && docker image inspect "$IMAGE" >/dev/null 2>&1; then
  exit 0
fi

busybox=""
for candidate in /bin/busybox /usr/bin/busybox; do
  if [ -x "$candidate" ] && ! ldd "$candidate" >/dev/null 2>&1; then busybox=$candidate; break; fi
done
if [ -z "$busybox" ]; then
  echo "build-test-image: no static busybox found (apt-get install busybox-static)" >&2
  exit 1
fi

ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT
cp "$context_src/Dockerfile" "$ctx/Dockerfile"
cp "$busybox" "$ctx/busybox"
# The classic builder is enough for this Dockerfile and needs no buildx plugin.
DOCKER_BUILDKIT=0 docker build -q -t "$IMAGE" "$ctx" >/dev/null 2>"$ctx/err" || {
  grep -v -i 'deprecated' "$ctx/err" >&2 || true
  exit 1
}
echo "build-test-image: built $IMAGE" >&2
