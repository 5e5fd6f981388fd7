#!/usr/bin/env bash
# The main job, end to end on the local engine: import the example media stack into
# generated/, then deploy that TypeScript and show the result.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

# The example builds its image FROM scratch around the host's static busybox (no registry here).
cp /bin/busybox fixtures/media-stack/images/busybox/busybox
# The stack joins an external network, as self-hosted stacks behind Traefik do.
docker network inspect traefik_proxy >/dev/null 2>&1 || docker network create traefik_proxy >/dev/null

npx c2ts import fixtures/media-stack/docker-compose.yml -o generated --force
npx c2ts deploy --build
npx c2ts ps
