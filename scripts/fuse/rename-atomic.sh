#!/usr/bin/env bash
# Atomic rename over an open file: a reader that keeps opening the target never sees ENOENT
# (nor a torn version) while a writer renames 10,000 new versions over it; a kill -9 of the
# mount process in the middle of renames leaves one complete version after remount.
source "$(dirname "$0")/lib.sh"
make_work
trap unmount_and_remove_work EXIT
VERSIONS=${VERSIONS:-10000}
TOOL=$ROOT/scripts/fuse/rename-versions.py
pfs_mount
D=$MNT/r
mkdir -p "$D"
python3 "$TOOL" write "$D" 1 0 >/dev/null
python3 "$TOOL" read "$D" "$WORK/stop" > "$WORK/reader.out" &
reader=$!
start=$(date +%s%N)
python3 "$TOOL" write "$D" "$VERSIONS" 1 > "$WORK/writer.out"
touch "$WORK/stop"
wait $reader
ms=$(( ($(date +%s%N) - start) / 1000000 ))
last=$(tail -1 "$WORK/writer.out")
say "writer: $VERSIONS renames in ${ms} ms (last version $last); reader: $(cat "$WORK/reader.out")"
grep -q " enoent=0 torn=0" "$WORK/reader.out" || die "the reader saw the target missing or torn"
[ "$(python3 "$TOOL" check "$D")" = "$last" ] || die "the target is not the last version"

# kill -9 of the mount process while renames run
python3 "$TOOL" write "$D" 1000000 100000 > "$WORK/writer2.out" 2>/dev/null &
writer=$!
for _ in $(seq 200); do [ "$(wc -l < "$WORK/writer2.out")" -ge 500 ] && break; sleep 0.05; done
kill -9 "$MOUNT_PID"
wait $writer 2>/dev/null || true
acked=$(tail -1 "$WORK/writer2.out")
pfs_cleanup_dead_mount
say "killed the mount (kill -9) after rename of version $acked returned"
pfs_mount
got=$(python3 "$TOOL" check "$D") || die "after remount the target holds no complete version"
say "after remount: target holds complete version $got (last acknowledged rename: $acked)"
[ "$got" -ge "$acked" ] || die "an acknowledged rename was lost: $got < $acked"
pfs_umount >/dev/null
say "OK: $VERSIONS renames over an open target with no ENOENT; kill -9 left one complete version"
