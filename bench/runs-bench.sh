#!/usr/bin/env bash
# runs-bench.sh: time mlv's run/repro, metrics and experiment commands against the targets of
# issue 3 (reproducible runs), with DVC's `metrics diff` as a reference when DVC is installed.
#
# Cases (each in a fresh git repo under the work dir; hyperfine medians):
#   1  `mlv run` of a trivial command (1-byte dep, 1-byte out) against the same command run bare;
#      warm (probes cached in .mlv/cache/probes): overhead = median(mlv run) - median(bare) <= 100 ms.
#      Also `mlv repro` with the stage up to date (nothing runs), and, for information, a cold
#      `mlv run` (probe cache removed before every run).
#   2  `mlv metrics diff` between two commits of a 1,000-commit history (made with git fast-import;
#      every commit changes mlv.lock, every 5th also params.yaml) <= 100 ms; DVC's
#      `dvc metrics diff HEAD~500 HEAD` on the equivalent DVC repo as a ratio when DVC is there.
#      `mlv metrics show --all-commits` and `mlv params diff HEAD~500 HEAD` for information.
#   3  `mlv exp list` over 500 experiments (refs/mlv/exps/exp-N, fast-import) <= 300 ms.
#
# Environment:
#   MLV_BIN          mlv binary to use (default: build with `swift build -c release` and use .build/release/mlv)
#   MLV_BENCH_DIR    work dir (default: a new `mktemp -d`); its runs/ subdir is recreated on every run
#   MLV_BENCH_VENV   virtualenv holding DVC (default ~/.cache/mlv-bench/venv); DVC is used if
#                    $MLV_BENCH_VENV/bin/dvc (or `dvc` on PATH) works, never installed
#   BENCH_DVC        0 to skip DVC even when it is installed (default 1)
#   HF_WARMUP/HF_RUNS  hyperfine warmup/runs for mlv and the bare command (default 3/20)
#   DVC_WARMUP/DVC_RUNS  the same for DVC (default 1/5)
#   N_COMMITS        commits in the metrics history (default 1000)
#   N_EXPS           experiments (default 500)
#
# Prints the table on stdout (progress on stderr) and writes $MLV_BENCH_DIR/runs-results.json
# and runs-results.txt; hyperfine's JSON exports stay in $MLV_BENCH_DIR/runs/hf/.
# Exit status 0 even when a target FAILs; 2 if a command failed or a check of mlv's output failed
# (the table is still printed); 1 on set-up errors.
set -Eeuo pipefail
trap 'rc=$?; printf "[runs-bench] ERROR: exit %s at line %s: %s\n" "$rc" "$LINENO" "$BASH_COMMAND" >&2' ERR
export LC_ALL=C
export DVC_NO_ANALYTICS=1 GIT_TERMINAL_PROMPT=0

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
W=${MLV_BENCH_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/mlv-runs-bench.XXXXXX")}
VENV=${MLV_BENCH_VENV:-$HOME/.cache/mlv-bench/venv}
BENCH_DVC=${BENCH_DVC:-1}
HF_WARMUP=${HF_WARMUP:-3}
HF_RUNS=${HF_RUNS:-20}
DVC_WARMUP=${DVC_WARMUP:-1}
DVC_RUNS=${DVC_RUNS:-5}
N_COMMITS=${N_COMMITS:-1000}
N_EXPS=${N_EXPS:-500}

log() { printf '[runs-bench %s] %s\n' "$(date +%T)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

for v in HF_WARMUP HF_RUNS DVC_WARMUP DVC_RUNS N_COMMITS N_EXPS; do
    [[ ${!v} =~ ^[0-9]+$ ]] || die "$v must be a non-negative integer"
done
((HF_RUNS >= 2 && DVC_RUNS >= 2)) || die "HF_RUNS and DVC_RUNS must be at least 2"
((N_COMMITS >= 1000)) || die "N_COMMITS must be at least 1000 (the diffs go back to HEAD~999)"
((N_EXPS >= 1)) || die "N_EXPS must be at least 1"

SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo

# ---------------------------------------------------------------- set-up
ensure_apt() {
    local missing=()
    command -v git >/dev/null || missing+=(git)
    command -v hyperfine >/dev/null || missing+=(hyperfine)
    command -v python3 >/dev/null || missing+=(python3)
    ((${#missing[@]})) || return 0
    log "apt-get install ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    if ! $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1; then
        $SUDO apt-get update -qq >/dev/null
        $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
}

# The interpreter itself, not a wrapper (a pyenv shim costs ~100 ms per start, which would
# drown the figures of case 1 in noise).
ensure_py() {
    PY=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null) || die "python3 does not run"
    [ -x "$PY" ] || die "python3 reports sys.executable '$PY', which is not executable"
}

ensure_dvc() {
    DVC=""
    [ "$BENCH_DVC" = 0 ] && { log "BENCH_DVC=0: DVC rows are skipped"; return 0; }
    local c
    for c in "$VENV/bin/dvc" "$(command -v dvc 2>/dev/null || true)"; do
        if [ -n "$c" ] && [ -x "$c" ] && "$c" --version >/dev/null 2>&1; then
            DVC=$c
            return 0
        fi
    done
    log "DVC not found (looked for $VENV/bin/dvc and dvc on PATH): DVC rows are skipped"
}

ensure_mlv() {
    HAVE_MLV=0
    if [ -z "${MLV_BIN:-}" ]; then
        if command -v swift >/dev/null && [ -f "$repo/Package.swift" ]; then
            log "building mlv: swift build -c release (log: $W/swift-build.log)"
            if (cd "$repo" && swift build -c release) >"$W/swift-build.log" 2>&1; then
                MLV_BIN=$repo/.build/release/mlv
            else
                log "swift build failed (see $W/swift-build.log)"
            fi
        else
            log "no swift toolchain or Package.swift: cannot build mlv"
        fi
    fi
    if [ -n "${MLV_BIN:-}" ] && [ -x "$MLV_BIN" ] && [ -f "$MLV_BIN" ]; then
        MLV_BIN=$(cd "$(dirname "$MLV_BIN")" && pwd)/$(basename "$MLV_BIN")
        HAVE_MLV=1
    else
        die "mlv binary not found (${MLV_BIN:-unset}); set MLV_BIN"
    fi
}

mkdir -p "$W"
W=$(cd "$W" && pwd)
ensure_apt
ensure_py
ensure_dvc
ensure_mlv

RUN=$W/runs
rm -rf "$RUN"
mkdir -p "$RUN/hf" "$RUN/logs"
ROWS=$RUN/rows.tsv
: >"$ROWS"
LOGS=$RUN/logs
SANITY_FAILED=0
T_START=$EPOCHREALTIME

new_repo() {
    rm -rf "$1"
    mkdir -p "$1"
    cd "$1"
    git init -q -b main .
    git config user.name mlv-bench
    git config user.email mlv-bench@example.invalid
    git config commit.gpgsign false
}

sanity() { # message: a failed check of mlv's output (the figures are still reported)
    log "SANITY CHECK FAILED: $*"
    SANITY_FAILED=1
}

# hf KEY LABEL [hyperfine options...] -- cmd...: hyperfine median etc. appended to $ROWS, in the
# current dir. Without options, HF_WARMUP/HF_RUNS.
hf() {
    local key=$1 label=$2 j=$RUN/hf/$1.json cmd opts=()
    shift 2
    while [ "$1" != -- ]; do opts+=("$1"); shift; done
    shift
    ((${#opts[@]})) || opts=(--warmup "$HF_WARMUP" --runs "$HF_RUNS")
    cmd=$(printf '%q ' "$@")
    log "  $label"
    if ! hyperfine -N "${opts[@]}" --export-json "$j" "$cmd" >>"$LOGS/$key.log" 2>&1; then
        log "FAILED: hyperfine '$cmd' (in $PWD; log $LOGS/$key.log)"
        tail -n 5 "$LOGS/$key.log" | sed 's/^/    /' >&2
        printf '%s\t%s\t\t\t\t\t\t\terror\n' "$key" "$label" >>"$ROWS"
        SANITY_FAILED=1
        return 0
    fi
    "$PY" - "$j" "$key" "$label" >>"$ROWS" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
ms = lambda x: "%.2f" % (x * 1000)
print("\t".join([sys.argv[2], sys.argv[3], ms(r["median"]), ms(r["mean"]), ms(r["stddev"] or 0),
                 ms(r["min"]), ms(r["max"]), str(len(r["times"])), "ok"]))
EOF
}

# ---------------------------------------------------------------- fast-import streams
# gen_stream KIND N [init files...] > stream
#   metrics-mlv: N commits on refs/heads/main, the first adds the init files, mlv.yaml,
#                params.yaml, train.py; each writes mlv.lock + metrics.json, every 5th params.yaml
#   metrics-dvc: the same history in DVC's layout (dvc.yaml with metrics.json cache: false,
#                dvc.lock, params.yaml, metrics.json tracked by git)
#   exps:        one base commit on main, then N experiments refs/mlv/exps/exp-K (parent: base),
#                each with its own mlv.lock, params.yaml and metrics.json
gen_stream() {
    "$PY" - "$@" <<'EOF'
import hashlib, json, math, random, sys

kind, n, init_files = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
out = sys.stdout.buffer
rnd = random.Random(42)
T0 = 1_700_000_000

def hexid(*parts, n=64):
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:n]

def pretty(v, indent=0):
    """mlv's pretty canonical JSON: sorted keys, one member per line, scalar arrays inline."""
    pad = " " * indent
    if isinstance(v, dict) and v:
        items = [pad + "  " + json.dumps(k) + ": " + pretty(v[k], indent + 2) for k in sorted(v)]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(v, list) and not any(isinstance(x, (dict, list)) for x in v):
        return "[" + ", ".join(json.dumps(x) for x in v) + "]"
    return json.dumps(v, sort_keys=True)

def values(i):
    """params and metrics of version i: lr/epochs change every 5th version, metrics every time."""
    step = i // 5
    params = {"lr": round(0.1 / (1 + step % 50), 6), "epochs": 10 + step % 7, "batch": 32}
    acc = round(min(0.99, 0.5 + 0.45 * (1 - math.exp(-i / 300)) + rnd.uniform(-0.02, 0.02)), 4)
    metrics = {"acc": acc, "loss": round(max(0.01, 1 - acc + rnd.uniform(-0.02, 0.02)), 4),
               "f1": round(acc - rnd.uniform(0, 0.03), 4), "auc": round(min(0.999, acc + rnd.uniform(0, 0.05)), 4)}
    return params, metrics

def params_yaml(p):
    return "".join(f"{k}: {p[k]}\n" for k in ("lr", "epochs", "batch"))

def mlv_lock(i, p, m):
    return pretty({"format": "mlv-lock", "version": 1, "stages": {"train": {
        "cmd": ["python3", "train.py"],
        "deps": {"data.csv": "sha256:" + hexid("data", i // 100), "train.py": "sha256:" + hexid("train.py")},
        "env": "sha256:" + hexid("env", i // 250),
        "metrics": {"metrics.json": m},
        "outs": {"model.npy": "sha256:" + hexid("model", i)},
        "params": {"params.yaml": {"batch": p["batch"], "epochs": p["epochs"], "lr": p["lr"]}},
        "record": "sha256:" + hexid("record", i),
        "seed": 7}}}) + "\n"

def dvc_lock(i, p, mj):
    return f"""schema: '2.0'
stages:
  train:
    cmd: python3 train.py
    deps:
    - path: data.csv
      hash: md5
      md5: {hexid("data", i // 100, n=32)}
      size: 1048576
    - path: train.py
      hash: md5
      md5: {hexid("train.py", n=32)}
      size: 120
    params:
      params.yaml:
        batch: {p["batch"]}
        epochs: {p["epochs"]}
        lr: {p["lr"]}
    outs:
    - path: metrics.json
      hash: md5
      md5: {hashlib.md5(mj.encode()).hexdigest()}
      size: {len(mj)}
    - path: model.npy
      hash: md5
      md5: {hexid("model", i, n=32)}
      size: 4096
"""

MLV_YAML = """# Stages for mlv: 'mlv repro' runs them in dependency order; 'mlv run' adds and updates them.
stages:
  train:
    cmd: [python3, train.py]
    seed: 7
    deps:
      - data.csv
      - train.py
    params:
      - params.yaml: [lr, epochs, batch]
    outs:
      - model.npy
    metrics:
      - metrics.json
"""
DVC_YAML = """stages:
  train:
    cmd: python3 train.py
    deps:
    - data.csv
    - train.py
    params:
    - lr
    - epochs
    - batch
    outs:
    - model.npy
    metrics:
    - metrics.json:
        cache: false
"""
TRAIN_PY = "import json, os\n# trains a model\njson.dump({'acc': 0.9}, open('metrics.json', 'w'))\n"

def w(s):
    out.write(s.encode() if isinstance(s, str) else s)

def data(b):
    b = b.encode() if isinstance(b, str) else b
    w(b"data %d\n" % len(b)); w(b); w(b"\n")

def file(path, content, mode="100644"):
    w(f"M {mode} inline {path}\n"); data(content)

def commit(ref, t, msg, mark=None, frm=None):
    w(f"commit {ref}\n")
    if mark: w(f"mark :{mark}\n")
    w(f"author mlv-bench <mlv-bench@example.invalid> {t} +0000\n")
    w(f"committer mlv-bench <mlv-bench@example.invalid> {t} +0000\n")
    data(msg + "\n")
    if frm: w(f"from {frm}\n")

def init_files_in():
    for p in init_files:
        file(p, open(p, "rb").read())

if kind in ("metrics-mlv", "metrics-dvc"):
    dvc = kind == "metrics-dvc"
    for i in range(n):
        p, m = values(i)
        commit("refs/heads/main", T0 + 60 * i, f"train v{i}", mark=i + 1)
        if i == 0:
            init_files_in()
            file(".gitignore", "/data.csv\n/model.npy\n")
            file("train.py", TRAIN_PY)
            file("dvc.yaml" if dvc else "mlv.yaml", DVC_YAML if dvc else MLV_YAML)
        mj = json.dumps(m, indent=2, sort_keys=True) + "\n"
        file("metrics.json", mj)
        if i % 5 == 0:
            file("params.yaml", params_yaml(p))
        file("dvc.lock" if dvc else "mlv.lock", dvc_lock(i, p, mj) if dvc else mlv_lock(i, p, m))
elif kind == "exps":
    p, m = values(0)
    commit("refs/heads/main", T0, "baseline", mark=1)
    init_files_in()
    file(".gitignore", "/data.csv\n/model.npy\n")
    file("train.py", TRAIN_PY)
    file("mlv.yaml", MLV_YAML)
    file("params.yaml", params_yaml(p))
    file("metrics.json", json.dumps(m, indent=2, sort_keys=True) + "\n")
    file("mlv.lock", mlv_lock(0, p, m))
    for k in range(1, n + 1):
        p, m = values(rnd.randrange(5 * 350))
        p["lr"] = round(rnd.choice([0.3, 0.1, 0.03, 0.01, 0.003, 0.001]) * (1 + k % 7 / 10), 6)
        commit(f"refs/mlv/exps/exp-{k}", T0 + 60 * k, f"mlv exp run: lr={p['lr']} epochs={p['epochs']}", frm=":1")
        file("params.yaml", params_yaml(p))
        file("metrics.json", json.dumps(m, indent=2, sort_keys=True) + "\n")
        file("mlv.lock", mlv_lock(100000 + k, p, m))
else:
    sys.exit("unknown kind " + kind)
w("done\n")
EOF
}

fast_import() { # KIND N [init files...]: into the repo in cwd, then check out main
    gen_stream "$@" >"$RUN/$1.stream"
    git fast-import --quiet --done <"$RUN/$1.stream" >>"$LOGS/fast-import.log" 2>&1 ||
        die "git fast-import failed (log $LOGS/fast-import.log)"
    git reset -q --hard main
}

# ---------------------------------------------------------------- case 1: run / repro overhead
case_run() {
    log "=== case 1: mlv run overhead (python: $PY)"
    new_repo "$RUN/run"
    "$MLV_BIN" init >>"$LOGS/init.log" 2>&1 || die "mlv init failed in $PWD (log $LOGS/init.log)"
    echo "a,b,c" >dep.txt
    git add -A && git commit -qm base
    local code="open('out.txt','w').write('x')"
    local bare=("$PY" -c "$code")
    local run=("$MLV_BIN" run --name s --seed 1 -d dep.txt -o out.txt -- "$PY" -c "$code")

    # The first run: no stage yet, no probe cache (one sample, information only).
    local t0=$EPOCHREALTIME
    "${run[@]}" >>"$LOGS/run-first.log" 2>&1 || die "first mlv run failed (log $LOGS/run-first.log)"
    local t1=$EPOCHREALTIME
    "$PY" -c 'import sys; a, b = map(float, sys.argv[1:]); print("run.first\tmlv run, first (new stage, no probe cache), 1 sample\t%.2f\t\t\t\t\t1\tok" % ((b - a) * 1000))' \
        "$t0" "$t1" >>"$ROWS"
    [ -s .mlv/cache/probes ] || sanity "mlv run did not write .mlv/cache/probes"
    [ -f mlv.lock ] && [ "$(cat out.txt)" = x ] || sanity "mlv run left no mlv.lock or a wrong out.txt"
    git add -A && git commit -qm "first run"

    hf mlv.version "mlv --version (process start and exit, reference)" -- "$MLV_BIN" --version
    hf run.bare "bare command: python3 -c \"...write('x')\"" -- "${bare[@]}"
    hf run.mlv "mlv run --name s --seed 1 -d dep.txt -o out.txt -- python3 -c ... (warm)" -- "${run[@]}"
    hf run.cold "mlv run, probe cache removed before each run" \
        --warmup 1 --runs "$(((HF_RUNS + 1) / 2))" --prepare "rm -f .mlv/cache/probes" -- "${run[@]}"
    # leave it warm and up to date
    "${run[@]}" >>"$LOGS/run-last.log" 2>&1 || sanity "mlv run failed (log $LOGS/run-last.log)"
    "$MLV_BIN" repro --dry-run >"$LOGS/repro-dry.out" 2>&1 || true
    grep -q 'up to date' "$LOGS/repro-dry.out" || sanity "mlv repro --dry-run does not say the stage is up to date: $(head -c 200 "$LOGS/repro-dry.out")"
    hf repro.noop "mlv repro (stage up to date, nothing runs)" -- "$MLV_BIN" repro
    local before after
    before=$(stat -c %y out.txt 2>/dev/null || true)
    "$MLV_BIN" repro >/dev/null 2>&1 || sanity "mlv repro failed"
    after=$(stat -c %y out.txt 2>/dev/null || true)
    [ "$before" = "$after" ] || sanity "mlv repro rewrote out.txt although the stage was up to date"
}

# ---------------------------------------------------------------- case 2: metrics over 1,000 commits
case_metrics() {
    log "=== case 2: metrics over $N_COMMITS commits"
    new_repo "$RUN/metrics-mlv"
    "$MLV_BIN" init >>"$LOGS/init.log" 2>&1 || die "mlv init failed in $PWD (log $LOGS/init.log)"
    fast_import metrics-mlv "$N_COMMITS" .mlv/config .mlv/.gitignore
    [ "$(git rev-list --count HEAD)" = "$N_COMMITS" ] || die "metrics repo: expected $N_COMMITS commits"
    [ -z "$(git status --porcelain)" ] || log "note: metrics repo is not clean after fast-import: $(git status --porcelain | head -n 3 | tr '\n' ' ')"

    # untimed checks that the answer is right
    local out
    out=$("$MLV_BIN" metrics diff HEAD~500 HEAD 2>&1) || sanity "mlv metrics diff HEAD~500 HEAD exited non-zero: $out"
    echo "$out" >"$LOGS/metrics-diff.out"
    grep -q 'acc' <<<"$out" || sanity "mlv metrics diff HEAD~500 HEAD does not show acc: $(head -c 300 <<<"$out")"
    out=$("$MLV_BIN" metrics diff HEAD~999 HEAD --json 2>&1) || sanity "mlv metrics diff --json exited non-zero"
    echo "$out" >"$LOGS/metrics-diff.json"
    "$PY" -c 'import json, sys; d = json.load(sys.stdin); assert len(d["changes"]) >= 4, d' <<<"$out" 2>/dev/null ||
        sanity "mlv metrics diff HEAD~999 HEAD --json: not JSON with >= 4 changes"
    "$MLV_BIN" metrics show --all-commits >"$LOGS/metrics-show.out" 2>&1 || sanity "mlv metrics show --all-commits exited non-zero"
    local rows
    rows=$(($(wc -l <"$LOGS/metrics-show.out") - 1))
    [ "$rows" = "$N_COMMITS" ] || sanity "mlv metrics show --all-commits printed $rows rows, expected $N_COMMITS"

    hf md.500 "mlv metrics diff HEAD~500 HEAD" -- "$MLV_BIN" metrics diff HEAD~500 HEAD
    hf md.999 "mlv metrics diff HEAD~999 HEAD" -- "$MLV_BIN" metrics diff HEAD~999 HEAD
    hf md.500j "mlv metrics diff HEAD~500 HEAD --json" -- "$MLV_BIN" metrics diff HEAD~500 HEAD --json
    hf md.999j "mlv metrics diff HEAD~999 HEAD --json" -- "$MLV_BIN" metrics diff HEAD~999 HEAD --json
    hf ms.all "mlv metrics show --all-commits ($N_COMMITS commits, information)" \
        --warmup 1 --runs "$(((HF_RUNS + 1) / 2))" -- "$MLV_BIN" metrics show --all-commits
    hf pd.500 "mlv params diff HEAD~500 HEAD (information)" -- "$MLV_BIN" params diff HEAD~500 HEAD
    hf git.show "git show HEAD~500:mlv.lock (reference: one git process)" -- git show HEAD~500:mlv.lock

    [ -n "$DVC" ] || return 0
    log "--- DVC $("$DVC" --version) on the same history"
    new_repo "$RUN/metrics-dvc"
    "$DVC" init -q >>"$LOGS/init.log" 2>&1 || die "dvc init failed in $PWD (log $LOGS/init.log)"
    "$DVC" config --local core.site_cache_dir "$RUN/dvc-site" >>"$LOGS/init.log" 2>&1
    fast_import metrics-dvc "$N_COMMITS" .dvc/config .dvc/.gitignore .dvcignore
    [ "$(git rev-list --count HEAD)" = "$N_COMMITS" ] || die "DVC metrics repo: expected $N_COMMITS commits"
    out=$("$DVC" metrics diff HEAD~500 HEAD 2>&1) || sanity "dvc metrics diff exited non-zero: $out"
    echo "$out" >"$LOGS/dvc-metrics-diff.out"
    grep -q 'acc' <<<"$out" || sanity "dvc metrics diff HEAD~500 HEAD does not show acc (DVC repo set up wrong?): $(head -c 300 <<<"$out")"
    hf dvc.md.500 "dvc metrics diff HEAD~500 HEAD" --warmup "$DVC_WARMUP" --runs "$DVC_RUNS" -- "$DVC" metrics diff HEAD~500 HEAD
}

# ---------------------------------------------------------------- case 3: 500 experiments
case_exps() {
    log "=== case 3: exp list over $N_EXPS experiments"
    new_repo "$RUN/exps"
    "$MLV_BIN" init >>"$LOGS/init.log" 2>&1 || die "mlv init failed in $PWD (log $LOGS/init.log)"
    fast_import exps "$N_EXPS" .mlv/config .mlv/.gitignore
    local n
    n=$(git for-each-ref --format=x 'refs/mlv/exps/' | wc -l)
    [ "$n" = "$N_EXPS" ] || die "expected $N_EXPS refs under refs/mlv/exps/, found $n"

    local out
    out=$("$MLV_BIN" exp list --json 2>&1) || sanity "mlv exp list --json exited non-zero"
    echo "$out" >"$LOGS/exp-list.json"
    "$PY" -c '
import json, sys
d = json.load(sys.stdin)
items = d if isinstance(d, list) else next(v for v in d.values() if isinstance(v, list))
assert len(items) == int(sys.argv[1]), "%d experiments listed" % len(items)' "$N_EXPS" <"$LOGS/exp-list.json" 2>>"$LOGS/exp-list.check" ||
        sanity "mlv exp list --json: unexpected output (see $LOGS/exp-list.check)"
    "$MLV_BIN" exp list --sort acc --desc >"$LOGS/exp-list-sorted.out" 2>&1 || sanity "mlv exp list --sort acc --desc exited non-zero"

    hf exp.list "mlv exp list" -- "$MLV_BIN" exp list
    hf exp.sort "mlv exp list --sort acc --desc" -- "$MLV_BIN" exp list --sort acc --desc
    hf exp.json "mlv exp list --json" -- "$MLV_BIN" exp list --json
    hf git.fer "git for-each-ref refs/mlv/exps/ (reference)" -- git for-each-ref refs/mlv/exps/
}

case_run
case_metrics
case_exps
cd "$RUN"

# ---------------------------------------------------------------- report
{
    echo "mlv_bin=$MLV_BIN"
    echo "mlv_version=$("$MLV_BIN" --version 2>/dev/null | head -n 1 || echo unknown)"
    echo "dvc_version=$([ -n "$DVC" ] && "$DVC" --version 2>/dev/null || echo none)"
    echo "git_version=$(git --version)"
    echo "python=$PY ($("$PY" --version 2>&1))"
    echo "hyperfine_version=$(hyperfine --version)"
    echo "hf_warmup_runs=$HF_WARMUP/$HF_RUNS"
    echo "dvc_warmup_runs=$DVC_WARMUP/$DVC_RUNS"
    echo "n_commits=$N_COMMITS"
    echo "n_exps=$N_EXPS"
    echo "kernel=$(uname -sr)"
    echo "cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
    echo "cores=$(nproc)"
    echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "elapsed_s=$("$PY" -c 'import sys; print("%.0f" % (float(sys.argv[2]) - float(sys.argv[1])))' "$T_START" "$EPOCHREALTIME")"
} >"$RUN/meta.txt"

"$PY" - "$ROWS" "$RUN/meta.txt" "$W/runs-results.json" <<'EOF' | tee "$W/runs-results.txt"
import json, sys

rows_path, meta_path, json_path = sys.argv[1:]
rows = {}
order = []
for line in open(rows_path):
    f = line.rstrip("\n").split("\t")
    key, label = f[0], f[1]
    med = float(f[2]) if f[2] else None
    rows[key] = {"label": label, "median_ms": med, "mean_ms": float(f[3]) if f[3] else None,
                 "stddev_ms": float(f[4]) if f[4] else None, "min_ms": float(f[5]) if f[5] else None,
                 "max_ms": float(f[6]) if f[6] else None, "runs": int(f[7]) if f[7] else None, "status": f[8]}
    order.append(key)
meta = dict(l.rstrip("\n").split("=", 1) for l in open(meta_path) if "=" in l)

def med(k):
    return rows.get(k, {}).get("median_ms")

def fmt(x, unit=" ms"):
    return "-" if x is None else ("%.1f%s" % (x, unit))

print("mlv %s (%s); DVC %s; %s" % (meta.get("mlv_version"), meta.get("mlv_bin"), meta.get("dvc_version"), meta.get("date")))
print("hyperfine medians (warmup/runs: mlv %s, dvc %s); %s commits, %s experiments" % (
    meta.get("hf_warmup_runs"), meta.get("dvc_warmup_runs"), meta.get("n_commits"), meta.get("n_exps")))
print()
w = max(len(rows[k]["label"]) for k in order) if order else 10
print("%-*s  %10s  %10s  %8s  %5s" % (w, "command", "median", "mean", "stddev", "runs"))
for k in order:
    r = rows[k]
    print("%-*s  %10s  %10s  %8s  %5s" % (w, r["label"], fmt(r["median_ms"]), fmt(r["mean_ms"]), fmt(r["stddev_ms"]),
                                         r["runs"] if r["runs"] is not None else r["status"]))
print()

targets = []
def target(name, measured, limit, dvc_ratio=None, note=""):
    verdict = "n/a" if measured is None else ("PASS" if measured <= limit else "FAIL")
    targets.append({"target": name, "measured_ms": measured, "limit_ms": limit, "verdict": verdict,
                    "dvc_over_mlv": dvc_ratio, "note": note})

overhead = med("run.mlv") - med("run.bare") if med("run.mlv") is not None and med("run.bare") is not None else None
target("mlv run overhead over the bare command (warm)", overhead, 100,
       note="median(mlv run) %s - median(bare) %s" % (fmt(med("run.mlv")), fmt(med("run.bare"))))
target("mlv repro, stage up to date (same limit, bench's choice)", med("repro.noop"), 100)
dvc = med("dvc.md.500")
ratio = dvc / med("md.500") if dvc is not None and med("md.500") else None
target("mlv metrics diff HEAD~500 HEAD", med("md.500"), 100, ratio,
       note=("dvc metrics diff HEAD~500 HEAD: %s" % fmt(dvc)) if dvc is not None else "DVC not measured")
target("mlv metrics diff HEAD~999 HEAD", med("md.999"), 100)
target("mlv metrics diff HEAD~500 HEAD --json", med("md.500j"), 100)
target("mlv metrics diff HEAD~999 HEAD --json", med("md.999j"), 100)
target("mlv exp list (%s experiments)" % meta.get("n_exps"), med("exp.list"), 300)
target("mlv exp list --sort acc --desc", med("exp.sort"), 300)
target("mlv exp list --json", med("exp.json"), 300)

tw = max(len(t["target"]) for t in targets)
print("%-*s  %10s  %8s  %7s  %s" % (tw, "target", "measured", "limit", "verdict", "dvc/mlv"))
for t in targets:
    print("%-*s  %10s  %8s  %7s  %s" % (tw, t["target"], fmt(t["measured_ms"]), fmt(t["limit_ms"]), t["verdict"],
                                        "-" if t["dvc_over_mlv"] is None else "%.1f" % t["dvc_over_mlv"]))
info = [("run.first", "first mlv run"), ("run.cold", "cold mlv run (no probe cache)"),
        ("ms.all", "metrics show --all-commits"), ("pd.500", "params diff HEAD~500 HEAD")]
print()
print("info: " + "; ".join("%s %s" % (n, fmt(med(k))) for k, n in info if med(k) is not None)
      + "; elapsed %s s" % meta.get("elapsed_s"))
json.dump({"meta": meta, "commands": rows, "targets": targets}, open(json_path, "w"), indent=2)
EOF
log "results: $W/runs-results.json, $W/runs-results.txt; hyperfine JSON: $RUN/hf; logs: $LOGS"
((SANITY_FAILED == 0)) || { log "some sanity checks failed (see above)"; exit 2; }
exit 0
