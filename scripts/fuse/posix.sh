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
      # set-ID files of root and one of the caller's in root's group, for the chown and write cases
      echo s > "$dir/ksuidroot" && chmod 6755 "$dir/ksuidroot"
      echo s > "$dir/ksgidroot" && chmod 2767 "$dir/ksgidroot"
      for f in ksuidroot2 ksuidroot3; do echo s > "$dir/$f" && chmod 6777 "$dir/$f"; done
      for f in kngrp kngrp2; do echo g > "$dir/$f" && chown "$user:root" "$dir/$f" && chmod 2745 "$dir/$f"; done
    fi
  done
  # the unprivileged caller has a supplementary group (users, 100) besides its primary one
  as=(runuser -u "$user" --); [ "$user" = root ] || as=(runuser -u "$user" -g nogroup -G users --)
  "${as[@]}" python3 "$SUITE" "$MNT/run-$user" "$other" 100 > "$WORK/mount-$user.txt" 2>&1
  "${as[@]}" python3 "$SUITE" "$LOCAL/run-$user" "$other" 100 > "$WORK/local-$user.txt" 2>&1
  # ACL lines are held to posix-acl.expected (pfs has no ACLs; ext4 on Linux 6 always has them)
  for fs in mount local; do
    grep '^acl-' "$WORK/$fs-$user.txt" > "$WORK/$fs-$user-acl.txt" || true
    sed -i '/^acl-/d' "$WORK/$fs-$user.txt"
  done
  if diff -u <(grep -v "^#" "$ROOT/scripts/fuse/posix-acl.expected") "$WORK/mount-$user-acl.txt" > "$WORK/diff-$user-acl.txt"; then
    say "as $user: $(wc -l < "$WORK/mount-$user-acl.txt") ACL checks: the mount refuses ACLs as posix-acl.expected says" \
      "(ext4, whose ACLs cannot be turned off, differs in $(diff "$WORK/mount-$user-acl.txt" "$WORK/local-$user-acl.txt" | grep -c '^>'))"
  else
    say "as $user: the mount's ACL results differ from posix-acl.expected (- expected, + pfs):"
    grep '^[-+][^-+]' "$WORK/diff-$user-acl.txt" >&2
    fail=1
  fi
  checks=$(wc -l < "$WORK/local-$user.txt")
  if diff -u "$WORK/local-$user.txt" "$WORK/mount-$user.txt" > "$WORK/diff-$user.txt"; then
    say "as $user: $checks checks, the mount and ext4 agree on every one"
  else
    say "as $user: the mount differs from ext4 (- ext4, + pfs):"
    grep '^[-+][^-+]' "$WORK/diff-$user.txt" >&2
    fail=1
  fi
  if grep -q ": ERROR " "$WORK/local-$user.txt" "$WORK/local-$user-acl.txt" "$WORK/mount-$user-acl.txt"; then
    say "as $user: the suite itself failed:"; grep -h ": ERROR " "$WORK/local-$user.txt" "$WORK/local-$user-acl.txt" "$WORK/mount-$user-acl.txt" >&2; fail=1
  fi
done
[ $fail = 0 ] || die "POSIX behaviour differs between the pfs mount and ext4"
pfs_umount >/dev/null
say "OK: POSIX suite: same results on the pfs mount and on ext4, as root and as nobody"
