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
#   ONLY_READ_ONLY_DISK=1 loadtest/run.sh   # the SQLite disk fault alone
set -euo pipefail
cd "$(dirname "$0")/.."

RUN_TIME=${RUN_TIME:-10m}
USERS=${USERS:-60}
DB=${LOADTEST_DATABASE:-trustfeed_loadtest}
PG_VERSION=$(ls /etc/postgresql | head -n 1)
OUT=${OUT:-target/loadtest}
mkdir -p "$OUT"
# Whatever happens, nothing of this run is left running or mounted.
MNT="" LOOP="" A="" B="" S=""
cleanup() {
  jobs -p | xargs -r kill 2>/dev/null || true
  for pid in $A $B $S; do kill -9 "$pid" 2>/dev/null || true; done
  if [ -n "$MNT" ]; then umount "$MNT" 2>/dev/null || umount -l "$MNT" 2>/dev/null || true; rmdir "$MNT" 2>/dev/null || true; fi
  if [ -n "$LOOP" ]; then losetup -d "$LOOP" 2>/dev/null || true; fi
}
trap cleanup EXIT

cargo build --release --locked -p api
[ -n "${ONLY_READ_ONLY_DISK:-}" ] || (cd loadtest && cargo build --release --locked)
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
stop() { # pid signal: waits until the process is gone (it is not this shell's child)
  kill "-${2:-TERM}" "$1" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
  kill -9 "$1" 2>/dev/null || true
}

if [ -z "${ONLY_READ_ONLY_DISK:-}" ]; then
A=$(start 8081 "$OUT/a.log"); ready 8081
B=$(start 8082 "$OUT/b.log"); ready 8082
echo "memory at the start: A $(rss "$A"), B $(rss "$B")" | tee "$OUT/memory.txt"

seconds() { case "$1" in *m) echo $((${1%m} * 60)) ;; *s) echo "${1%s}" ;; *) echo "$1" ;; esac; }
TOTAL=$(seconds "$RUN_TIME")

TRUSTFEED_HOSTS=http://127.0.0.1:8081,http://127.0.0.1:8082 "$LOAD" \
  --host http://127.0.0.1:8081 --users "$USERS" --increase-rate 10 --run-time "$RUN_TIME" \
  --report-file "$OUT/report.html" --report-file "$OUT/report.md" --no-reset-metrics >"$OUT/goose.txt" 2>&1 &
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
stop "$B" KILL
sleep 10
curl -sf http://127.0.0.1:8081/readyz >/dev/null && echo "  A still ready while B is down" | tee -a "$OUT/faults.txt"
B=$(start 8082 "$OUT/b2.log"); ready 8082
echo "  B started again at $(date -u +%T)" | tee -a "$OUT/faults.txt"

wait "$LOADER" || true
echo "memory at the end: A $(rss "$A"), B (restarted) $(rss "$B")" | tee -a "$OUT/memory.txt"
stop "$A"; stop "$B"
else
  : >"$OUT/goose.txt"; : >"$OUT/memory.txt"; : >"$OUT/faults.txt"
fi

# The read-only disk, on SQLite: the file system under the database turns
# read-only while it takes writes, as ext4 does on a disk error with
# errors=remount-ro; clear errors and a live process meanwhile, and after a
# restart on a writable disk, every acknowledged write is there.
IMG="$OUT/sqlite-disk.img"
MNT=$(mktemp -d)
: >"$OUT/sqlite.log"
truncate -s 256M "$IMG" && mkfs.ext4 -q -F "$IMG"
LOOP=$(losetup -f --show "$IMG")
# The read-only flag stays on a loop device from one use to the next.
blockdev --setrw "$LOOP"
mount -o errors=remount-ro "$LOOP" "$MNT"
unset ANON_RATE_LIMIT_PER_MINUTE
sqlite() { DATABASE_URL="sqlite://$MNT/trustfeed.db?mode=rwc" LISTEN_ADDR=127.0.0.1:8083 "$API" serve >>"$OUT/sqlite.log" 2>&1 & echo $!; }
S=$(sqlite); ready 8083
python3 loadtest/read_only_disk.py write http://127.0.0.1:8083 "echo loadtest >/sys/fs/ext4/$(basename "$LOOP")/trigger_fs_error" "$OUT/acknowledged.json" | tee "$OUT/read_only.txt"
kill -0 "$S" && echo "the server is still running on the read-only disk" | tee -a "$OUT/read_only.txt"
# The machine goes down with the disk: whatever was acknowledged must be on it.
stop "$S" KILL
# Nothing of this mount may survive in memory: a plain unmount, and the caches dropped.
umount "$MNT" && echo "unmounted; the disk's page cache is dropped" | tee -a "$OUT/read_only.txt"
sync; echo 3 >/proc/sys/vm/drop_caches
e2fsck -fy "$LOOP" >/dev/null 2>&1 || true
mount -o errors=remount-ro "$LOOP" "$MNT"
S=$(sqlite); ready 8083
python3 loadtest/read_only_disk.py verify http://127.0.0.1:8083 "$OUT/acknowledged.json" | tee -a "$OUT/read_only.txt" || true
stop "$S"
umount "$MNT"; losetup -d "$LOOP"; rmdir "$MNT"; rm -f "$IMG"
MNT="" LOOP=""

echo
cat "$OUT/goose.txt"
echo
cat "$OUT/memory.txt" "$OUT/faults.txt" "$OUT/read_only.txt"
