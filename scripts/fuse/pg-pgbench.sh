#!/usr/bin/env bash
# Must-show 1: PostgreSQL 15 with its data directory on a pfs mount and its unix socket in the
# data directory (unix_socket_directories on the mount): initdb, start, pgbench -i -s 10, pgbench -c 4 -T $PGBENCH_SECONDS, pg_amcheck --all clean, stop, unmount,
# remount, start again: the same row counts.  Usage: VOLUME=<formatted volume> pg-pgbench.sh
. "$(dirname "$0")/lib.sh"
: "${VOLUME:?set VOLUME to a formatted pfs volume}"
SECONDS_RUN=${PGBENCH_SECONDS:-60}
make_work
cleanup() {
  pg_stop 2>/dev/null || true
  unmount_and_remove_work
}
trap cleanup EXIT

pfs_mount
PG_SOCKET_IN_DATA=1
pg_setup_dirs
pg "$PG_BIN/initdb" -D "$PGDATA" -A trust -U postgres >"$WORK/initdb.log" 2>&1 \
  || { tail -20 "$WORK/initdb.log"; die "initdb"; }
say "initdb done on $MNT ($(df --output=fstype "$MNT" | tail -1))"
pg_start
[ -S "$PGDATA/.s.PGSQL.$PGPORT" ] || die "no unix socket in the data directory"
say "PostgreSQL listens on $PGDATA/.s.PGSQL.$PGPORT ($(stat -c %F "$PGDATA/.s.PGSQL.$PGPORT") on the mount)"
pg "$PG_BIN/pgbench" -h "$PGSOCK" -p "$PGPORT" -i -s 10 -q postgres >"$WORK/pgbench-init.log" 2>&1 \
  || { tail "$WORK/pgbench-init.log"; die "pgbench -i"; }
pg "$PG_BIN/pgbench" -h "$PGSOCK" -p "$PGPORT" -c 4 -j 2 -T "$SECONDS_RUN" postgres >"$WORK/pgbench.log" 2>&1 \
  || { tail "$WORK/pgbench.log"; die "pgbench run"; }
say "pgbench: $(grep -E '^tps' "$WORK/pgbench.log" | head -1)"
say "pgbench: $(grep -E 'number of transactions actually processed|number of failed' "$WORK/pgbench.log" | tr '\n' ' ')"
amcheck=$(pg_amcheck_all) || { echo "$amcheck"; die "pg_amcheck reported corruption"; }
[ -z "$amcheck" ] || { echo "$amcheck"; die "pg_amcheck printed findings"; }
say "pg_amcheck --all: clean"
COUNTS="select (select count(*) from pgbench_accounts)||' '||(select count(*) from pgbench_branches)||' '||(select count(*) from pgbench_tellers)||' '||(select count(*) from pgbench_history)||' '||(select sum(abalance) from pgbench_accounts)"
before=$(psql_q "$COUNTS")
say "rows (accounts branches tellers history sum(abalance)): $before"
pg_stop
pfs_umount
is_mounted && die "still mounted after pfs umount"
pfs_mount
pg_start
after=$(psql_q "$COUNTS")
say "after unmount + remount + restart: $after"
[ "$before" = "$after" ] || die "row counts differ: before '$before' after '$after'"
pg_stop
pfs_umount
say "OK: same row counts after remount"
