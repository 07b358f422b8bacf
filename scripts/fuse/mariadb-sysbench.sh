#!/usr/bin/env bash
# Must-show 3: MariaDB with its datadir on the mount: mariadb-install-db, start mariadbd,
# sysbench oltp_read_write for $SYSBENCH_SECONDS, CHECK TABLE clean on every table.
# Usage: VOLUME=<formatted volume> mariadb-sysbench.sh
. "$(dirname "$0")/lib.sh"
: "${VOLUME:?set VOLUME to a formatted pfs volume}"
SB_SECONDS=${SYSBENCH_SECONDS:-60}
TABLES=4
make_work
MYRUN=$WORK/my
SOCK=$MYRUN/mysqld.sock
DATADIR=$MNT/mysql/data
my() { mariadb --socket="$SOCK" -u root "$@"; }
stop_mariadb() {
  if [ -f "$MYRUN/mysqld.pid" ]; then
    mariadb-admin --socket="$SOCK" -u root shutdown 2>/dev/null || kill "$(cat "$MYRUN/mysqld.pid")" 2>/dev/null || true
    for _ in $(seq 600); do [ -f "$MYRUN/mysqld.pid" ] || break; sleep 0.1; done
  fi
}
cleanup() {
  stop_mariadb
  unmount_and_remove_work
}
trap cleanup EXIT

pfs_mount
mkdir -p "$MNT/mysql" "$MYRUN"
chown mysql:mysql "$MNT/mysql" "$MYRUN"
mariadb-install-db --user=mysql --datadir="$DATADIR" --auth-root-authentication-method=normal \
  --skip-test-db >"$WORK/install-db.log" 2>&1 || { tail -20 "$WORK/install-db.log"; die "mariadb-install-db"; }
say "mariadb-install-db done on $MNT ($(df --output=fstype "$MNT" | tail -1))"
PORT=$(free_port)
mariadbd --no-defaults --user=mysql --datadir="$DATADIR" --socket="$SOCK" --port="$PORT" \
  --bind-address=127.0.0.1 --pid-file="$MYRUN/mysqld.pid" --log-error="$MYRUN/error.log" \
  --innodb-buffer-pool-size=256M --innodb-log-file-size=128M &
for _ in $(seq 1200); do
  mariadb-admin --socket="$SOCK" -u root ping >/dev/null 2>&1 && break
  kill -0 $! 2>/dev/null || { tail -30 "$MYRUN/error.log"; die "mariadbd exited"; }
  sleep 0.1
done
mariadb-admin --socket="$SOCK" -u root ping >/dev/null 2>&1 || { tail -30 "$MYRUN/error.log"; die "mariadbd did not start"; }
say "mariadbd $(my -N -e 'select version()') up; innodb_flush_method=$(my -N -e 'select @@innodb_flush_method')"
my -e "create database sbtest"
SB=(sysbench oltp_read_write --db-driver=mysql --mysql-socket="$SOCK" --mysql-user=root
    --mysql-db=sbtest --tables=$TABLES --table-size=20000 --threads=4)
"${SB[@]}" prepare >"$WORK/sb-prepare.log" 2>&1 || { tail "$WORK/sb-prepare.log"; die "sysbench prepare"; }
"${SB[@]}" --time="$SB_SECONDS" --report-interval=0 run >"$WORK/sb-run.log" 2>&1 \
  || { tail -30 "$WORK/sb-run.log"; die "sysbench run"; }
say "sysbench oltp_read_write ${SB_SECONDS}s: $(grep -E 'transactions:' "$WORK/sb-run.log" | xargs) $(grep -E 'ignored errors:' "$WORK/sb-run.log" | xargs)"
tables=$(seq -s, -f "sbtest.sbtest%g" 1 $TABLES)
my -N -e "check table ${tables//,/, } extended" >"$WORK/check.log"
cat "$WORK/check.log" | sed 's/^/  /'
[ "$(grep -c 'status.OK' "$WORK/check.log")" = $TABLES ] || die "CHECK TABLE not clean"
grep -qiE "corrupt|error" "$MYRUN/error.log" && { grep -iE "corrupt|error" "$MYRUN/error.log" | head; die "errors in mariadbd log"; }
stop_mariadb
pfs_umount
say "OK: MariaDB ran sysbench on the mount and CHECK TABLE is clean"
