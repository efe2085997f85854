#!/usr/bin/env python3
"""Deterministic benchmark data for bench/store-bench.sh.

Writes into OUTDIR:
  big.bin         BIG_MB MiB of pseudo-random (incompressible) bytes
  big-edited.bin  big.bin with 10 scattered 4 KiB overwrites and a
                  1,000,000-byte random insertion at offset ~10 MiB
  small/          SMALL_N files of 1-20 KiB random bytes in 100 subdirectories
  manifest.json   parameters + sha256 of big.bin and big-edited.bin

Data is written in 16 MiB blocks; no file is ever held whole in memory.
If manifest.json already matches the requested parameters (and the files are
there with the right sizes) nothing is regenerated.

usage: gen_data.py OUTDIR BIG_MB SMALL_N
"""
import hashlib
import json
import os
import shutil
import sys
import time

import numpy as np

FORMAT_VERSION = 2
SEED = 20240601
BLOCK = 16 * 1024 * 1024
N_OVERWRITES = 10
OVERWRITE_LEN = 4096
INSERT_LEN = 1_000_000
INSERT_AT = 10 * 1024 * 1024  # ~10 MB into the file
SMALL_MIN = 1024
SMALL_MAX = 20 * 1024
SMALL_DIRS = 100


def log(msg):
    print(f"[gen_data] {msg}", file=sys.stderr, flush=True)


def edit_plan(size):
    """Return (insert_at, insert_bytes, overwrites) in ORIGINAL-file offsets."""
    rng = np.random.default_rng(SEED + 1)
    insert_at = min(INSERT_AT, size // 8)
    insert_bytes = rng.bytes(INSERT_LEN)
    overwrites = []
    # one 4 KiB overwrite somewhere inside each tenth of the file
    span = size // N_OVERWRITES
    for i in range(N_OVERWRITES):
        lo = i * span
        hi = max(lo + 1, lo + span - OVERWRITE_LEN)
        off = int(rng.integers(lo, hi))
        overwrites.append((off, rng.bytes(OVERWRITE_LEN)))
    return insert_at, insert_bytes, overwrites


def gen_big(path, size):
    rng = np.random.default_rng(SEED)
    h = hashlib.sha256()
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        left = size
        while left:
            n = min(BLOCK, left)
            b = rng.bytes(n)
            h.update(b)
            f.write(b)
            left -= n
    os.replace(tmp, path)
    return h.hexdigest()


def gen_edited(src, dst, size):
    insert_at, insert_bytes, overwrites = edit_plan(size)
    h = hashlib.sha256()
    tmp = dst + ".tmp"
    with open(src, "rb") as fi, open(tmp, "wb") as fo:
        pos = 0
        inserted = False
        while pos < size:
            end = min(pos + BLOCK, size)
            if not inserted and pos <= insert_at < end:
                end = insert_at  # stop the block exactly at the insertion point
            if end > pos:
                buf = bytearray(fi.read(end - pos))
                for off, data in overwrites:
                    a, b = max(off, pos), min(off + len(data), end)
                    if a < b:
                        buf[a - pos:b - pos] = data[a - off:b - off]
                h.update(buf)
                fo.write(buf)
                pos = end
            if not inserted and pos == insert_at:
                h.update(insert_bytes)
                fo.write(insert_bytes)
                inserted = True
    os.replace(tmp, dst)
    return h.hexdigest()


def gen_small(root, n):
    rng = np.random.default_rng(SEED + 2)
    sizes = rng.integers(SMALL_MIN, SMALL_MAX + 1, size=n)
    tmp = root + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    for d in range(min(SMALL_DIRS, max(n, 1))):
        os.makedirs(os.path.join(tmp, f"d{d:02d}"), exist_ok=True)
    # draw content in big chunks, slice per file (fast, bounded memory)
    pool = b""
    pool_pos = 0
    total = 0
    for i in range(n):
        sz = int(sizes[i])
        if pool_pos + sz > len(pool):
            pool = rng.bytes(BLOCK)
            pool_pos = 0
        data = pool[pool_pos:pool_pos + sz]
        pool_pos += sz
        with open(os.path.join(tmp, f"d{i % SMALL_DIRS:02d}", f"f{i:06d}.bin"), "wb") as f:
            f.write(data)
        total += sz
    shutil.rmtree(root, ignore_errors=True)
    os.replace(tmp, root)
    return total


def main():
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    out, big_mb, small_n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    os.makedirs(out, exist_ok=True)
    size = big_mb * 1024 * 1024
    big = os.path.join(out, "big.bin")
    edited = os.path.join(out, "big-edited.bin")
    small = os.path.join(out, "small")
    mpath = os.path.join(out, "manifest.json")

    old = {}
    if os.path.exists(mpath):
        try:
            with open(mpath) as f:
                old = json.load(f)
        except ValueError:
            old = {}
    if old.get("format") != FORMAT_VERSION or old.get("seed") != SEED:
        old = {}

    m = {"format": FORMAT_VERSION, "seed": SEED}
    # big + edited
    big_ok = (old.get("big_mb") == big_mb and os.path.isfile(big)
              and os.path.getsize(big) == size
              and os.path.isfile(edited)
              and os.path.getsize(edited) == size + INSERT_LEN)
    if big_ok:
        log(f"reusing big.bin / big-edited.bin ({big_mb} MiB)")
        for k in ("big_mb", "big_size", "big_sha256", "edited_size", "edited_sha256",
                  "insert_at", "insert_len", "overwrites"):
            m[k] = old[k]
    else:
        t = time.time()
        log(f"generating big.bin ({big_mb} MiB)")
        m["big_sha256"] = gen_big(big, size)
        log("generating big-edited.bin")
        m["edited_sha256"] = gen_edited(big, edited, size)
        insert_at, _, overwrites = edit_plan(size)
        m.update(big_mb=big_mb, big_size=size, edited_size=size + INSERT_LEN,
                 insert_at=insert_at, insert_len=INSERT_LEN,
                 overwrites=[o for o, _ in overwrites])
        log(f"big files done in {time.time() - t:.1f}s")

    small_ok = (old.get("small_n") == small_n and os.path.isdir(small)
                and sum(len(fs) for _, _, fs in os.walk(small)) == small_n)
    if small_ok:
        log(f"reusing small/ ({small_n} files)")
        m["small_n"], m["small_bytes"] = small_n, old["small_bytes"]
    else:
        t = time.time()
        log(f"generating small/ ({small_n} files)")
        m["small_n"] = small_n
        m["small_bytes"] = gen_small(small, small_n)
        log(f"small files done in {time.time() - t:.1f}s")

    with open(mpath + ".tmp", "w") as f:
        json.dump(m, f, indent=1)
    os.replace(mpath + ".tmp", mpath)


if __name__ == "__main__":
    main()
