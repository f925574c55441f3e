#!/usr/bin/env bash
# Where a browsed page's CPU goes: the server's, PostgreSQL's and the whole
# machine's CPU time per request, for the anonymous page with the cache off
# (throughput.sh's tf_nocache) and for the same page signed in (its
# tf_signed, which the cache never answers either).
#
# It starts the given binary with the anonymous cache off and the per-address
# limit lifted, signs one adult up (sign_up.py), then alternates the two pages
# under wrk (2 s to warm, then the measured run) and reads utime and stime
# from /proc: the server's process, and each PostgreSQL backend connected to
# the database, per backend so that one ending mid-run takes nothing away
# (parallel workers do not name their database and are not counted: the
# page's statements run without them here); one that ends mid-run loses its
# CPU from the sum, one that starts counts in full. "busy" is the machine's
# user, nice, system and interrupt time, wrk's own included; "idle" is idle
# and iowait. Nothing else should use the machine or the database during the
# run. Every answer wrk gets must be the full page: an error (a limit, an
# expired token) is cheap, comes with HTTP 200, and would flatter the figures.
#
# Usage (from the project root, after a release build and a filled database
# on this machine):
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/trustfeed_scale bench/cpu_per_request.sh [target/release/api]
# Needs: wrk, curl, pgrep, python3. Linux only (/proc).
set -euo pipefail
url=${DATABASE_URL:?set DATABASE_URL to a filled PostgreSQL database}
bin=${1:-target/release/api}
conns=${BENCH_CONNECTIONS:-16}
secs=${BENCH_SECONDS:-6}
rounds=${BENCH_ROUNDS:-2}
here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
for tool in wrk curl pgrep python3; do command -v $tool >/dev/null || { echo "missing: $tool"; exit 1; }; done
[ -x "$bin" ] || { echo "no binary at $bin (cargo build --release -p api)"; exit 1; }
database=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.urlparse(sys.argv[1]).path.lstrip("/"))' "$url")
[ -n "$database" ] || { echo "DATABASE_URL names no database"; exit 1; }
work=$(mktemp -d)
server=
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
fail() { echo "$@" >&2; exit 1; }
trap cleanup EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
DATABASE_URL="$url" LISTEN_ADDR="127.0.0.1:$port" APP_ENV=development SEED_DEMO=false RUST_LOG=warn \
  ANON_RATE_LIMIT_PER_MINUTE=100000000 ANON_CACHE_SECONDS=0 "$bin" >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.5; done
curl -sf "http://127.0.0.1:$port/healthz" >/dev/null || fail "the server did not start: $(cat "$work/server.log")"
graphql="http://127.0.0.1:$port/graphql"
token=$(python3 "$here/sign_up.py" "$graphql")

body='{"query":"{ contents(first:20){ edges{ node{ id title author{ handle } tags{ slug } } } } }"}'
for page in anonymous signed; do
  {
    echo 'wrk.method = "POST"'
    echo "wrk.body = [[$body]]"
    echo 'wrk.headers["Content-Type"] = "application/json"'
    [ $page = signed ] && echo "wrk.headers[\"Authorization\"] = \"Bearer $token\""
    echo 'response = function(status, headers, body)'
    echo '  if status ~= 200 or string.find(body, [["errors"]], 1, true) or not string.find(body, [["edges"]], 1, true) then'
    echo '    io.stderr:write("bad answer " .. status .. " " .. string.sub(body, 1, 200) .. "\n")'
    echo '  end'
    echo 'end'
  } >"$work/$page.lua"
done

# The page answers with its 20 items and no error, for this page's caller.
answers() {
  local auth=()
  [ "$1" = signed ] && auth=(-H "Authorization: Bearer $token")
  curl -s --max-time 10 -H 'Content-Type: application/json' "${auth[@]}" -d "$body" "$graphql" | python3 -c '
import json, sys
answer = json.load(sys.stdin)
edges = ((answer.get("data") or {}).get("contents") or {}).get("edges") or []
sys.exit(0 if len(edges) == 20 and not answer.get("errors") else f"the page did not answer: {answer}")'
}

# "pid ticks" of every backend on the database, then "server busy idle".
ticks() {
  local p
  for p in $(pgrep -f "postgres: .* $(sed 's/[][\.*^$+?(){}|]/\\&/g' <<<"$database") " || true); do
    awk -v pid="$p" '{print "backend", pid, $14 + $15}' "/proc/$p/stat" 2>/dev/null || true
  done
  kill -0 "$server" 2>/dev/null || fail "the server stopped: $(cat "$work/server.log")"
  echo "machine $(awk '{print $14 + $15}' "/proc/$server/stat") $(awk '/^cpu /{print $2+$3+$4+$7+$8, $5+$6}' /proc/stat)"
}

echo "page: req/s; CPU per request in ms: server, PostgreSQL, machine busy, machine idle"
for round in $(seq 1 "$rounds"); do
  for page in anonymous signed; do
    answers $page
    wrk -t2 -c"$conns" -d2s -s "$work/$page.lua" "$graphql" >/dev/null 2>"$work/bad"
    ticks >"$work/before"
    out=$(wrk -t2 -c"$conns" -d"${secs}s" -s "$work/$page.lua" "$graphql" 2>>"$work/bad")
    ticks >"$work/after"
    [ -s "$work/bad" ] && fail "$page: $(wc -l <"$work/bad") answers were not the page, the first: $(head -n 1 "$work/bad")"
    grep -qE "Non-2xx|Socket errors" <<<"$out" && fail "$page: wrk saw errors: $out"
    grep -q "requests in" <<<"$out" || fail "$page: wrk said nothing of its requests: $out"
    python3 - "$page" "$round" "$(getconf CLK_TCK)" "$work/before" "$work/after" "$out" <<'EOF'
import re, sys
page, round_, hz, before, after, out = sys.argv[1:]

def read(path):
    backends, machine = {}, None
    for line in open(path):
        kind, *fields = line.split()
        if kind == "backend":
            backends[fields[0]] = int(fields[1])
        else:
            machine = [int(f) for f in fields]
    return backends, machine

(b0, m0), (b1, m1) = read(before), read(after)
if not b1:
    sys.exit("no PostgreSQL backend is connected to the database; is it on this machine?")
n = int(re.search(r"(\d+) requests in", out).group(1))
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
# A backend that started mid-run counts from zero; one that ended is left out.
postgres = sum(t - b0.get(pid, 0) for pid, t in b1.items())
def ms(ticks):
    return ticks * 1000 / int(hz) / n

server, busy, idle = (ms(a - b) for a, b in zip(m1, m0))
print(f"round {round_} {page}: {rps:.0f} req/s; server {server:.3f}, PostgreSQL {ms(postgres):.3f}, busy {busy:.3f}, idle {idle:.3f}")
EOF
  done
done
