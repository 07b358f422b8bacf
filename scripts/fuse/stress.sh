#!/usr/bin/env bash
# Must-show 4: stress-ng file-system stressors with verification and a fio job with
# verify=crc32c on the mount, then a read-only mount of the same volume (another host id)
# sees files the RW mount created, and refuses writes.  Usage: VOLUME=<formatted volume> stress.sh
. "$(dirname "$0")/lib.sh"
: "${VOLUME:?set VOLUME to a formatted pfs volume}"
STRESS_SECONDS=${STRESS_SECONDS:-15}
make_work
RO=$WORK/ro
mkdir -p "$RO"
cleanup() {
  grep -q " $RO fuse.pfs " /proc/mounts && { $PFS umount "$RO" || fusermount3 -u -z "$RO"; } 2>/dev/null
  unmount_and_remove_work
}
trap cleanup EXIT

pfs_mount
mkdir -p "$MNT/stress" "$MNT/fio"
STRESSORS="hdd dir rename link lockf fallocate seek sync-file flock symlink"
args=()
for s in $STRESSORS; do args+=("--$s" 1); done
stress-ng --temp-path "$MNT/stress" --verify --timeout "${STRESS_SECONDS}s" --metrics-brief \
  --hdd-bytes 64M --seek-size 64M --sync-file-bytes 32M --fallocate-bytes 64M \
  "${args[@]}" >"$WORK/stress-ng.log" 2>&1 || { tail -30 "$WORK/stress-ng.log"; die "stress-ng"; }
grep -qiE "fail|error" "$WORK/stress-ng.log" && grep -iE "fail|error" "$WORK/stress-ng.log" | grep -vq " 0 fail" \
  && { grep -iE "fail|error" "$WORK/stress-ng.log"; die "stress-ng reported failures"; }
say "stress-ng ($STRESSORS, --verify, ${STRESS_SECONDS}s): $(grep -E 'successful run completed|passed' "$WORK/stress-ng.log" | tail -1 | sed 's/^.*\] //')"

fio --name=randwrite-verify --directory="$MNT/fio" --rw=randwrite --bs=4k --size=64M --ioengine=psync \
    --fsync=64 --verify=crc32c --do_verify=1 --verify_fatal=1 --verify_state_save=0 --numjobs=2 --group_reporting \
    --output="$WORK/fio-rand.log" || { cat "$WORK/fio-rand.log"; die "fio randwrite verify"; }
fio --name=seqwrite-verify --directory="$MNT/fio" --rw=write --bs=1M --size=256M --ioengine=psync \
    --end_fsync=1 --verify=crc32c --do_verify=1 --verify_fatal=1 --verify_state_save=0 \
    --output="$WORK/fio-seq.log" || { cat "$WORK/fio-seq.log"; die "fio seqwrite verify"; }
grep -q "verify: bad\|crc32c: verify failed" "$WORK"/fio-*.log && die "fio verify errors"
say "fio verify=crc32c: randwrite 4k ($(grep -m1 -o 'IOPS=[^,]*' "$WORK/fio-rand.log")), seqwrite 1M ($(grep -m1 -o 'BW=[^ ]*' "$WORK/fio-seq.log")): no verify errors"

# RO mount of the same volume from another host slot, while the RW mount is live.
$PFS mount "$VOLUME" "$RO" --ro --host-id 1 --daemon --log "$WORK/mount-ro.log" >/dev/null \
  || { cat "$WORK/mount-ro.log"; die "RO mount"; }
mkdir -p "$MNT/shared"
for i in $(seq 1 20); do echo "file $i" >"$MNT/shared/f$i"; done
mv "$MNT/shared/f20" "$MNT/shared/renamed"
sync -f "$MNT/shared/renamed"
seen=0
for _ in $(seq 300); do
  if [ -f "$RO/shared/renamed" ] && [ "$(ls "$RO/shared" | wc -l)" = 20 ] && [ "$(cat "$RO/shared/f7" 2>/dev/null)" = "file 7" ]; then
    seen=1; break
  fi
  sleep 0.1
done
[ $seen = 1 ] || { ls -la "$RO" "$RO/shared" 2>&1 | head; die "the RO mount does not see the RW mount's files"; }
if touch "$RO/shared/x" 2>"$WORK/ro-touch.err"; then die "the RO mount accepted a write"; fi
say "RO mount sees the 20 files the RW mount created (incl. a rename); writes there fail: $(tr -d '\n' <"$WORK/ro-touch.err" | sed 's/.*: //')"
$PFS umount "$RO" >/dev/null
pfs_umount >/dev/null
say "OK: stress-ng and fio verification passed; RO mount follows the RW mount"
