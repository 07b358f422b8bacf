# Shared helpers of the scripts that run real programs on a pfs FUSE mount.
# Callers set: PFS (the pfs command; default: the repo's ./pfs) and VOLUME (a formatted volume).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PFS=${PFS:-$ROOT/pfs}
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}

say() { printf '%s: %s\n' "$(basename "$0")" "$*"; }
die() { say "FAILED: $*" >&2; exit 1; }

# A work directory others (postgres, mysql) can traverse; removed at exit unless KEEP_WORK=1.
make_work() {
  WORK=$(mktemp -d /tmp/pfs-fuse-XXXXXX)
  chmod 755 "$WORK"
  MNT=$WORK/mnt
  mkdir -p "$MNT"
}

pfs_mount() { # [extra mount args...]
  # shellcheck disable=SC2086
  $PFS mount "$VOLUME" "$MNT" --allow-other --daemon --log "$WORK/mount.log" "$@"
  MOUNT_PID=$(cat "${PFS_RUN_DIR:-/tmp/pfs-run-$(id -un)}/mount$(echo "$MNT" | tr / _).pid")
}

pfs_umount() {
  $PFS umount "$MNT"
}

# Cleans a dead mount (after kill -9 of its process): the kernel keeps the mount point until unmounted.
pfs_cleanup_dead_mount() {
  if is_mounted; then
    fusermount3 -u -z "$MNT" || true
  fi
}

is_mounted() { grep -q " $MNT fuse.pfs " /proc/mounts; }

# The common end of every script's exit trap: unmount (lazily if pfs umount cannot) and remove
# the work directory unless KEEP_WORK=1.
unmount_and_remove_work() {
  is_mounted && { pfs_umount || fusermount3 -u -z "$MNT"; } 2>/dev/null
  [ "${KEEP_WORK:-}" = 1 ] || rm -rf "$WORK"
}

free_port() { # a TCP port nobody listens on
  local p
  for _ in $(seq 50); do
    p=$(( 20000 + RANDOM % 20000 ))
    if ! (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null; then echo $p; return; fi
  done
  die "no free port"
}

# PostgreSQL as user postgres, data directory on the mount.
pg() { runuser -u postgres -- "$@"; }
# PG_SOCKET_IN_DATA=1 puts the unix socket (and the server log) in the data directory, on the
# mount, as CI setups often do with -k "$PGDATA".
pg_setup_dirs() {
  PGDATA=$MNT/pg/data
  PGSOCK=$WORK/pgsock
  [ "${PG_SOCKET_IN_DATA:-}" = 1 ] && PGSOCK=$PGDATA
  PGPORT=$(free_port)
  mkdir -p "$MNT/pg" "$PGSOCK"
  chown postgres:postgres "$MNT/pg" "$PGSOCK"
  export PGDATA PGSOCK PGPORT
}
pg_start() {
  pg "$PG_BIN/pg_ctl" -D "$PGDATA" -w -t 300 -l "$PGSOCK/pg.log" \
    -o "-k $PGSOCK -p $PGPORT -c listen_addresses=''" start >/dev/null \
    || { tail -20 "$PGSOCK/pg.log" >&2; die "PostgreSQL did not start"; }
}
pg_stop() { pg "$PG_BIN/pg_ctl" -D "$PGDATA" -w -t 300 -m fast stop >/dev/null; }
psql_q() { pg "$PG_BIN/psql" -h "$PGSOCK" -p "$PGPORT" -X -A -t -q -v ON_ERROR_STOP=1 -d "${PGDB:-postgres}" -c "$1"; }
pg_amcheck_all() {
  pg "$PG_BIN/pg_amcheck" -h "$PGSOCK" -p "$PGPORT" --all --install-missing --heapallindexed 2>&1
}
