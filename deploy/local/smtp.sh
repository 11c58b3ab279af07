# shellcheck shell=bash
# Mailpit: a real SMTP server that keeps what it receives and serves it over an HTTP API, so tests
# (and developers, in a browser) can read the e-mails the notify service sent. Sourced by infra.sh.
#
# Mailpit is a Go module with proper versions, so versions.env pins one and we `go install` exactly
# that (needs: go), like MinIO.

SMTP_BIN="$CACHE/bin/mailpit-$MAILPIT_VERSION/mailpit"
SMTP_MODULE=github.com/axllent/mailpit

smtp_version() { printf 'mailpit %s' "$MAILPIT_VERSION"; }
smtp_address() { printf 'smtp://%s:%s (API http://%s:%s)' "$HOST" "$ANJU_SMTP_PORT" "$HOST" "$ANJU_SMTP_HTTP_PORT"; }
smtp_ports() { printf '%s %s' "$ANJU_SMTP_PORT" "$ANJU_SMTP_HTTP_PORT"; }
smtp_logs() { printf '%s\n' "$(run_dir smtp)/mailpit.log"; }
smtp_grace() { printf '10'; }

smtp_installed() { go_program_installed "$SMTP_BIN" "$SMTP_MODULE" "$MAILPIT_VERSION"; }
smtp_install() { go_program_install "$SMTP_BIN" "$SMTP_MODULE" "$MAILPIT_VERSION"; }

smtp_start() {
    local dir
    dir="$(run_dir smtp)"
    mkdir -p "$dir"
    # Loopback only; no update check (no network), no reverse DNS of clients; keeps the newest 5,000
    # messages (Mailpit prunes older ones) in a SQLite file under the run directory.
    spawn smtp "$dir/mailpit.log" "$SMTP_BIN" \
        --smtp "$HOST:$ANJU_SMTP_PORT" \
        --listen "$HOST:$ANJU_SMTP_HTTP_PORT" \
        --database "$dir/mailpit.db" \
        --max 5000 \
        --disable-version-check \
        --smtp-disable-rdns
}

smtp_probe() {
    # Ready = the HTTP API answers /readyz and the SMTP port accepts connections.
    local url="http://$HOST:$ANJU_SMTP_HTTP_PORT/readyz" py
    tcp_open "$HOST" "$ANJU_SMTP_PORT" || return 1
    if command -v curl >/dev/null 2>&1; then
        curl -fsS -o /dev/null --max-time 3 "$url" 2>/dev/null
    else
        py="$(probe_python)"
        if [[ -n "$py" ]]; then
            "$py" "$LOCAL_DIR/probe.py" http "$url" >/dev/null 2>&1
        else
            tcp_open "$HOST" "$ANJU_SMTP_HTTP_PORT"
        fi
    fi
}
