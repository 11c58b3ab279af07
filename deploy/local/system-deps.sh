#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages Anju needs on a development machine, only when missing.
#   fonts-noto-cjk  CJK fonts, so generated Chinese PDFs render glyphs instead of boxes
#   lsof, iproute2  let deploy/local/infra.sh name the process holding a busy port
#   curl            MinIO health check in deploy/local/infra.sh
#   chromium        Debian's browser, driven by Playwright in the browser tests (no browser download)
# Idempotent: checks `dpkg -s` first; runs `apt-get update` only if something must be installed.
# Usage: deploy/local/system-deps.sh [--check]   (--check: report only, exit 1 if anything is missing)
set -euo pipefail

PACKAGES=(fonts-noto-cjk lsof iproute2 curl chromium)

check_only=no
case "${1:-}" in
--check) check_only=yes ;;
"") ;;
*)
    echo "usage: $0 [--check]" >&2
    exit 2
    ;;
esac

command -v dpkg >/dev/null 2>&1 || {
    echo "[system-deps] not a Debian-based system; install by hand: ${PACKAGES[*]}" >&2
    exit 1
}

missing=()
for pkg in "${PACKAGES[@]}"; do
    if dpkg -s "$pkg" 2>/dev/null | grep '^Status: install ok installed' >/dev/null; then
        echo "[system-deps] $pkg: already installed"
    else
        missing+=("$pkg")
    fi
done

if ((${#missing[@]} == 0)); then
    echo "[system-deps] nothing to do"
    exit 0
fi
if [[ "$check_only" == yes ]]; then
    echo "[system-deps] missing: ${missing[*]}" >&2
    exit 1
fi

sudo=()
if [[ "$(id -u)" -ne 0 ]]; then
    command -v sudo >/dev/null 2>&1 || {
        echo "[system-deps] need root or sudo to install: ${missing[*]}" >&2
        exit 1
    }
    sudo=(sudo)
fi

echo "[system-deps] installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "[system-deps] installed: ${missing[*]}"
