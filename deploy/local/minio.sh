# shellcheck shell=bash
# MinIO (S3-compatible object store), single drive. Sourced by infra.sh.
#
# MinIO publishes release tags, not Go module versions, so versions.env pins the Go pseudo-version
# of the release commit and we `go install` exactly that (needs: go).

MINIO_BIN="$CACHE/bin/minio-$MINIO_RELEASE/minio"
MINIO_MODULE=github.com/minio/minio

minio_version() { printf '%s' "$MINIO_RELEASE"; }
minio_address() { printf 'http://%s:%s (console :%s)' "$HOST" "$ANJU_MINIO_PORT" "$ANJU_MINIO_CONSOLE_PORT"; }
minio_ports() { printf '%s %s' "$ANJU_MINIO_PORT" "$ANJU_MINIO_CONSOLE_PORT"; }
minio_logs() { printf '%s\n' "$(run_dir minio)/minio.log"; }
minio_grace() { printf '10'; }

minio_installed() { go_program_installed "$MINIO_BIN" "$MINIO_MODULE" "$MINIO_GO_VERSION"; }
minio_install() { go_program_install "$MINIO_BIN" "$MINIO_MODULE" "$MINIO_GO_VERSION"; }

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
