#!/usr/bin/env bash
# A RO mount follows the RW mount through the kernel's caches: a file the RW rewrites in place
# shows the new bytes through a descriptor the RO side already has open and through a new open
# within the RO poll interval (0.5 s) plus 1 s; a hard link made on the RW shows its link count.
source "$(dirname "$0")/lib.sh"
make_work
RO=$WORK/ro
mkdir -p "$RO"
trap '{ grep -q " $RO fuse.pfs " /proc/mounts && $PFS umount "$RO"; } >/dev/null 2>&1; unmount_and_remove_work' EXIT
TOOL=$ROOT/scripts/fuse/ro-follow.py
DEADLINE=1.5
pfs_mount
$PFS mount "$VOLUME" "$RO" --ro --host-id 1 --daemon --log "$WORK/mount-ro.log" >/dev/null \
  || { cat "$WORK/mount-ro.log"; die "RO mount"; }
python3 -c "import os; fd = os.open('$MNT/f', os.O_CREAT | os.O_WRONLY, 0o644); os.write(fd, b'A' * 65536); os.fsync(fd)"
python3 "$TOOL" "$RO/f" AAAA 30 >/dev/null || die "the RO mount never saw the file"
# The RO side opens f and waits; the RW side rewrites it in place (same size) and fsyncs.
python3 "$TOOL" "$RO/f" BBBB "$DEADLINE" > "$WORK/follow.out" &
watcher=$!
sleep 0.3
python3 -c "import os; fd = os.open('$MNT/f', os.O_WRONLY); os.pwrite(fd, b'B' * 65536, 0); os.fsync(fd)"
wait $watcher || { cat "$WORK/follow.out"; die "the RO mount did not show the rewrite within ${DEADLINE}s"; }
say "rewrite in place on the RW mount, seen on the RO mount: $(cat "$WORK/follow.out")"
stat "$RO/f" >/dev/null
ln "$MNT/f" "$MNT/g"
sync -f "$MNT/g"
python3 "$TOOL" "$RO/f" nlink=2 "$DEADLINE" > "$WORK/nlink.out" || die "link count on the RO mount: $(cat "$WORK/nlink.out")"
python3 "$TOOL" "$RO/g" nlink=2 "$DEADLINE" >/dev/null || die "the new name on the RO mount"
say "hard link made on the RW mount: the RO mount shows $(cat "$WORK/nlink.out") through both names"
$PFS umount "$RO" >/dev/null
pfs_umount >/dev/null
say "OK: the RO mount shows rewrites (open and new descriptors) and link counts within the poll interval + 1 s"
