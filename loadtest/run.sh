#!/usr/bin/env bash
# A campaign day on this machine, measured: two release instances on one
# PostgreSQL database, the goose load for RUN_TIME, and, during it, the
# faults: PostgreSQL restarted, one instance killed with -9 (and started
# again). Then a SQLite instance whose disk turns read-only under writes.
# Prints goose's report, the codes each request got, both instances' memory
# at the start and the end, and what each fault did. Needs root (for the
# read-only mount) and a local PostgreSQL with trust authentication.
#
#   loadtest/run.sh                     # 10 minutes, 60 users
#   RUN_TIME=2m USERS=30 loadtest/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."

RUN_TIME=${RUN_TIME:-10m}
USERS=${USERS:-60}
DB=${LOADTEST_DATABASE:-trustfeed_loadtest}
PG_VERSION=$(ls /etc/postgresql | head -n 1)
OUT=${OUT:-target/loadtest}
mkdir -p "$OUT"

cargo build --release --locked -p api
(cd loadtest && cargo build --release --locked)
API=target/release/api
LOAD=loadtest/target/release/campaign-day

psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$DB"
export APP_ENV=development SEED_DEMO=true RUST_LOG=warn
export JWT_SECRET=loadtest-secret-shared-by-both-instances-0123456789
export TRUSTED_PROXY_HEADER=x-loadtest-client
# The load generator is one machine: its per-address anonymous budget is
# each simulated person's own (see TRUSTED_PROXY_HEADER).
export ANON_RATE_LIMIT_PER_MINUTE=600

start() { # port log
  LISTEN_ADDR="127.0.0.1:$1" "$API" serve >"$2" 2>&1 &
  echo $!
}
ready() { # port
  for _ in $(seq 1 120); do
    curl -sf "http://127.0.0.1:$1/readyz" >/dev/null && return 0
    sleep 0.5
  done
  echo "instance on $1 never became ready" >&2
  return 1
}
rss() { ps -o rss= -p "$1" 2>/dev/null | awk '{printf "%.1f MB", $1/1024}'; }

A=$(start 8081 "$OUT/a.log"); ready 8081
B=$(start 8082 "$OUT/b.log"); ready 8082
echo "memory at the start: A $(rss "$A"), B $(rss "$B")" | tee "$OUT/memory.txt"

seconds() { case "$1" in *m) echo $((${1%m} * 60)) ;; *s) echo "${1%s}" ;; *) echo "$1" ;; esac; }
TOTAL=$(seconds "$RUN_TIME")

TRUSTFEED_HOSTS=http://127.0.0.1:8081,http://127.0.0.1:8082 "$LOAD" \
  --host http://127.0.0.1:8081 --users "$USERS" --hatch-rate 10 --run-time "$RUN_TIME" \
  --report-file "$OUT/report.html" --no-reset-metrics >"$OUT/goose.txt" 2>&1 &
LOADER=$!

# The faults, at a third and two thirds of the run.
sleep $((TOTAL / 3))
echo "fault 1 at $(date -u +%T): PostgreSQL restarted" | tee "$OUT/faults.txt"
pg_ctlcluster --skip-systemctl-redirect "$PG_VERSION" main restart
for port in 8081 8082; do
  start_wait=$(date +%s%3N)
  ready "$port"
  echo "  instance $port ready again after $(($(date +%s%3N) - start_wait)) ms, without a restart" | tee -a "$OUT/faults.txt"
done
sleep $((TOTAL / 3))
echo "fault 2 at $(date -u +%T): instance B killed with -9" | tee -a "$OUT/faults.txt"
kill -9 "$B"
sleep 10
curl -sf http://127.0.0.1:8081/readyz >/dev/null && echo "  A still ready while B is down" | tee -a "$OUT/faults.txt"
B=$(start 8082 "$OUT/b2.log"); ready 8082
echo "  B started again at $(date -u +%T)" | tee -a "$OUT/faults.txt"

wait "$LOADER" || true
echo "memory at the end: A $(rss "$A"), B (restarted) $(rss "$B")" | tee -a "$OUT/memory.txt"
kill "$A" "$B" 2>/dev/null || true
wait 2>/dev/null || true

# The read-only disk, on SQLite: acknowledged writes before, clear errors
# during, nothing lost after.
MNT=$(mktemp -d)
mount -t tmpfs -o size=256m tmpfs "$MNT"
unset ANON_RATE_LIMIT_PER_MINUTE
DATABASE_URL="sqlite://$MNT/trustfeed.db?mode=rwc" LISTEN_ADDR=127.0.0.1:8083 "$API" serve >"$OUT/sqlite.log" 2>&1 &
S=$!
ready 8083
python3 loadtest/read_only_disk.py http://127.0.0.1:8083 "$MNT" | tee "$OUT/read_only.txt"
kill "$S" 2>/dev/null || true
wait "$S" 2>/dev/null || true
umount "$MNT" && rmdir "$MNT"

echo
cat "$OUT/goose.txt"
echo
cat "$OUT/memory.txt" "$OUT/faults.txt" "$OUT/read_only.txt"
