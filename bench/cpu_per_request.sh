#!/usr/bin/env bash
# Where a browsed page's CPU goes: the server's, PostgreSQL's and the whole
# machine's CPU time per request, for the anonymous page with the cache off
# and for the same page signed in (throughput.sh's tf_nocache and tf_signed).
#
# It starts the given binary with the anonymous cache off and the per-address
# limit lifted, signs one adult up (sign_up.py), then alternates the two pages
# under wrk (2 s to warm, then the measured run) and reads utime and stime
# from /proc: the server's process, every PostgreSQL backend connected to the
# database (the server's pool; nothing else should use the database during
# the run), and /proc/stat for the machine (busy and idle, per request).
#
# Usage (from the project root, after a release build and a filled database):
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/trustfeed_scale bench/cpu_per_request.sh [target/release/api]
# Needs: wrk, python3. Linux only (/proc).
set -euo pipefail
url=${DATABASE_URL:?set DATABASE_URL to a filled PostgreSQL database}
bin=${1:-target/release/api}
conns=${BENCH_CONNECTIONS:-16}
secs=${BENCH_SECONDS:-6}
rounds=${BENCH_ROUNDS:-2}
here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
for tool in wrk python3; do command -v $tool >/dev/null || { echo "missing: $tool"; exit 1; }; done
[ -x "$bin" ] || { echo "no binary at $bin (cargo build --release -p api)"; exit 1; }
database=${url##*/}
database=${database%%\?*}
work=$(mktemp -d)
server=
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
DATABASE_URL="$url" LISTEN_ADDR="127.0.0.1:$port" APP_ENV=development SEED_DEMO=false RUST_LOG=warn \
  ANON_RATE_LIMIT_PER_MINUTE=100000000 ANON_CACHE_SECONDS=0 "$bin" >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.5; done
token=$(python3 "$here/sign_up.py" "http://127.0.0.1:$port/graphql")

for page in anonymous signed; do
  {
    echo 'wrk.method = "POST"'
    echo 'wrk.body = [[{"query":"{ contents(first:20){ edges{ node{ id title author{ handle } tags{ slug } } } } }"}]]'
    echo 'wrk.headers["Content-Type"] = "application/json"'
    [ $page = signed ] && echo "wrk.headers[\"Authorization\"] = \"Bearer $token\""
  } >"$work/$page.lua"
done

# Both pages must answer with data: an error (a limit, an expired token) is cheap and would flatter the figures.
query='{"query":"{ contents(first:20){ edges{ node{ id title author{ handle } tags{ slug } } } } }"}'
for auth in "" "Authorization: Bearer $token"; do
  answer=$(curl -s -H 'Content-Type: application/json' ${auth:+-H "$auth"} -d "$query" "http://127.0.0.1:$port/graphql")
  grep -q '"edges"' <<<"$answer" && ! grep -q '"errors"' <<<"$answer" || { echo "the page did not answer: $answer"; exit 1; }
done

# Clock ticks of the server, of the database's backends, and the machine's busy and idle.
ticks() {
  local backends=0 p
  for p in $(pgrep -f "postgres: .* $database " || true); do
    backends=$((backends + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0)))
  done
  echo "$(awk '{print $14 + $15}' "/proc/$server/stat") $backends $(awk '/^cpu /{print $2+$3+$4+$7+$8+$9, $5+$6}' /proc/stat)"
}

echo "page: req/s; CPU per request in ms: server, PostgreSQL, machine busy, machine idle"
for round in $(seq 1 "$rounds"); do
  for page in anonymous signed; do
    wrk -t2 -c"$conns" -d2s -s "$work/$page.lua" "http://127.0.0.1:$port/graphql" >/dev/null
    before=$(ticks)
    out=$(wrk -t2 -c"$conns" -d"${secs}s" -s "$work/$page.lua" "http://127.0.0.1:$port/graphql")
    after=$(ticks)
    grep -q "Non-2xx" <<<"$out" && { echo "$page: some answers were HTTP errors"; exit 1; }
    python3 - "$page" "$round" "$(getconf CLK_TCK)" "$before" "$after" "$out" <<'EOF'
import re, sys
page, round_, hz, before, after, out = sys.argv[1:]
n = int(re.search(r"(\d+) requests in", out).group(1))
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
ms = [(a - b) * 1000 / int(hz) / n for a, b in zip(map(int, after.split()), map(int, before.split()))]
print(f"round {round_} {page}: {rps:.0f} req/s; server {ms[0]:.3f}, PostgreSQL {ms[1]:.3f}, busy {ms[2]:.3f}, idle {ms[3]:.3f}")
EOF
  done
done
