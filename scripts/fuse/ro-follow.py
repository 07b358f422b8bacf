#!/usr/bin/env python3
"""Watches a file on a RO mount: ro-follow.py FILE EXPECT DEADLINE_S [FD_FILE]

Opens FILE once, then polls until reading it through that open descriptor, and through a new
open, both return bytes starting with EXPECT; prints how long each took. Exits 1 at the
deadline. With "nlink" as EXPECT it waits for FILE's link count to become DEADLINE's
companion value instead: ro-follow.py FILE nlink=N DEADLINE_S.
"""
import os
import sys
import time

path, expect, deadline = sys.argv[1], sys.argv[2], float(sys.argv[3])
start = time.monotonic()
if expect.startswith("nlink="):
    want = int(expect[6:])
    while True:
        try:
            if os.stat(path).st_nlink == want:
                print(f"nlink={want} after {time.monotonic() - start:.2f}s")
                sys.exit(0)
        except FileNotFoundError:
            pass
        if time.monotonic() - start > deadline:
            sys.exit(f"nlink still {os.stat(path).st_nlink} after {deadline}s")
        time.sleep(0.05)
want = expect.encode()
# The RO mount sees a file the RW mount just made only after its next journal poll.
while True:
    try:
        fd = os.open(path, os.O_RDONLY)
        break
    except FileNotFoundError:
        if time.monotonic() - start > deadline:
            sys.exit(f"{path} still missing after {deadline}s")
        time.sleep(0.05)
seen_open = seen_new = None
while seen_open is None or seen_new is None:
    now = time.monotonic() - start
    if seen_open is None and os.pread(fd, len(want), 0) == want:
        seen_open = now
    if seen_new is None:
        with open(path, "rb") as f:
            if f.read(len(want)) == want:
                seen_new = now
    if now > deadline:
        sys.exit(f"not seen within {deadline}s: open fd {seen_open}, new open {seen_new}")
    time.sleep(0.05)
print(f"already-open fd after {seen_open:.2f}s, new open after {seen_new:.2f}s")
