#!/usr/bin/env bash
# An end-to-end demo of mlv's main job in a temporary directory: track a dataset beside Git,
# edit it, commit both versions, get any version back at any commit, verify, collect garbage.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
swift build -c release >&2
MLV="$PWD/.build/release/mlv"
work="$(mktemp -d "${TMPDIR:-/tmp}/mlv-demo.XXXXXX")"
trap 'chmod -R u+w "$work"; rm -rf "$work"' EXIT
cd "$work"
step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; "$@"; }

git init -q -b main && git config user.name demo && git config user.email demo@example.com
step "$MLV" init
mkdir -p data
python3 - <<'PY'
import csv, os, random
random.seed(0)
with open("data/train.csv", "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["age", "income", "city", "label"])
    for _ in range(600_000):
        w.writerow([random.randint(18, 90), round(random.gauss(50_000, 15_000), 2),
                    random.choice(["paris", "lyon", "nice"]), random.randint(0, 1)])
os.makedirs("data/images", exist_ok=True)
for i in range(500):
    with open(f"data/images/{i:04d}.bin", "wb") as f:
        f.write(random.randbytes(random.randint(1_000, 20_000)))
PY
step "$MLV" add data/train.csv data/images
step cat data/train.csv.mlv
git add -A && git commit -qm "data v1" && echo "committed v1"
v1=$(sha256sum data/train.csv | cut -c1-64)
before=$(du -sb .mlv/objects | cut -f1)

echo "# edit: append rows and replace an image" >&2
python3 -c "
import random; random.seed(1)
with open('data/train.csv','a') as f:
    for _ in range(1000): f.write(f'{random.randint(18,90)},{random.random()*1e5:.2f},nice,1\n')
open('data/images/0007.bin','wb').write(random.randbytes(4242))"
step "$MLV" status
step "$MLV" add data/train.csv data/images
git add -A && git commit -qm "data v2" && echo "committed v2"
v2=$(sha256sum data/train.csv | cut -c1-64)
after=$(du -sb .mlv/objects | cut -f1)
echo "the store grew by $(( (after - before) / 1024 )) KiB for a $(( $(stat -c %s data/train.csv) / 1024 )) KiB file: only the changed chunks"
step "$MLV" ls
step "$MLV" log data/train.csv

step "$MLV" checkout --rev HEAD~1
[ "$(sha256sum data/train.csv | cut -c1-64)" = "$v1" ] && echo "data/train.csv is back at v1 (HEAD did not move: $(git rev-parse --short HEAD))"
step "$MLV" checkout
[ "$(sha256sum data/train.csv | cut -c1-64)" = "$v2" ] && echo "data/train.csv is back at v2"
step "$MLV" fsck
step "$MLV" gc --dry-run
echo
echo "demo finished: every version came back bit for bit"
