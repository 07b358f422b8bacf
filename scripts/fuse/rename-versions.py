#!/usr/bin/env python3
"""Atomic rename over an open file, from two sides.

  rename-versions.py write DIR N FIRST   writes versions FIRST..FIRST+N-1 of DIR/target, each as
                                          DIR/tmp.K then rename(tmp.K, target); prints the last
  rename-versions.py read DIR STOPFILE    opens and reads DIR/target in a loop until STOPFILE
                                          exists; prints opens, ENOENTs and torn versions
  rename-versions.py check DIR            prints the version under DIR/target, or fails

A version is 64 KiB: a header line "version K" and a body that depends on K, so a reader can
tell a complete version from a torn or mixed one.
"""
import errno
import os
import sys

SIZE = 64 * 1024


def content(k):
    head = f"version {k}\n".encode()
    body = bytes((k + i) % 251 for i in range(256)) * (SIZE // 256)
    return head + body[: SIZE - len(head)]


def version_of(data):
    if not data.startswith(b"version "):
        return None
    k = int(data[8:data.index(b"\n")])
    return k if data == content(k) else None


def write(d, n, first):
    target = os.path.join(d, "target")
    for k in range(first, first + n):
        tmp = os.path.join(d, f"tmp.{k}")
        fd = os.open(tmp, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o644)
        os.write(fd, content(k))
        os.close(fd)
        os.rename(tmp, target)
        print(k, flush=True)


def read(d, stopfile):
    target = os.path.join(d, "target")
    opens = enoent = torn = 0
    while not os.path.exists(stopfile):
        try:
            fd = os.open(target, os.O_RDONLY)
        except OSError as e:
            if e.errno == errno.ENOENT:
                enoent += 1
                continue
            raise
        opens += 1
        data = b""
        while len(data) < SIZE + 1:
            chunk = os.read(fd, SIZE + 1 - len(data))
            if not chunk:
                break
            data += chunk
        os.close(fd)
        if version_of(data) is None:
            torn += 1
    print(f"opens={opens} enoent={enoent} torn={torn}")


def check(d):
    with open(os.path.join(d, "target"), "rb") as f:
        k = version_of(f.read())
    if k is None:
        sys.exit("target holds no complete version")
    print(k)


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "write":
        write(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    elif cmd == "read":
        read(sys.argv[2], sys.argv[3])
    else:
        check(sys.argv[2])
