# shellcheck shell=bash
# Shared helpers for deploy/local/*.sh. Sourced, never executed.
#
# Layout:
#   $CACHE               = ${XDG_CACHE_HOME:-$HOME/.cache}/anju   (downloads + builds, outside the repo)
#   $RUN_ROOT/<server>/  = <repo>/.run/<server>/                  (pid file, config, data, logs; git-ignored)

LOCAL_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$LOCAL_DIR/../.." && pwd)"
RUN_ROOT="$REPO_DIR/.run"
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/anju"

# shellcheck source=versions.env
source "$LOCAL_DIR/versions.env"

ANJU_KAFKA_PORT="${ANJU_KAFKA_PORT:-9092}"
ANJU_KAFKA_CONTROLLER_PORT="${ANJU_KAFKA_CONTROLLER_PORT:-9093}"
ANJU_MONGO_PORT="${ANJU_MONGO_PORT:-27017}"
ANJU_MINIO_PORT="${ANJU_MINIO_PORT:-9000}"
ANJU_MINIO_CONSOLE_PORT="${ANJU_MINIO_CONSOLE_PORT:-9001}"
ANJU_SMTP_PORT="${ANJU_SMTP_PORT:-1025}"
ANJU_SMTP_HTTP_PORT="${ANJU_SMTP_HTTP_PORT:-8025}"
ANJU_S3_ACCESS_KEY="${ANJU_S3_ACCESS_KEY:-anju-dev}"
ANJU_S3_SECRET_KEY="${ANJU_S3_SECRET_KEY:-anju-dev-secret}"
ANJU_INFRA_TIMEOUT="${ANJU_INFRA_TIMEOUT:-90}"

HOST=127.0.0.1
# shellcheck disable=SC2034 # SERVERS and START_ORDER are read by infra.sh
SERVERS=(kafka ferretdb minio smtp)
# Kafka starts last: its storage format step blocks for a few seconds, the others need not wait on it.
# shellcheck disable=SC2034
START_ORDER=(ferretdb minio smtp kafka)

info() { printf '[infra] %s\n' "$*"; }
warn() { printf '[infra] %s\n' "$*" >&2; }
die() {
    warn "error: $*"
    exit 1
}

need_cmd() {
    command -v "$1" >/dev/null 2>&1 || die "'$1' is required but not on PATH ($2)"
}

# Runs "$@" while holding an exclusive lock on $CACHE/locks/$1, so two concurrent installs of the same
# component (e.g. two terminals running `infra.sh up`) wait for each other instead of both building.
with_lock() {
    local name="$1"
    shift
    mkdir -p "$CACHE/locks"
    (
        flock 9
        "$@"
    ) 9>"$CACHE/locks/$name.lock"
}

# A server that is one Go program with a pinned module version (MinIO, Mailpit): `go install` of exactly
# that version into the cache. BIN is the cached binary, MODULE the Go module path (its last element
# names the program `go install` writes), VERSION the pinned module version from versions.env.
# Usage: go_program_installed BIN MODULE VERSION
go_program_installed() {
    local bin="$1" module="$2" version="$3"
    # `go version -m` reads the module version embedded in the binary: proof it is the pinned one.
    # Without go on PATH the binary's presence has to do (it cannot be checked, nor rebuilt).
    [[ -x "$bin" ]] || return 1
    ! command -v go >/dev/null 2>&1 ||
        go version -m "$bin" 2>/dev/null | grep "${module}[[:space:]]*${version}" >/dev/null
}

# Usage: go_program_install BIN MODULE VERSION
go_program_install() {
    local bin="$1" module="$2" version="$3" tmp
    need_cmd go "install Go >= 1.24 from https://go.dev/dl/"
    # Built beside its final place and moved in whole, so a failed build never leaves half a binary
    # where *_installed would find it.
    tmp="$(dirname "$bin").tmp"
    rm -rf "$tmp"
    mkdir -p "$tmp"
    GOPATH="$CACHE/go" GOBIN="$tmp" GOFLAGS=-modcacherw CGO_ENABLED=0 \
        go install "$module@$version"
    mkdir -p "$(dirname "$bin")"
    mv "$tmp/${module##*/}" "$bin"
    rm -rf "$tmp"
}

run_dir() { printf '%s/%s' "$RUN_ROOT" "$1"; }
pid_file() { printf '%s/%s/%s.pid' "$RUN_ROOT" "$1" "$1"; }

# Python used for protocol probes: the project venv if present, else any python3; empty if none.
probe_python() {
    if [[ -x "$REPO_DIR/.venv/bin/python" ]]; then
        printf '%s' "$REPO_DIR/.venv/bin/python"
    elif command -v python3 >/dev/null 2>&1; then
        command -v python3
    fi
}

tcp_open() {
    # Bash's /dev/tcp needs no extra tools; timeout keeps a filtered port from hanging us.
    timeout 2 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null
}

# Prints the pid if the server's pid file names a live process whose command line is ours
# (contains the server's run directory); fails otherwise. Never trusts a bare pid file: pids recycle.
ours_pid() {
    local name="$1" pf pid cmd
    pf="$(pid_file "$name")"
    [[ -f "$pf" ]] || return 1
    pid="$(<"$pf")"
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    [[ -r "/proc/$pid/cmdline" ]] || return 1
    cmd="$(tr '\0' ' ' <"/proc/$pid/cmdline")"
    [[ "$cmd" == *"$(run_dir "$name")/"* ]] || return 1
    printf '%s' "$pid"
}

port_listening() {
    local port="$1"
    if command -v ss >/dev/null 2>&1; then
        [[ -n "$(ss -Hltn "sport = :$port" 2>/dev/null)" ]]
    else
        tcp_open "$HOST" "$port"
    fi
}

# Describes who listens on a port, as far as ss/lsof can tell (pid/cmd need root or same user).
port_holder() {
    local port="$1" desc="" pid=""
    if command -v ss >/dev/null 2>&1; then
        desc="$(ss -Hltnp "sport = :$port" 2>/dev/null | grep -o 'users:(([^)]*))' | head -n1 || true)"
        pid="$(printf '%s' "$desc" | grep -o 'pid=[0-9]*' | head -n1 | cut -d= -f2 || true)"
    fi
    if [[ -z "$pid" ]] && command -v lsof >/dev/null 2>&1; then
        pid="$(lsof -nP -t -iTCP:"$port" -sTCP:LISTEN 2>/dev/null | head -n1 || true)"
    fi
    if [[ -n "$pid" && -r "/proc/$pid/cmdline" ]]; then
        printf 'pid %s: %s' "$pid" "$(tr '\0' ' ' <"/proc/$pid/cmdline" | cut -c1-160)"
    elif [[ -n "$desc" ]]; then
        printf '%s' "$desc"
    else
        printf 'owner unknown'
    fi
}

# Starts "$@" detached (own session, so it survives the caller's terminal/process group), with
# stdout+stderr appended to LOGFILE; records the pid in the pid file. Usage: spawn NAME LOGFILE CMD...
spawn() {
    local name="$1" logfile="$2"
    shift 2
    mkdir -p "$(dirname "$logfile")"
    printf '\n===== %s starting %s =====\n' "$(date -Is)" "$name" >>"$logfile"
    # setsid without -f execs in place (we are not a group leader), so $! is the server's pid.
    setsid "$@" </dev/null >>"$logfile" 2>&1 &
    printf '%s\n' "$!" >"$(pid_file "$name")"
}

# Sends SIGTERM, waits up to GRACE seconds, then SIGKILL. Usage: terminate PID GRACE
terminate() {
    local pid="$1" grace="$2" i
    kill -TERM "$pid" 2>/dev/null || return 0
    for ((i = 0; i < grace * 5; i++)); do
        [[ -d "/proc/$pid" ]] || return 0
        # A zombie (our own child that exited) counts as gone.
        [[ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" == Z ]] && return 0
        sleep 0.2
    done
    warn "pid $pid did not stop within ${grace}s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    sleep 0.5
}

show_log_tail() {
    local f
    for f in "$@"; do
        [[ -s "$f" ]] || continue
        warn "---- last 20 lines of $f ----"
        tail -n 20 "$f" >&2
    done
}
