#!/usr/bin/env bash
# The POSIX behaviour suite (posix-suite.py) on the pfs mount and on a local ext4 directory,
# as root and as an unprivileged user (nobody, through allow_other): for each user the two
# file systems must print the same lines.
source "$(dirname "$0")/lib.sh"
make_work
trap unmount_and_remove_work EXIT
pfs_mount
SUITE=$ROOT/scripts/fuse/posix-suite.py
LOCAL=$WORK/local
mkdir -p "$LOCAL"
say "mount: $(df --output=fstype "$MNT" | tail -1) at $MNT; local: $(df --output=fstype "$LOCAL" | tail -1) at $LOCAL"

fail=0
for user in root nobody; do
  other=65534; [ "$user" = root ] || other=0
  for fs in "$MNT" "$LOCAL"; do
    dir=$fs/run-$user
    mkdir -p "$dir"
    if [ "$user" != root ]; then
      chown "$user" "$dir"
      mkdir -p "$dir/sticky" && chmod 1777 "$dir/sticky"
      echo r > "$dir/sticky/roots" && chmod 666 "$dir/sticky/roots"
      mkdir -p "$dir/sticky/rootsdir" && chmod 777 "$dir/sticky/rootsdir"
      # a sticky directory of the caller holding root's file and directory: its owner may remove them
      mkdir -p "$dir/mysticky" && chmod 1777 "$dir/mysticky" && chown "$user" "$dir/mysticky"
      echo r > "$dir/mysticky/roots" && mkdir -p "$dir/mysticky/rootsdir"
      # the caller's file in root's group; root's set-user-ID file the caller may write
      echo g > "$dir/ngrp" && chown "$user:root" "$dir/ngrp"
      echo s > "$dir/suidother" && chmod 6777 "$dir/suidother"
    fi
  done
  runuser -u "$user" -- python3 "$SUITE" "$MNT/run-$user" "$other" > "$WORK/mount-$user.txt" 2>&1
  runuser -u "$user" -- python3 "$SUITE" "$LOCAL/run-$user" "$other" > "$WORK/local-$user.txt" 2>&1
  checks=$(wc -l < "$WORK/local-$user.txt")
  if diff -u "$WORK/local-$user.txt" "$WORK/mount-$user.txt" > "$WORK/diff-$user.txt"; then
    say "as $user: $checks checks, the mount and ext4 agree on every one"
  else
    say "as $user: the mount differs from ext4 (- ext4, + pfs):"
    grep '^[-+][^-+]' "$WORK/diff-$user.txt" >&2
    fail=1
  fi
  if grep -q ': ERROR ' "$WORK/local-$user.txt"; then
    say "as $user: the suite itself failed:"; grep ': ERROR ' "$WORK/local-$user.txt" >&2; fail=1
  fi
done
[ $fail = 0 ] || die "POSIX behaviour differs between the pfs mount and ext4"
pfs_umount >/dev/null
say "OK: POSIX suite: same results on the pfs mount and on ext4, as root and as nobody"
