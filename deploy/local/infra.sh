#!/usr/bin/env bash
# Local development servers for Anju, as plain processes on 127.0.0.1 (no Docker):
#   kafka    Apache Kafka (KRaft, broker+controller)   127.0.0.1:9092 (controller 9093)
#   ferretdb FerretDB on SQLite (MongoDB wire)          127.0.0.1:27017
#   minio    MinIO (S3 API)                             127.0.0.1:9000 (console 9001)
#   smtp     Mailpit (SMTP, HTTP API to read mail)      127.0.0.1:1025 (API 8025)
# See deploy/local/README.md. Versions: deploy/local/versions.env.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
source "$HERE/lib.sh"
# shellcheck source=kafka.sh
source "$HERE/kafka.sh"
# shellcheck source=ferretdb.sh
source "$HERE/ferretdb.sh"
# shellcheck source=minio.sh
source "$HERE/minio.sh"
# shellcheck source=smtp.sh
source "$HERE/smtp.sh"

usage() {
    cat <<EOF
usage: $(basename "$0") COMMAND [options] [SERVER...]

SERVER is any of: ${SERVERS[*]} (default: all).

commands:
  install                 install missing servers into $CACHE (idempotent)
  up [--session FILE]     install if needed, start servers not yet running, wait until they answer
                          (--session: append the names of the servers this call started to FILE)
  down [--session FILE]   stop servers started by these scripts (--session: only those listed in
                          FILE, which is then emptied)
  status                  one line per server: version, address, state
  reset                   stop servers and delete their state under $RUN_ROOT/<server>/
  env                     print export lines for ANJU_* client settings (eval "\$(... env)")
EOF
}

SESSION=""
SELECTED=()

# Parses [--session FILE] [SERVER...] into SESSION and SELECTED.
parse_args() {
    local allow_session="$1" s known
    shift
    while (($#)); do
        case "$1" in
        --session)
            [[ "$allow_session" == yes ]] || die "--session is only valid for up/down"
            (($# >= 2)) || die "--session needs a file argument"
            SESSION="$2"
            shift 2
            ;;
        --session=*)
            [[ "$allow_session" == yes ]] || die "--session is only valid for up/down"
            SESSION="${1#--session=}"
            shift
            ;;
        -h | --help)
            usage
            exit 0
            ;;
        *)
            known=no
            for s in "${SERVERS[@]}"; do [[ "$1" == "$s" ]] && known=yes; done
            [[ "$known" == yes ]] || die "unknown server or option '$1' (servers: ${SERVERS[*]})"
            SELECTED+=("$1")
            shift
            ;;
        esac
    done
    ((${#SELECTED[@]})) || SELECTED=("${SERVERS[@]}")
}

_install_locked() {
    local s="$1" t0=$SECONDS
    # Re-check under the lock: a concurrent run may have finished the install while we waited.
    if "${s}_installed"; then
        info "$s $("${s}_version"): installed by a concurrent run"
        return 0
    fi
    info "$s $("${s}_version"): installing into $CACHE ..."
    "${s}_install"
    "${s}_installed" || die "$s: install finished but the result does not check out"
    info "$s $("${s}_version"): installed in $((SECONDS - t0))s"
}

# Usage: install_servers VERBOSE SERVER...  (VERBOSE=yes also reports already-installed servers)
install_servers() {
    local verbose="$1" s
    shift
    mkdir -p "$CACHE"
    for s in "$@"; do
        if "${s}_installed"; then
            [[ "$verbose" == no ]] || info "$s $("${s}_version"): already installed"
        else
            with_lock "$s" _install_locked "$s"
        fi
    done
}

report_failure() {
    local s="$1" f
    local -a logs=()
    mapfile -t logs < <("${s}_logs")
    warn "$s: log file(s):"
    for f in "${logs[@]}"; do warn "  $f"; done
    show_log_tail "${logs[@]}"
}

cmd_install() {
    parse_args no "$@"
    install_servers yes "${SELECTED[@]}"
}

cmd_up() {
    parse_args yes "$@"
    local s p pid conflict t0=$SECONDS deadline
    local -a pending=() next=() failed=()
    install_servers no "${SELECTED[@]}"
    if [[ -n "$SESSION" ]]; then
        mkdir -p "$(dirname "$SESSION")"
        touch "$SESSION"
    fi
    local -a order=()
    for s in "${START_ORDER[@]}"; do
        [[ " ${SELECTED[*]} " == *" $s "* ]] && order+=("$s")
    done
    for s in "${order[@]}"; do
        mkdir -p "$(run_dir "$s")"
        if pid="$(ours_pid "$s")"; then
            info "$s: already running (pid $pid)"
            pending+=("$s")
            continue
        fi
        rm -f "$(pid_file "$s")"
        conflict=no
        for p in $("${s}_ports"); do
            if port_listening "$p"; then
                warn "$s: port $p is in use by another process ($(port_holder "$p")); not starting $s here"
                conflict=yes
            fi
        done
        if [[ "$conflict" == yes ]]; then
            # A server that answers its own protocol there (e.g. started by another checkout of
            # Anju) is used as it is, never stopped by us; anything else is a real conflict.
            if "${s}_probe"; then
                info "$s: a server not started by this checkout answers on $("${s}_address"); using it"
                continue
            fi
            failed+=("$s")
            continue
        fi
        info "$s $("${s}_version"): starting on $("${s}_address")"
        if ! "${s}_start"; then
            warn "$s: failed to start"
            report_failure "$s"
            failed+=("$s")
            continue
        fi
        # Recorded right away, so the caller can clean up even if the readiness wait fails.
        [[ -z "$SESSION" ]] || printf '%s\n' "$s" >>"$SESSION"
        pending+=("$s")
    done

    deadline=$((SECONDS + ANJU_INFRA_TIMEOUT))
    while ((${#pending[@]})); do
        next=()
        for s in "${pending[@]}"; do
            if "${s}_probe"; then
                info "$s: answering on $("${s}_address") ($((SECONDS - t0))s)"
            elif ! ours_pid "$s" >/dev/null; then
                warn "$s: the process exited during start-up"
                report_failure "$s"
                failed+=("$s")
            else
                next+=("$s")
            fi
        done
        pending=("${next[@]+"${next[@]}"}")
        ((${#pending[@]})) || break
        if ((SECONDS >= deadline)); then
            for s in "${pending[@]}"; do
                warn "$s: did not answer within ${ANJU_INFRA_TIMEOUT}s (still running as pid" \
                    "$(ours_pid "$s" || printf '?'); stop it with: $0 down $s)"
                report_failure "$s"
                failed+=("$s")
            done
            break
        fi
        sleep 0.5
    done

    if ((${#failed[@]})); then
        warn "FAILED: ${failed[*]}"
        exit 1
    fi
    info "all up in $((SECONDS - t0))s: ${SELECTED[*]}"
}

stop_server() {
    local s="$1" pid
    if pid="$(ours_pid "$s")"; then
        info "$s: stopping pid $pid"
        terminate "$pid" "$("${s}_grace")"
        info "$s: stopped"
    else
        info "$s: not running"
    fi
    rm -f "$(pid_file "$s")"
}

cmd_down() {
    parse_args yes "$@"
    local s listed
    local -a targets=()
    if [[ -n "$SESSION" ]]; then
        if [[ -f "$SESSION" ]]; then
            for s in "${SELECTED[@]}"; do
                listed="$(grep -cx -- "$s" "$SESSION" || true)"
                ((listed == 0)) || targets+=("$s")
            done
        fi
        ((${#targets[@]})) || info "session ${SESSION}: no servers to stop"
    else
        targets=("${SELECTED[@]}")
    fi
    for s in "${targets[@]+"${targets[@]}"}"; do stop_server "$s"; done
    # The session is consumed: a later `up --session` with the same file must not inherit old names.
    if [[ -n "$SESSION" && -f "$SESSION" ]]; then : >"$SESSION"; fi
}

cmd_status() {
    parse_args no "$@"
    local s p pid state
    for s in "${SELECTED[@]}"; do
        if pid="$(ours_pid "$s")"; then
            if "${s}_probe"; then state="running (pid $pid)"; else state="running (pid $pid), not answering"; fi
        else
            state="stopped"
            for p in $("${s}_ports"); do
                if port_listening "$p"; then
                    state="port $p taken by another process ($(port_holder "$p"))"
                    break
                fi
            done
        fi
        printf '%-9s %-28s %-44s %s\n' "$s" "$("${s}_version")" "$("${s}_address")" "$state"
    done
}

cmd_reset() {
    parse_args no "$@"
    local s
    for s in "${SELECTED[@]}"; do
        stop_server "$s"
        rm -rf "$(run_dir "$s")"
        info "$s: deleted $(run_dir "$s")"
    done
}

cmd_env() {
    parse_args no "$@"
    cat <<EOF
export ANJU_KAFKA_BOOTSTRAP=$HOST:$ANJU_KAFKA_PORT
export ANJU_MONGO_URL=mongodb://$HOST:$ANJU_MONGO_PORT
export ANJU_S3_ENDPOINT=http://$HOST:$ANJU_MINIO_PORT
export ANJU_S3_ACCESS_KEY=$ANJU_S3_ACCESS_KEY
export ANJU_S3_SECRET_KEY=$ANJU_S3_SECRET_KEY
export ANJU_SMTP_HOST=$HOST
export ANJU_SMTP_PORT=$ANJU_SMTP_PORT
export ANJU_SMTP_API=http://$HOST:$ANJU_SMTP_HTTP_PORT
EOF
}

main() {
    (($#)) || {
        usage
        exit 2
    }
    local cmd="$1"
    shift
    case "$cmd" in
    install | up | down | status | reset | env) "cmd_$cmd" "$@" ;;
    -h | --help | help) usage ;;
    *)
        usage >&2
        exit 2
        ;;
    esac
}

main "$@"
