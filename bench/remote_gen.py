#!/usr/bin/env python3
"""Deterministic data for bench/remote-bench.sh.

Writes into OUTDIR:
  big.bin          SIZE_MB MiB of pseudo-random (incompressible) bytes
  big-contig.bin   big.bin with one contiguous region of 1 % of the file (size // 100 bytes)
                   in the middle overwritten with new random bytes
  big-scatter.bin  big.bin with 1 % of the bytes overwritten as 100 edits of size // 10000
                   bytes, one at a random offset inside each hundredth of the file
  small/           SMALL_FILES files of SMALL_MIN..SMALL_MAX bytes (uniform) of random bytes,
                   in 100 subdirectories (d00..d99)
  manifest.json    parameters, the sha256 of the three big files, the edit offsets

Same size and length as the original: edits overwrite, nothing is inserted or removed.
Data is written in 16 MiB blocks; no file is held whole in memory. When manifest.json
already matches the parameters (and the files are there with the right sizes), nothing is
regenerated.

usage: remote_gen.py OUTDIR SIZE_MB SMALL_FILES SMALL_MIN SMALL_MAX
"""
import hashlib
import json
import os
import shutil
import sys
import time

import numpy as np

FORMAT_VERSION = 1
SEED = 20261123
BLOCK = 16 * 1024 * 1024
N_SCATTER = 100
SMALL_DIRS = 100


def log(msg):
    print(f"[remote_gen] {msg}", file=sys.stderr, flush=True)


def edit_plans(size):
    """{variant: [(offset, bytes)]} in file offsets; each variant changes size // 100 bytes."""
    total = size // 100
    rng = np.random.default_rng(SEED + 1)
    contig = [(size // 2 - total // 2, rng.bytes(total))]
    each = total // N_SCATTER
    span = size // N_SCATTER
    scatter = []
    for i in range(N_SCATTER):
        lo = i * span
        hi = max(lo + 1, lo + span - each)
        scatter.append((int(rng.integers(lo, hi)), rng.bytes(each)))
    return {"contig": contig, "scatter": scatter}


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


def gen_edited(src, dst, size, edits):
    h = hashlib.sha256()
    tmp = dst + ".tmp"
    with open(src, "rb") as fi, open(tmp, "wb") as fo:
        pos = 0
        while pos < size:
            end = min(pos + BLOCK, size)
            buf = bytearray(fi.read(end - pos))
            for off, data in edits:
                a, b = max(off, pos), min(off + len(data), end)
                if a < b:
                    buf[a - pos:b - pos] = data[a - off:b - off]
            h.update(buf)
            fo.write(buf)
            pos = end
    os.replace(tmp, dst)
    return h.hexdigest()


def gen_small(root, n, lo, hi):
    rng = np.random.default_rng(SEED + 2)
    sizes = rng.integers(lo, hi + 1, size=n)
    tmp = root + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    for d in range(min(SMALL_DIRS, n)):
        os.makedirs(os.path.join(tmp, f"d{d:02d}"), exist_ok=True)
    pool, pool_pos, total = b"", 0, 0
    for i in range(n):
        sz = int(sizes[i])
        if pool_pos + sz > len(pool):
            pool, pool_pos = rng.bytes(BLOCK), 0
        with open(os.path.join(tmp, f"d{i % SMALL_DIRS:02d}", f"f{i:06d}.bin"), "wb") as f:
            f.write(pool[pool_pos:pool_pos + sz])
        pool_pos += sz
        total += sz
    shutil.rmtree(root, ignore_errors=True)
    os.replace(tmp, root)
    return total


def main():
    if len(sys.argv) != 6:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    out = sys.argv[1]
    size_mb, small_n, small_min, small_max = (int(x) for x in sys.argv[2:6])
    if small_min < 1 or small_max < small_min:
        sys.exit("remote_gen.py: need 1 <= SMALL_MIN <= SMALL_MAX")
    os.makedirs(out, exist_ok=True)
    size = size_mb * 1024 * 1024
    paths = {k: os.path.join(out, f) for k, f in
             (("big", "big.bin"), ("contig", "big-contig.bin"), ("scatter", "big-scatter.bin"))}
    small = os.path.join(out, "small")
    mpath = os.path.join(out, "manifest.json")

    old = {}
    try:
        with open(mpath) as f:
            old = json.load(f)
    except (OSError, ValueError):
        pass
    if old.get("format") != FORMAT_VERSION or old.get("seed") != SEED:
        old = {}
    m = {"format": FORMAT_VERSION, "seed": SEED}

    big_ok = old.get("size_mb") == size_mb and all(
        os.path.isfile(p) and os.path.getsize(p) == size for p in paths.values())
    if big_ok:
        log(f"reusing big.bin, big-contig.bin, big-scatter.bin ({size_mb} MiB)")
        for k in ("size_mb", "size", "sha256", "edits"):
            m[k] = old[k]
    else:
        t = time.time()
        for p in paths.values():
            if os.path.exists(p):
                os.remove(p)
        log(f"generating big.bin ({size_mb} MiB)")
        sha = {"big": gen_big(paths["big"], size)}
        plans = edit_plans(size)
        for k in ("contig", "scatter"):
            log(f"generating big-{k}.bin")
            sha[k] = gen_edited(paths["big"], paths[k], size, plans[k])
        m.update(size_mb=size_mb, size=size, sha256=sha,
                 edits={k: {"count": len(v), "bytes_each": len(v[0][1]),
                            "bytes_total": sum(len(d) for _, d in v),
                            "offsets": [o for o, _ in v]} for k, v in plans.items()})
        log(f"big files done in {time.time() - t:.1f}s")

    small_key = [small_n, small_min, small_max]
    small_ok = (old.get("small_key") == small_key and os.path.isdir(small)
                and sum(len(fs) for _, _, fs in os.walk(small)) == small_n)
    if small_ok:
        log(f"reusing small/ ({small_n} files)")
        m["small_key"], m["small_n"], m["small_bytes"] = small_key, small_n, old["small_bytes"]
    else:
        t = time.time()
        log(f"generating small/ ({small_n} files of {small_min}-{small_max} bytes)")
        m["small_key"], m["small_n"] = small_key, small_n
        m["small_bytes"] = gen_small(small, small_n, small_min, small_max)
        log(f"small files done in {time.time() - t:.1f}s")

    with open(mpath + ".tmp", "w") as f:
        json.dump(m, f, indent=1)
    os.replace(mpath + ".tmp", mpath)


if __name__ == "__main__":
    main()
