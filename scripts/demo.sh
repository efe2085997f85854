#!/usr/bin/env bash
# An end-to-end demo of mlv in a temporary directory, in five parts.
#  1. Data: track a dataset beside Git, edit it, commit both versions, get any version back at
#     any commit, verify, collect garbage.
#  2. Reproducible runs: train examples/train.py (numpy, seeded by MLV_SEED) as a recorded
#     stage, change a param and rerun only what changed, compare params and metrics between
#     commits, try an experiment without moving HEAD, then rebuild an older commit's model in a
#     scratch workspace and check it is bit-for-bit what that commit recorded. A data contract
#     and the pre-commit hook refuse a bad row.
#  3. Drift: compare today's data with the table HEAD's recorded run trained on (read from the
#     store), first a sample like it (no drift), then a shifted one (drift, exit 10, HTML report).
#  4. Models and serving: store the trained model as a versioned artifact linked to its run,
#     alias it, serve it over HTTP (MLflow's protocol and the Open Inference Protocol), send it
#     requests with curl (one the contract refuses), then compare served traffic with the data
#     the model learned from.
#  5. Remotes: push everything to a shared directory (only what it lacks, small files in packs),
#     refuse a git push of data the remote lacks, clone the project elsewhere and pull: every
#     byte comes back verified.
#
# Usage: ./scripts/demo.sh                     # runs setup.sh, builds release, uses that binary
#        MLV=path/to/mlv ./scripts/demo.sh     # a prebuilt binary that runs here: no setup.sh, no build
# Needs python3 with numpy. Exits non-zero if any step fails or any check does not hold.
set -euo pipefail
if [ -n "${MLV:-}" ]; then
  case "$MLV" in
    */*) [ -x "$MLV" ] && [ -f "$MLV" ] && MLV="$(cd "$(dirname "$MLV")" && pwd)/$(basename "$MLV")" ;;
    *) MLV="$(command -v "$MLV" || echo "$MLV")" ;;
  esac
  [ -x "$MLV" ] && [ -f "$MLV" ] || { echo "error: MLV=$MLV is not an executable file" >&2; exit 1; }
  cd "$(dirname "$0")/.."
else
  cd "$(dirname "$0")/.."
  ./scripts/setup.sh
  swift build -c release >&2
  MLV="$PWD/.build/release/mlv"
fi
python3 -c 'import numpy' 2>/dev/null || {
  echo "error: the demo's training script needs numpy" >&2
  echo "hint: python3 -m pip install numpy" >&2
  exit 1
}
examples="$PWD/examples"
work="$(mktemp -d "${TMPDIR:-/tmp}/mlv-demo.XXXXXX")"
# Outside the work tree: the remote (a "shared mount"), the Git server and a second clone.
outside="$(mktemp -d "${TMPDIR:-/tmp}/mlv-demo-elsewhere.XXXXXX")"
trap 'chmod -R u+w "$work" "$outside"; rm -rf "$work" "$outside"' EXIT
cd "$work"
step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; "$@"; }
# A step with a pipe, given as one string: printed, then run by bash (without pipefail).
pipe() { printf '\n\033[1m$ %s\033[0m\n' "$1"; bash -c "$1"; }
mlvq=$(printf %q "$MLV")
section() { printf '\n\033[1;34m## %s\033[0m\n' "$*"; }

git init -q -b main && git config user.name demo && git config user.email demo@example.com
section "1. data: track, edit, get any version back"
step "$MLV" init
mkdir -p data
python3 - <<'PY'
import csv, os, random
random.seed(0)
with open("data/train.csv", "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["age", "income", "city", "label"])
    for _ in range(600_000):  # the label depends on age and income, so a model can learn it
        age, income = random.randint(18, 90), round(random.gauss(50_000, 15_000), 2)
        label = int((age - 54) / 21 + (income - 50_000) / 15_000 + random.gauss(0, 1) > 0)
        w.writerow([age, income, random.choice(["paris", "lyon", "nice"]), label])
os.makedirs("data/images", exist_ok=True)
for i in range(500):
    with open(f"data/images/{i:04d}.bin", "wb") as f:
        f.write(random.randbytes(random.randint(1_000, 20_000)))
PY
step "$MLV" add data/train.csv data/images
step cat data/train.csv.mlv
git add -A && git commit -qm "data v1" && echo "committed v1"
v1=$(sha256sum data/train.csv | cut -c1-64)
# A data contract, and the Git hooks that enforce it (the hooks call `mlv`: put it on PATH).
export PATH="$(dirname "$MLV"):$PATH"
step "$MLV" contract infer data/train.csv --out data/train.contract.yaml
step "$MLV" contract attach data/train.csv data/train.contract.yaml
step "$MLV" hooks install
git add -A && git commit -qm "contract for data/train.csv" && echo "committed the contract (the pre-commit hook checked the data)"
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
echo "every version came back bit for bit"

section "2. reproducible runs: train, change a param, compare, rebuild an old commit"
cp "$examples/train.py" train.py
printf '{\n  "lr": 0.1,\n  "epochs": 20,\n  "l2": 0.01\n}\n' > params.json
step cat params.json
# commit the code first: 'mlv repro --rev' rebuilds from what the commit holds
git add train.py params.json && git commit -qm "training script" && echo "committed train.py and params.json"
step "$MLV" run --name train --seed 42 -d data/train.csv -d train.py -p params.json \
  -o model.npy -m metrics.json -- python3 train.py
step cat mlv.yaml
step cat mlv.lock
git add -A && git commit -qm "train: lr 0.1" && echo "committed the stage, its lock, metrics and model pointer"

echo "# edit: lr 0.1 -> 0.3 in params.json" >&2
sed -i 's/"lr": 0.1/"lr": 0.3/' params.json
step "$MLV" params diff
step "$MLV" repro --dry-run
step "$MLV" repro
step "$MLV" metrics diff --md
git add -A && git commit -qm "train: lr 0.3" && echo "committed lr 0.3"
step "$MLV" repro
step "$MLV" metrics diff HEAD~1 HEAD
step "$MLV" metrics show --all-commits
pipe "$mlvq env show | head"

head=$(git rev-parse HEAD)
step "$MLV" exp run -S params.json:lr=0.5 --name lr-0.5
step "$MLV" exp run -S params.json:lr=0.8 -S params.json:epochs=40 --name lr-0.8-e40
step "$MLV" exp list --sort loss
step "$MLV" exp diff lr-0.8-e40
step git status --short
step "$MLV" status
[ -z "$(git status --short)" ] && [ "$(git rev-parse HEAD)" = "$head" ] &&
  echo "work tree clean and HEAD did not move ($(git rev-parse --short HEAD)): experiments live under refs/mlv/exps/"
step git for-each-ref refs/mlv/exps/

echo "# edit: append rows to the data on HEAD" >&2
python3 -c "
import random; random.seed(2)
with open('data/train.csv','a') as f:
    for _ in range(1000): f.write(f'{random.randint(18,90)},{random.gauss(5e4,1.5e4):.2f},lyon,1\n')"
step "$MLV" add data/train.csv
git add -A && git commit -qm "data v3" && echo "committed data v3 (HEAD~1's model was trained on v2)"
step "$MLV" repro --dry-run
step "$MLV" repro --rev HEAD~1 --check

echo "# edit: a row with a city the contract does not allow" >&2
echo "40,52000.00,berlin,1" >> data/train.csv
step "$MLV" add data/train.csv
git add -A
if git commit -qm "bad data"; then echo "error: the pre-commit hook let data that breaks its contract through" >&2; exit 1; fi
echo "the pre-commit hook refused the commit"
git reset -q && git checkout -q -- data/train.csv.mlv && "$MLV" checkout --force data/train.csv >/dev/null
step "$MLV" contract check data/train.csv

section "3. drift: has today's data moved away from what HEAD's model learned?"
python3 - <<'PY'
import csv, random
random.seed(7)
# Two samples of "today's" data: one like the training data, one shifted (older people,
# higher incomes, more of them in nice).
for name, shifted in (("today-same.csv", False), ("today-shifted.csv", True)):
    with open(name, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["age", "income", "city", "label"])
        for _ in range(50_000):
            age = random.randint(30, 95) if shifted else random.randint(18, 90)
            income = round(random.gauss(60_000 if shifted else 50_000, 15_000), 2)
            city = random.choice(["paris", "lyon", "nice", "nice", "nice"] if shifted else ["paris", "lyon", "nice"])
            label = int((age - 54) / 21 + (income - 50_000) / 15_000 + random.gauss(0, 1) > 0)
            w.writerow([age, income, city, label])
PY
# The reference is the table HEAD's recorded run of 'train' read, straight from the store.
step "$MLV" drift --rev HEAD --current today-same.csv --target label --fail-on-drift
set +e
step "$MLV" drift --rev HEAD --current today-shifted.csv --target label --html drift.html --fail-on-drift
status=$?
set -e
[ "$status" -eq 10 ] || { echo "error: drift on shifted data should exit 10, got $status" >&2; exit 1; }
grep -q "<svg" drift.html && echo "drift.html: $(( $(stat -c %s drift.html) / 1024 )) KiB, one self-contained page with inline SVG plots"

section "4. models and serving: a versioned artifact, an HTTP endpoint, served traffic vs training data"
mkdir -p serving
cp model.npy serving/model.npy   # the weights HEAD's run of 'train' recorded: mlv links the model to that run
cp "$examples/predict.py" serving/predict.py
cat > serving/mlv-model.yaml <<'YAML'
runtime: python
entry_point: predict.py:predict
input_format: columns
input_example: example.json
metadata: {task: binary classification}
YAML
echo '{"dataframe_records": [{"age": 40, "income": 52000.5, "city": "paris"}]}' > serving/example.json
step "$MLV" model add demo serving
step "$MLV" model alias demo@1 champion
git add -A && git commit -qm "model demo v1 (champion)" && echo "committed mlv.models.json: this commit knows which version 'champion' means"
step "$MLV" model show demo@champion
step "$MLV" model verify demo@champion
"$MLV" serve demo@champion --port 0 --workers 2 2> serve.log &
server=$!
trap 'kill $server 2>/dev/null || true; chmod -R u+w "$work"; rm -rf "$work"' EXIT
for _ in $(seq 100); do grep -q "on http://" serve.log && break; sleep 0.1; done
cat serve.log
url=$(grep -o 'http://[0-9.:]*' serve.log | head -1)
[ -n "$url" ] || { echo "error: mlv serve did not start" >&2; exit 1; }
pipe "curl -s -H 'Content-Type: application/json' -d '{\"dataframe_split\": {\"columns\": [\"age\", \"income\", \"city\"], \"data\": [[25, 30000.0, \"lyon\"], [70, 90000.0, \"nice\"]]}}' $url/invocations; echo"
pipe "curl -s -H 'Content-Type: application/json' -d '{\"inputs\": [{\"name\": \"age\", \"shape\": [1], \"datatype\": \"INT64\", \"data\": [50]}, {\"name\": \"income\", \"shape\": [1], \"datatype\": \"FP64\", \"data\": [61000.0]}, {\"name\": \"city\", \"shape\": [1], \"datatype\": \"BYTES\", \"data\": [\"paris\"]}]}' $url/v2/models/demo/infer; echo"
echo "# a request the model's input contract refuses (age is text):" >&2
status=$(curl -s -o refused.json -w '%{http_code}' -H 'Content-Type: application/json' -d '{"dataframe_records": [{"age": "old", "income": 1.0, "city": "nice"}]}' "$url/invocations")
cat refused.json; echo
[ "$status" = 422 ] || { echo "error: expected 422, got $status" >&2; exit 1; }
python3 - "$url" <<'PY'
import json, random, sys, urllib.request
random.seed(3)
# Served traffic: older customers with higher incomes than the model trained on.
for _ in range(300):
    rows = [[random.randint(40, 95), round(random.gauss(65_000, 15_000), 2), random.choice(["paris", "nice"])] for _ in range(10)]
    body = json.dumps({"dataframe_split": {"columns": ["age", "income", "city"], "data": rows}}).encode()
    req = urllib.request.Request(sys.argv[1] + "/invocations", body, {"Content-Type": "application/json"})
    assert len(json.load(urllib.request.urlopen(req))["predictions"]) == 10
print("sent 300 requests of 10 rows")
PY
pipe "curl -s $url/metrics | grep -E '^mlv_(requests_total|batch_rows_(sum|count)|worker_restarts_total)'"
kill -TERM $server && wait $server && echo "server stopped cleanly (SIGTERM drains requests in flight)"
set +e
step "$MLV" drift --current-from-log demo@champion --columns age income city --fail-on-drift
status=$?
set -e
[ "$status" -eq 10 ] || { echo "error: drift of the served traffic should exit 10, got $status" >&2; exit 1; }

section "5. remotes: share the store, clone elsewhere, pull"
step "$MLV" remote add shared "$outside/shared-store"
git add .mlv/config && git commit -qm "data remote" && echo "committed the remote (no credentials in it)"
git init -q --bare -b main "$outside/origin.git" && git remote add origin "$outside/origin.git"
set +e
pipe "PATH=$(dirname "$mlvq"):\$PATH git push -q origin main"
status=$?
set -e
[ "$status" -ne 0 ] || { echo "error: the pre-push hook should refuse data the remote lacks" >&2; exit 1; }
step "$MLV" push --all-commits
step "$MLV" push
pipe "PATH=$(dirname "$mlvq"):\$PATH git push -q origin main && echo 'git push accepted: every pushed pointer has its data on the remote'"
git clone -q "$outside/origin.git" "$outside/clone"
cd "$outside/clone"
step "$MLV" status --remote
step "$MLV" pull
[ "$(sha256sum data/train.csv | cut -c1-64)" = "$(sha256sum "$work/data/train.csv" | cut -c1-64)" ] && echo "the clone's data/train.csv is identical"
step "$MLV" fsck --remote
cd "$work"

echo
echo "demo finished: every version came back bit for bit, HEAD~1's model was rebuilt bit for bit, data that broke its contract was refused, drift in shifted data was caught, and the model was served, refused a bad request, and its traffic was checked for drift, and a clone pulled every byte back from the remote"
