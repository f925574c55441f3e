#!/usr/bin/env bash
# TrustFeed's copy of ../shared/bench/throughput.sh, with a fourth TrustFeed
# row: tf_signed, the same page for a signed-in adult (Authorization: Bearer;
# the anonymous cache never answers it, and the caller is checked against the
# database on every request, as deployed). Everything else is as shared.
#
# Browse throughput, side by side in one run, on one PostgreSQL database:
#   TrustFeed   contents(first:20){ edges { node { id title author { handle } tags { slug } } } }  (anonymous),
#               three ways: tf (as configured: its anonymous cache on, nothing else happening),
#               tf_nocache (ANON_CACHE_SECONDS=0), and tf_live (cache on while signed-in viewers
#               record VIEW interactions at BENCH_WRITES_PER_S, default 50/s: a campaign is never read-only)
#   PostGraphile v4 over the same tables, the same page (no visibility rules: it serves raw rows; no cache)
#   the ceiling: TrustFeed's own visibility rules as one SQL statement through pgbench
# Prints req/s, p50 and p99 of each, and the ratios. Absolute figures drift between runs and
# machines; the ratios are what to compare. The headline is the worst of tf_nocache and tf_live
# against PostGraphile: what a real campaign sees.
#
# Usage (from the project root, after a release build and a filled database):
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/trustfeed_scale bench/throughput.sh [target/release/api]
# Fill the database first with the project's scale generator (api/examples/feed_scale.rs).
# Needs: wrk, pgbench (Debian: apt-get install wrk postgresql-client), node + npm (PostGraphile is
# installed on first use into ${BENCH_CACHE:-$HOME/.cache/trustfeed-bench}).
set -euo pipefail
url=${DATABASE_URL:?set DATABASE_URL to a filled PostgreSQL database}
bin=${1:-target/release/api}
conns=${BENCH_CONNECTIONS:-16}
secs=${BENCH_SECONDS:-5}
rounds=${BENCH_ROUNDS:-3}
cache=${BENCH_CACHE:-$HOME/.cache/trustfeed-bench}
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

writes=${BENCH_WRITES_PER_S:-50}
here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
for tool in wrk pgbench node npm; do command -v $tool >/dev/null || { echo "missing: $tool"; exit 1; }; done
[ -x "$bin" ] || { echo "no binary at $bin (cargo build --release -p api)"; exit 1; }
if [ ! -x "$cache/node_modules/.bin/postgraphile" ]; then
  mkdir -p "$cache" && (cd "$cache" && echo '{"name":"bench","private":true}' > package.json &&
    npm install -q --no-audit --no-fund postgraphile@4 >/dev/null 2>&1)
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
tf_port=$(free_port); pg_port=$(free_port); nc_port=$(free_port)
# One client address sends everything here: lift the anonymous per-address limit (still in the path) out of the way.
DATABASE_URL="$url" LISTEN_ADDR="127.0.0.1:$tf_port" APP_ENV=development SEED_DEMO=false RUST_LOG=warn \
  ANON_RATE_LIMIT_PER_MINUTE=100000000 \
  "$bin" >"$work/tf.log" 2>&1 & pids+=($!)
DATABASE_URL="$url" LISTEN_ADDR="127.0.0.1:$nc_port" APP_ENV=development SEED_DEMO=false RUST_LOG=warn \
  ANON_RATE_LIMIT_PER_MINUTE=100000000 ANON_CACHE_SECONDS=0 \
  "$bin" >"$work/nc.log" 2>&1 & pids+=($!)
"$cache/node_modules/.bin/postgraphile" -c "$url" --host 127.0.0.1 --port "$pg_port" --disable-default-mutations \
  --simple-collections both --dynamic-json --disable-query-log --disable-graphiql >"$work/pg.log" 2>&1 & pids+=($!)
for _ in $(seq 1 120); do
  curl -sf "http://127.0.0.1:$tf_port/healthz" >/dev/null 2>&1 && curl -sf "http://127.0.0.1:$nc_port/healthz" >/dev/null 2>&1 &&
    curl -s -o /dev/null "http://127.0.0.1:$pg_port/graphql" -H 'content-type: application/json' -d '{"query":"{__typename}"}' 2>/dev/null && break
  sleep 0.5
done

cat >"$work/tf.json" <<'EOF'
{"query":"{ contents(first:20){ edges{ node{ id title author{ handle } tags{ slug } } } } }"}
EOF
cat >"$work/pg.json" <<'EOF'
{"query":"{ allContentsList(first:20, orderBy: CREATED_AT_DESC, condition:{status: \"PUBLISHED\"}){ id title userByAuthorId{ handle } contentTagsByContentIdList{ tagSlug } } }"}
EOF
cat >"$work/ceiling.sql" <<'EOF'
SELECT json_agg(x) FROM (SELECT c.id, c.title, u.handle, (SELECT json_agg(ct.tag_slug) FROM content_tags ct WHERE ct.content_id = c.id) AS tags FROM contents c JOIN users u ON u.id = c.author_id WHERE c.deleted_at IS NULL AND c.status = 'PUBLISHED' AND u.banned_at IS NULL AND u.deleted_at IS NULL AND (u.suspended_until IS NULL OR u.suspended_until <= now()) AND c.audience = 'GENERAL' AND NOT EXISTS (SELECT 1 FROM user_settings s WHERE s.user_id = c.author_id AND s.private_account) ORDER BY c.created_at DESC, c.id DESC LIMIT 20) x;
EOF
cp "$work/tf.json" "$work/tf_nocache.json"; cp "$work/tf.json" "$work/tf_live.json"; cp "$work/tf.json" "$work/tf_signed.json"
# A signed-in adult (signed up from an address of its own, as a person would be).
signed_token=$(python3 "$here/sign_up.py" "http://127.0.0.1:$tf_port/graphql")
for side in tf tf_nocache tf_live tf_signed pg; do
  auth=
  [ $side = tf_signed ] && auth="wrk.headers[\"Authorization\"] = \"Bearer $signed_token\""
  cat >"$work/$side.lua" <<EOF
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
$auth
local f = io.open("$work/$side.json"); wrk.body = f:read("*a"); f:close()
response = function(status, headers, body)
  if status ~= 200 or string.find(body, '"errors"') then io.stderr:write("BAD RESPONSE " .. status .. " " .. string.sub(body, 1, 200) .. "\n") end
end
done = function(summary, latency, requests)
  io.write(string.format("%.1f %.1f %.1f %d\n", summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.errors.status))
end
EOF
done
# Each side's response must be a real page of 20 before anything is timed.
check() { curl -s "$1" -H 'content-type: application/json' -d @"$2" | python3 -c "import json,sys; d=json.load(sys.stdin); assert 'errors' not in d, d; print(len(json.dumps(d)))"; }
check "http://127.0.0.1:$tf_port/graphql" "$work/tf.json" >/dev/null
check "http://127.0.0.1:$pg_port/graphql" "$work/pg.json" >/dev/null
# The signed-in page must be a real page of 20 as well (an adult's page may hold MATURE items an anonymous one does not).
curl -s "http://127.0.0.1:$tf_port/graphql" -H 'content-type: application/json' -H "authorization: Bearer $signed_token" \
  -d @"$work/tf.json" | python3 -c "import json,sys; d=json.load(sys.stdin); assert 'errors' not in d, d; assert len(d['data']['contents']['edges']) == 20, d"

db=${url##*/}; db=${db%%\?*}
pghost=$(python3 -c "import sys,urllib.parse as u; p=u.urlparse(sys.argv[1]); print(p.hostname or '127.0.0.1', p.port or 5432, p.username or 'postgres')" "$url")
read -r host port user <<<"$pghost"
declare -A sum
for r in $(seq 1 "$rounds"); do
  for side in tf tf_nocache tf_live tf_signed pg; do
    case $side in tf|tf_live|tf_signed) p=$tf_port ;; tf_nocache) p=$nc_port ;; *) p=$pg_port ;; esac
    writer=
    if [ $side = tf_live ]; then
      python3 "$here/viewers_writing.py" "http://127.0.0.1:$tf_port/graphql" "$writes" "$((secs + 2))" >"$work/writes.log" 2>&1 & writer=$!
      sleep 1.5
    fi
    out=$(wrk -t2 -c"$conns" -d"${secs}s" -s "$work/$side.lua" "http://127.0.0.1:$p/graphql" 2>"$work/$side.err" | tail -n 1)
    read -r rps p50 p99 bad <<<"$out"
    if [ -n "$writer" ]; then
      wait "$writer" || { echo "tf_live: the viewers could not write"; cat "$work/writes.log"; exit 1; }
      wlog=" ($(tail -n 1 "$work/writes.log"))"
    else
      wlog=
    fi
    if grep -q "BAD RESPONSE" "$work/$side.err" || [ "$bad" != 0 ]; then echo "$side: bad responses"; head -n 3 "$work/$side.err"; exit 1; fi
    echo "round $r $side: $rps req/s, p50 $p50 ms, p99 $p99 ms$wlog"
    sum[$side]=$(python3 -c "print(${sum[$side]:-0} + $rps)")
  done
  tps=$(pgbench -h "$host" -p "$port" -U "$user" -n -c"$conns" -j2 -T"$secs" -f "$work/ceiling.sql" "$db" 2>/dev/null | awk '/^tps/ {print $3}')
  echo "round $r ceiling (same rules, one SQL statement, pgbench): $tps tps"
  sum[sql]=$(python3 -c "print(${sum[sql]:-0} + $tps)")
done
python3 - "${sum[tf]}" "${sum[tf_nocache]}" "${sum[tf_live]}" "${sum[tf_signed]}" "${sum[pg]}" "${sum[sql]}" "$rounds" <<'EOF'
import sys
tf, nc, live, signed, pg, sql, n = (float(x) for x in sys.argv[1:8])
tf, nc, live, signed, pg, sql = tf / n, nc / n, live / n, signed / n, pg / n, sql / n
print(f"mean: TrustFeed {tf:.0f} req/s (cache off {nc:.0f}, viewers writing {live:.0f}, signed in {signed:.0f}), PostGraphile {pg:.0f} req/s, ceiling {sql:.0f} tps")
print(f"read-only cached / PostGraphile = {tf / pg:.2f}; cache off / PostGraphile = {nc / pg:.2f}; viewers writing / PostGraphile = {live / pg:.2f}; signed in / PostGraphile = {signed / pg:.2f}")
print(f"cache off / ceiling = {nc / sql:.2f}; signed in / ceiling = {signed / sql:.2f}")
worst = min(nc, live)
print(f"TrustFeed / PostGraphile = {worst / pg:.2f} (worst of cache off and viewers writing); TrustFeed / ceiling = {worst / sql:.2f}; PostGraphile / ceiling = {pg / sql:.2f}")
EOF
