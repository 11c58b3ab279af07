# shellcheck shell=bash
# FerretDB (MongoDB wire protocol) on its embedded SQLite backend. Sourced by infra.sh.
#
# Built from source with Go (needs: go). `go install` of this module is refused, and a plain build
# from the module cache panics at start-up because the release's build/version/version.txt is
# generated at release time and absent from the module zip; so we copy the sources, write that file,
# and build the copy.

FERRETDB_BIN="$CACHE/bin/ferretdb-$FERRETDB_VERSION/ferretdb"
# "-" disables FerretDB's debug/metrics HTTP listener (default 127.0.0.1:8088) to avoid collisions.
ANJU_FERRETDB_DEBUG_ADDR="${ANJU_FERRETDB_DEBUG_ADDR:--}"

ferretdb_version() { printf '%s' "$FERRETDB_VERSION"; }
ferretdb_address() { printf '%s:%s' "$HOST" "$ANJU_MONGO_PORT"; }
ferretdb_ports() { printf '%s' "$ANJU_MONGO_PORT"; }
ferretdb_logs() { printf '%s\n' "$(run_dir ferretdb)/ferretdb.log"; }
ferretdb_grace() { printf '10'; }

ferretdb_installed() {
    [[ -x "$FERRETDB_BIN" ]] &&
        "$FERRETDB_BIN" --version 2>/dev/null | grep -qx "version: $FERRETDB_VERSION"
}

ferretdb_install() {
    need_cmd go "install Go >= 1.24 from https://go.dev/dl/"
    local dir src="$CACHE/src/ferretdb-$FERRETDB_VERSION"
    dir="$(GOPATH="$CACHE/go" GOFLAGS=-modcacherw go mod download -json \
        "github.com/FerretDB/FerretDB@$FERRETDB_VERSION" |
        sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')"
    [[ -n "$dir" && -d "$dir" ]] || die "ferretdb: go mod download did not report a source directory"
    rm -rf "$src"
    mkdir -p "$(dirname "$src")" "$(dirname "$FERRETDB_BIN")"
    cp -R "$dir" "$src"
    chmod -R u+w "$src"
    printf '%s\n' "$FERRETDB_VERSION" >"$src/build/version/version.txt"
    printf 'anju-local\n' >"$src/build/version/package.txt"
    (
        cd "$src" || exit 1
        GOPATH="$CACHE/go" GOFLAGS=-modcacherw CGO_ENABLED=0 \
            go build -trimpath -o "$FERRETDB_BIN.tmp" ./cmd/ferretdb
    )
    mv "$FERRETDB_BIN.tmp" "$FERRETDB_BIN"
}

ferretdb_start() {
    local dir
    dir="$(run_dir ferretdb)"
    mkdir -p "$dir/data" "$dir/state"
    spawn ferretdb "$dir/ferretdb.log" "$FERRETDB_BIN" \
        --handler=sqlite \
        --sqlite-url="file:$dir/data/" \
        --listen-addr="$HOST:$ANJU_MONGO_PORT" \
        --state-dir="$dir/state" \
        --debug-addr="$ANJU_FERRETDB_DEBUG_ADDR" \
        --telemetry=disable \
        --log-format=text
}

ferretdb_probe() {
    local py
    tcp_open "$HOST" "$ANJU_MONGO_PORT" || return 1
    py="$(probe_python)"
    [[ -z "$py" ]] || "$py" "$LOCAL_DIR/probe.py" mongo "$HOST" "$ANJU_MONGO_PORT" >/dev/null 2>&1
}
