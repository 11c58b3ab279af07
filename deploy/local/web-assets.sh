#!/usr/bin/env bash
# Installs the browser files the platform serves itself — ECharts for the web's charts, Swagger UI for every
# service's /docs — from the npm registry, exactly as deploy/local/web-assets/package-lock.json pins them
# (versions and integrity hashes), into ~/.cache/anju/web-assets. Nothing is committed, nothing is built:
# the services serve the packages' own dist files, so a closed network needs no CDN.
# Idempotent: does nothing when the installed lock file is the committed one. `make env` runs it.
# Usage: deploy/local/web-assets.sh [--print-dir]
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/anju"
target="$cache/web-assets"

if [[ "${1:-}" == --print-dir ]]; then
    echo "$target/node_modules"
    exit 0
fi

if cmp -s "$here/web-assets/package-lock.json" "$target/package-lock.json" && [[ -d "$target/node_modules/echarts/dist" ]]; then
    exit 0
fi
command -v npm >/dev/null 2>&1 || {
    echo "[web-assets] npm is needed once to fetch the pinned browser files (apt-get install npm)" >&2
    exit 1
}
echo "[web-assets] installing the pinned ECharts and Swagger UI into $target"
mkdir -p "$target"
cp "$here/web-assets/package.json" "$here/web-assets/package-lock.json" "$target/"
# ci: exactly the lock file; --ignore-scripts: no package runs code at install (swagger-ui-dist's telemetry)
(cd "$target" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
echo "[web-assets] installed: $(cd "$target/node_modules" && echo echarts swagger-ui-dist)"
