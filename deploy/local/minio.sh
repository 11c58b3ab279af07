# shellcheck shell=bash
# MinIO (S3-compatible object store), single drive. Sourced by infra.sh.
#
# MinIO publishes release tags, not Go module versions, so versions.env pins the Go pseudo-version
# of the release commit and we `go install` exactly that (needs: go).

MINIO_BIN="$CACHE/bin/minio-$MINIO_RELEASE/minio"

minio_version() { printf '%s' "$MINIO_RELEASE"; }
minio_address() { printf 'http://%s:%s (console :%s)' "$HOST" "$ANJU_MINIO_PORT" "$ANJU_MINIO_CONSOLE_PORT"; }
minio_ports() { printf '%s %s' "$ANJU_MINIO_PORT" "$ANJU_MINIO_CONSOLE_PORT"; }
minio_logs() { printf '%s\n' "$(run_dir minio)/minio.log"; }
minio_grace() { printf '10'; }

minio_installed() {
    # `go version -m` reads the module version embedded in the binary: proof it is the pinned commit.
    [[ -x "$MINIO_BIN" ]] || return 1
    ! command -v go >/dev/null 2>&1 ||
        go version -m "$MINIO_BIN" 2>/dev/null | grep "github.com/minio/minio[[:space:]]*$MINIO_GO_VERSION" >/dev/null
}

minio_install() {
    need_cmd go "install Go >= 1.24 from https://go.dev/dl/"
    local tmp
    tmp="$(dirname "$MINIO_BIN").tmp"
    rm -rf "$tmp"
    mkdir -p "$tmp"
    GOPATH="$CACHE/go" GOBIN="$tmp" GOFLAGS=-modcacherw CGO_ENABLED=0 \
        go install "github.com/minio/minio@$MINIO_GO_VERSION"
    mkdir -p "$(dirname "$MINIO_BIN")"
    mv "$tmp/minio" "$MINIO_BIN"
    rm -rf "$tmp"
}

minio_start() {
    local dir
    dir="$(run_dir minio)"
    mkdir -p "$dir/data"
    (
        # Exported in a subshell: credentials reach MinIO's environment, not its command line.
        export MINIO_ROOT_USER="$ANJU_S3_ACCESS_KEY" MINIO_ROOT_PASSWORD="$ANJU_S3_SECRET_KEY"
        export MINIO_UPDATE=off
        spawn minio "$dir/minio.log" "$MINIO_BIN" server "$dir/data" \
            --address "$HOST:$ANJU_MINIO_PORT" \
            --console-address "$HOST:$ANJU_MINIO_CONSOLE_PORT"
    )
}

minio_probe() {
    local url="http://$HOST:$ANJU_MINIO_PORT/minio/health/live" py
    if command -v curl >/dev/null 2>&1; then
        curl -fsS -o /dev/null --max-time 3 "$url" 2>/dev/null
    else
        py="$(probe_python)"
        if [[ -n "$py" ]]; then
            "$py" "$LOCAL_DIR/probe.py" http "$url" >/dev/null 2>&1
        else
            tcp_open "$HOST" "$ANJU_MINIO_PORT"
        fi
    fi
}
