#!/usr/bin/env bash
# `make run`: infrastructure up, the five services and the web started as local processes, URLs printed
# (the web's first: that is where people start);
# Ctrl-C (or TERM) stops the services and whatever infrastructure this run started.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
run_dir="$repo/.run/services"
mkdir -p "$run_dir"
services=(registry policy risk claims notify)
declare -A ports=([web]=8100 [registry]=8101 [policy]=8102 [risk]=8103 [claims]=8104 [notify]=8105)
session="$(mktemp)"
pids=()

stop_all() {
  local code="$1"
  trap - INT TERM EXIT
  echo
  echo "stopping services…"
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  "$here/infra.sh" down --session "$session" || true
  rm -f "$session"
  exit "$code"
}
trap 'stop_all 0' INT TERM
trap 'stop_all $?' EXIT

"$here/infra.sh" up --session "$session"

for svc in "${services[@]}"; do
  port_var="ANJU_${svc^^}_HTTP_PORT"
  port="${!port_var:-${ports[$svc]}}"
  ports[$svc]="$port"
  ANJU_HTTP_PORT="$port" "$repo/.venv/bin/python" -m "anju_$svc" >"$run_dir/$svc.log" 2>&1 &
  pids+=("$!")
done

# The web: pages over the services' APIs, told where each answers (ports may be overridden above).
web_port="${ANJU_WEB_HTTP_PORT:-${ports[web]}}"
ports[web]="$web_port"
web_env=(ANJU_HTTP_PORT="$web_port" ANJU_WEB_DEMO_DIR="$repo/.artifacts/demo")
for svc in "${services[@]}"; do web_env+=("ANJU_WEB_${svc^^}_URL=http://127.0.0.1:${ports[$svc]}"); done
env "${web_env[@]}" "$repo/.venv/bin/python" -m anju_web >"$run_dir/web.log" 2>&1 &
pids+=("$!")

echo "waiting for the services to be ready…"
for svc in web "${services[@]}"; do
  url="http://127.0.0.1:${ports[$svc]}/readyz"
  ok=""
  for _ in $(seq 1 120); do
    if curl -fsS "$url" >/dev/null 2>&1; then ok=1; break; fi
    sleep 0.5
  done
  if [[ -z "$ok" ]]; then
    echo "$svc did not become ready at $url — last lines of $run_dir/$svc.log:" >&2
    tail -n 30 "$run_dir/$svc.log" >&2 || true
    exit 1
  fi
done

echo
echo "Anju is up (region ${ANJU_REGION:-shanghai}):"
printf '  %-9s %s   sign in: %s/signin   log: %s\n' \
  "web" "http://127.0.0.1:${ports[web]}" "http://127.0.0.1:${ports[web]}" ".run/services/web.log"
for svc in "${services[@]}"; do
  base="http://127.0.0.1:${ports[$svc]}"
  printf '  %-9s %s   OpenAPI: %s/docs   AsyncAPI: %s/asyncapi.json   log: %s\n' \
    "$svc" "$base" "$base" "$base" ".run/services/$svc.log"
done
echo "  committed contracts: contracts/schemas/ (JSON Schema), contracts/asyncapi/ (AsyncAPI per service)"
if [[ "${DEMO:-}" == "1" ]]; then  # make run DEMO=1: demo projects through the services' public APIs
  urls=(); for svc in "${services[@]}"; do urls+=("--$svc" "http://127.0.0.1:${ports[$svc]}"); done
  "$repo/.venv/bin/python" -m anju_web.demo --out "$repo/.artifacts/demo" "${urls[@]}" \
    || echo "the demo did not finish (see above); the platform stays up" >&2
fi
echo "Press Ctrl-C to stop."
wait -n "${pids[@]}" || true
echo "a service exited; see .run/services/*.log" >&2
exit 1
