# shellcheck shell=bash
# FerretDB (MongoDB wire protocol) on its embedded SQLite backend. Sourced by infra.sh.
#
# Built from source with Go (needs: go). `go install` of this module is refused, and a plain build
# from the module cache panics at start-up because the release's build/version/version.txt is
# generated at release time and absent from the module zip; so we copy the sources, write that file,
# patch one line (ferretdb_patch_id_index, below) and build the copy.

# The build tag names the patch level: a binary built before a patch changed is rebuilt.
FERRETDB_BUILD="anju-idindex1"
FERRETDB_BIN="$CACHE/bin/ferretdb-$FERRETDB_VERSION-$FERRETDB_BUILD/ferretdb"
# SQLite in WAL mode with synchronous=NORMAL (SQLite's recommended WAL setting) syncs at checkpoints
# instead of at every commit: a crash of FerretDB or of the machine's processes loses nothing, only an
# OS crash or power cut may lose the last commits — right for a local development and CI database.
# Measured on 2 cores (patched build, 6 interleaved runs, median of per-run ratios): insert_one +35 %
# (faster in 6/6), replace_one +16 %, insert_many/find_one +5 % (within noise); fsyncs for 200
# insert_one 212 → 6. Also tried on top: cache_size(-65536), temp_store(memory), mmap_size(256 MiB),
# alone and together — no consistent gain (−21 % to +9 % vs synchronous(normal) alone), so not used.
FERRETDB_SQLITE_PRAGMAS="_pragma=synchronous(normal)"
# "-" disables FerretDB's debug/metrics HTTP listener (default 127.0.0.1:8088) to avoid collisions.
ANJU_FERRETDB_DEBUG_ADDR="${ANJU_FERRETDB_DEBUG_ADDR:--}"

ferretdb_version() { printf '%s' "$FERRETDB_VERSION"; }
ferretdb_address() { printf '%s:%s' "$HOST" "$ANJU_MONGO_PORT"; }
ferretdb_ports() { printf '%s' "$ANJU_MONGO_PORT"; }
ferretdb_logs() { printf '%s\n' "$(run_dir ferretdb)/ferretdb.log"; }
ferretdb_grace() { printf '10'; }

ferretdb_installed() {
    [[ -x "$FERRETDB_BIN" ]] &&
        "$FERRETDB_BIN" --version 2>/dev/null | grep -x "version: $FERRETDB_VERSION" >/dev/null # not -q: no SIGPIPE under pipefail
}

# FerretDB v1.24.2's SQLite backend creates the unique _id index on the expression
# `_ferretdb_sjson->"_id"` but looks documents up with `_ferretdb_sjson->'$._id' = ?`. SQLite matches
# an index to a query by its expression, so every find/update/delete by _id scanned and decoded the
# whole table (EXPLAIN: "SCAN"), making a look-up O(collection size). Querying with the index's own
# expression (same value: both take the top-level "_id") gives "SEARCH ... USING INDEX". Measured on
# a 20,000-document collection: find_one by _id 488 → 1,337/s; 40 reads of a 20,000-unit read model
# 55 ms → ~1 ms each. Existing databases need no migration: the index is unchanged.
ferretdb_patch_id_index() {
    local file="$1/internal/backends/sqlite/metadata/metadata.go"
    local from="IDColumn = DefaultColumn + \"->'\$._id'\""
    local to='IDColumn = DefaultColumn + `->"_id"`'
    grep -qF "$from" "$file" || die "ferretdb: the _id index patch does not apply to $FERRETDB_VERSION (see ferretdb.sh)"
    FROM="$from" TO="$to" perl -0pi -e 's/\Q$ENV{FROM}\E/$ENV{TO}/' "$file"
    grep -qF "$to" "$file" || die "ferretdb: patching $file failed"
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
    printf '%s\n' "$FERRETDB_BUILD" >"$src/build/version/package.txt"
    ferretdb_patch_id_index "$src"
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
        --sqlite-url="file:$dir/data/?$FERRETDB_SQLITE_PRAGMAS" \
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
