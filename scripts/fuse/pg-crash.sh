#!/usr/bin/env bash
# Must-show 2: kill -9 the mount process while PostgreSQL (data directory on the mount) takes
# inserts of sequence numbers from $CLIENTS psql sessions, each logging every number whose
# commit was acknowledged. Then: clean up the dead mount, remount (journal replay), start
# PostgreSQL (WAL recovery): every acknowledged number is present and pg_amcheck is clean.
# Usage: VOLUME=<formatted volume> pg-crash.sh
. "$(dirname "$0")/lib.sh"
: "${VOLUME:?set VOLUME to a formatted pfs volume}"
LOAD_SECONDS=${LOAD_SECONDS:-20}
CLIENTS=${CLIENTS:-4}
make_work
PM_PID=
cleanup() {
  [ -n "$PM_PID" ] && kill -9 "$PM_PID" 2>/dev/null || true
  for pid in "${CLIENT_PIDS[@]:-}"; do [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; done
  pg_stop 2>/dev/null || true
  unmount_and_remove_work
}
trap cleanup EXIT

pfs_mount
pg_setup_dirs
pg "$PG_BIN/initdb" -D "$PGDATA" -A trust -U postgres >"$WORK/initdb.log" 2>&1 || die "initdb"
pg_start
PM_PID=$(head -1 "$PGDATA/postmaster.pid")
psql_q "create table seqs (client int, n bigint, primary key (client, n))"

# Each client: one psql session in autocommit; psql prints a number only after the server
# acknowledged its INSERT's commit.
ACKDIR=$WORK/acked
mkdir -p "$ACKDIR"
CLIENT_PIDS=()
for c in $(seq 1 "$CLIENTS"); do
  ( seq 1 100000000 | sed "s/.*/insert into seqs values ($c, &) returning n;/" \
      | pg "$PG_BIN/psql" -h "$PGSOCK" -p "$PGPORT" -X -A -t -q -v ON_ERROR_STOP=1 -d postgres \
      >"$ACKDIR/client$c" 2>"$ACKDIR/client$c.err" ) &
  CLIENT_PIDS+=($!)
done
deadline=$(( $(date +%s) + LOAD_SECONDS ))
while [ "$(date +%s)" -lt "$deadline" ]; do sleep 1; done
before_kill=$(psql_q "select count(*) from seqs")
say "killing the mount process $MOUNT_PID (kill -9) under load; rows so far: $before_kill"
kill -9 "$MOUNT_PID"

# The clients see the server fail (PANIC on I/O errors) and exit; the postmaster is stopped
# hard, as after a power loss.
for _ in $(seq 600); do
  alive=0
  for pid in "${CLIENT_PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
  [ $alive = 0 ] && break
  sleep 0.1
done
for pid in "${CLIENT_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
wait "${CLIENT_PIDS[@]}" 2>/dev/null || true
CLIENT_PIDS=()
for pid in $PM_PID $(pgrep -P "$PM_PID" || true); do kill -9 "$pid" 2>/dev/null || true; done
for _ in $(seq 300); do kill -0 "$PM_PID" 2>/dev/null || break; sleep 0.1; done
PM_PID=
cat "$ACKDIR"/client*[0-9] | grep -c . >"$WORK/acked.count" || true
say "acknowledged commits logged by the clients: $(cat "$WORK/acked.count")"

pfs_cleanup_dead_mount
is_mounted && die "dead mount still present"
pfs_mount
say "remounted (journal replayed): $(grep -o 'journal records replayed\|([0-9]* journal records replayed)' "$WORK/mount.log" | tail -1)"
rm -f "$PGSOCK"/.s.PGSQL.*
pg_start
say "PostgreSQL recovered: $(grep -E 'redo done|database system is ready' "$PGSOCK/pg.log" | tail -2 | tr '\n' ' ')"
missing=0
for c in $(seq 1 "$CLIENTS"); do
  psql_q "select n from seqs where client = $c order by n" >"$WORK/present$c"
  m=$(sort -n "$ACKDIR/client$c" | comm -23 - <(sort -n "$WORK/present$c") | wc -l)
  missing=$(( missing + m ))
done
total=$(psql_q "select count(*) from seqs")
say "rows after recovery: $total; acknowledged but missing: $missing"
[ "$missing" = 0 ] || die "$missing acknowledged commits are missing"
[ "$(cat "$WORK/acked.count")" -gt 0 ] || die "no commit was acknowledged before the kill"
amcheck=$(pg_amcheck_all) || { echo "$amcheck"; die "pg_amcheck reported corruption"; }
[ -z "$amcheck" ] || { echo "$amcheck"; die "pg_amcheck printed findings"; }
say "pg_amcheck --all: clean"
pg_stop
pfs_umount
say "OK: every acknowledged commit survived kill -9 of the mount process"
