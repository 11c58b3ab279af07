#!/usr/bin/env bash
# Validates the AsyncAPI documents (default: contracts/asyncapi/*.json) with the official AsyncAPI
# parser, the one Studio and the generators use, so a document that passes here opens there.
# The parser is installed on first use, exactly as tools/asyncapi-parser/package-lock.json pins it,
# into a cache directory outside the repository; later runs reuse it.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
pkg="$here/asyncapi-parser"

for tool in node npm; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "asyncapi-validate: '$tool' not found; Node.js 20+ with npm is required to run the AsyncAPI parser" >&2
    exit 2
  fi
done

version="$(node -p "require('$pkg/package.json').dependencies['@asyncapi/parser']")"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/anju"
dir="$cache/asyncapi-parser-$version"
# The stamp records which lock file the directory was installed from, so an edited lock reinstalls.
lock_sum="$(sha256sum "$pkg/package-lock.json" | cut -d' ' -f1)"

if [[ "$(cat "$dir/.anju-lock-sha256" 2>/dev/null)" != "$lock_sum" ]]; then
  echo "asyncapi-validate: installing @asyncapi/parser $version into $dir" >&2
  mkdir -p "$cache"
  # Install into a private temporary directory and move it into place, so that two concurrent runs
  # (make check beside a test) never see a half-installed parser.
  tmp="$(mktemp -d "$cache/.asyncapi-parser-$version.XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  cp "$pkg/package.json" "$pkg/package-lock.json" "$tmp/"
  (cd "$tmp" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >&2)
  echo "$lock_sum" >"$tmp/.anju-lock-sha256"
  rm -rf "$dir"
  # -T: if a concurrent run got there first, fail instead of nesting; its install is the same.
  mv -T "$tmp" "$dir" 2>/dev/null || rm -rf "$tmp"
  trap - EXIT
  if [[ "$(cat "$dir/.anju-lock-sha256" 2>/dev/null)" != "$lock_sum" ]]; then
    echo "asyncapi-validate: could not install the parser into $dir" >&2
    exit 2
  fi
fi

if [[ $# -eq 0 ]]; then
  set -- "$root"/contracts/asyncapi/*.json
fi
ANJU_ASYNCAPI_PARSER_DIR="$dir" exec node "$pkg/validate.mjs" "$@"
