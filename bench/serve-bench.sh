#!/usr/bin/env bash
# serve-bench.sh: requests/s and p99 latency of `mlv serve` against `mlflow models serve` and a
# hand-written FastAPI app, serving the same scikit-learn models, measured with wrk in the same run.
#
#   bench/serve-bench.sh                          all scenarios, all servers, 15 s per run
#   DURATION=5 SERVERS="mlflow fastapi" bench/serve-bench.sh
#
# Steps:
#   1  set-up, skipping what is there: wrk and git (apt-get), the virtualenv MLV_BENCH_SERVE_VENV with
#      scikit-learn, mlflow, fastapi, uvicorn, numpy and pandas (pip)
#   2  bench/serve_models.py trains, with a fixed seed, LogisticRegression and RandomForest(100 trees)
#      on make_classification (20 features) and writes, per model, MLflow model dirs
#      (mlflow.sklearn.save_model, without and with a signature), an mlv model dir (model.pkl,
#      predict.py, mlv-model.yaml, example.json) and a FastAPI app dir (model.pkl, app.py), plus the
#      request bodies (1 and 100 rows of dataframe_split JSON). Reused from MLV_BENCH_DIR/models
#      when nothing changed
#   3  mlv only: a fresh git repository (git init, mlv init, the model dirs copied in as models/lr and
#      models/rf, mlv model add lr models/lr, mlv model add rf models/rf, git commit)
#   4  per scenario and server: start the server on a free port in its own process group, poll
#      GET /ping (and /ready for mlv; READY_TIMEOUT), check one answer against the model's own
#      predict_proba, warm up (wrk, WARMUP s), then `wrk -tTHREADS -cCONNECTIONS -dDURATION --latency -s serve_post.lua
#      URL/invocations`, then SIGTERM and wait for the server to exit
#   5  bench/serve_report.py: table, the targets of scenario lr1, results.json and results.txt
#
# Scenarios: lr1 (LR, 1-row requests), rf1 (RandomForest, 1 row), lr100 (LR, 100-row requests).
# Servers:   mlflow  `mlflow models serve -m DIR --env-manager local -p PORT -h 127.0.0.1` (MLflow's
#                    defaults: one uvicorn worker, 60 s request timeout; see MLFLOW_SIGNATURE)
#            fastapi `uvicorn app:app --host 127.0.0.1 --port PORT --workers N`, for N in FASTAPI_WORKERS;
#                    the best is the "FastAPI" reference (see FASTAPI_NODELAY_FIX)
#            mlv     `MLV_PYTHON=VENV/bin/python mlv serve MODEL --port PORT --workers MLV_WORKERS`,
#                    its own defaults for --max-batch and --max-wait-ms
#
# Environment:
#   MLV_BIN               mlv binary (default .build/release/mlv of this checkout). Nothing is built:
#                         when the default binary is missing, or has no `serve` command, the mlv rows
#                         are SKIPPED and the script says how to build it
#   MLV_BENCH_DIR         work dir (default /tmp/mlv-serve-bench): models/ is reused, run/ (logs, wrk
#                         output, the mlv repository) is recreated; results.json and results.txt
#   MLV_BENCH_SERVE_VENV  virtualenv (default ~/.cache/mlv-bench/serve-venv; created when missing)
#   DURATION / WARMUP     seconds of each measured run / of the warm-up before it (15 / 3)
#   THREADS / CONNECTIONS wrk -t / -c (2 / 16)
#   SCENARIOS             subset of "lr1 rf1 lr100" (default all)
#   SERVERS               subset of "mlflow fastapi mlv" (default all)
#   FASTAPI_WORKERS       uvicorn worker counts to try for FastAPI (default "1 2")
#   FASTAPI_NODELAY_FIX   1 (default): with more than one worker, app.py turns TCP_NODELAY back on
#                         (uvicorn --workers N leaves Nagle on: ~44 ms per keep-alive request,
#                         Kludex/uvicorn#3149); 0 runs stock uvicorn
#   MLFLOW_WORKERS        passed as `--workers` to mlflow models serve (default: unset, MLflow's default, 1)
#   MLFLOW_SIGNATURE      0 (default): the MLflow model has no signature; 1: it has one, and MLflow
#                         checks every request against it (about half the requests/s); "0 1": both
#                         rows. The fastest error-free MLflow row is the "MLflow" reference
#   MLV_WORKERS           `mlv serve --workers` (default 1: mlv's own default on 2 cores)
#   MLV_SERVE_ARGS        more arguments for `mlv serve` (default none, e.g. "--max-batch 64")
#   READY_TIMEOUT         seconds to wait for GET /ping to answer 200 (default 120: MLflow starts slowly)
#   STOP_TIMEOUT          seconds to wait for a server to exit after SIGTERM (default 20)
#   BUSY_LIMIT            a run is flagged "machine busy" when processes other than its server and wrk
#                         used more than this % of the machine's CPU time during it (default 10)
#   SEED                  training seed (default 42)
#
# Exit status: 0 normally, even when a target FAILs or the mlv rows are SKIPPED; 2 when a server
# failed to start, answered wrongly, or a wrk run had non-2xx responses or socket errors (the table
# is still printed); 1 if the set-up fails. Every server started here is killed on exit.
set -Eeuo pipefail
trap 'rc=$?; printf "[serve-bench] ERROR: exit %s at line %s: %s\n" "$rc" "$LINENO" "$BASH_COMMAND" >&2' ERR
export LC_ALL=C

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
MLV=${MLV_BIN:-$repo/.build/release/mlv}
WORK=${MLV_BENCH_DIR:-/tmp/mlv-serve-bench}
VENV=${MLV_BENCH_SERVE_VENV:-$HOME/.cache/mlv-bench/serve-venv}
DURATION=${DURATION:-15}
WARMUP=${WARMUP:-3}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-16}
SCENARIOS=${SCENARIOS:-lr1 rf1 lr100}
SERVERS=${SERVERS:-mlflow fastapi mlv}
FASTAPI_WORKERS=${FASTAPI_WORKERS:-1 2}
FASTAPI_NODELAY_FIX=${FASTAPI_NODELAY_FIX:-1}
MLFLOW_WORKERS=${MLFLOW_WORKERS:-}
MLFLOW_SIGNATURE=${MLFLOW_SIGNATURE:-0}
MLV_WORKERS=${MLV_WORKERS:-1}  # mlv serve's own default on 2 cores (cores - 1)
MLV_SERVE_ARGS=${MLV_SERVE_ARGS:-}
READY_TIMEOUT=${READY_TIMEOUT:-120}
STOP_TIMEOUT=${STOP_TIMEOUT:-20}
BUSY_LIMIT=${BUSY_LIMIT:-10}
SEED=${SEED:-42}
PACKAGES=(scikit-learn mlflow fastapi uvicorn numpy pandas)

log() { printf '[serve-bench %s] %s\n' "$(date +%T)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
want() { [[ " $SERVERS " == *" $1 "* ]]; }
posint() { [[ $2 =~ ^[1-9][0-9]*$ ]] || die "$1 must be a positive integer (got '$2')"; }

posint DURATION "$DURATION"
[[ $WARMUP =~ ^[0-9]+$ ]] || die "WARMUP must be a non-negative integer (got '$WARMUP')"
posint THREADS "$THREADS"
posint CONNECTIONS "$CONNECTIONS"
posint MLV_WORKERS "$MLV_WORKERS"
posint READY_TIMEOUT "$READY_TIMEOUT"
posint STOP_TIMEOUT "$STOP_TIMEOUT"
posint BUSY_LIMIT "$BUSY_LIMIT"
[[ $SEED =~ ^[0-9]+$ ]] || die "SEED must be a non-negative integer"
[[ $FASTAPI_NODELAY_FIX =~ ^[01]$ ]] || die "FASTAPI_NODELAY_FIX must be 0 or 1"
for n in $MLFLOW_SIGNATURE; do [[ $n =~ ^[01]$ ]] || die "MLFLOW_SIGNATURE must be 0, 1 or \"0 1\" (got '$MLFLOW_SIGNATURE')"; done
[ -n "$MLFLOW_SIGNATURE" ] || die "MLFLOW_SIGNATURE must not be empty"
[ -z "$MLFLOW_WORKERS" ] || posint MLFLOW_WORKERS "$MLFLOW_WORKERS"
for n in $FASTAPI_WORKERS; do posint FASTAPI_WORKERS "$n"; done
for s in $SCENARIOS; do [[ " lr1 rf1 lr100 " == *" $s "* ]] || die "unknown scenario '$s' (lr1 rf1 lr100)"; done
for s in $SERVERS; do [[ " mlflow fastapi mlv " == *" $s "* ]] || die "unknown server '$s' (mlflow fastapi mlv)"; done
if [ -z "$SCENARIOS" ] || [ -z "$SERVERS" ]; then die "SCENARIOS and SERVERS must not be empty"; fi
((THREADS <= CONNECTIONS)) || die "THREADS must not exceed CONNECTIONS (wrk needs a connection per thread)"

declare -A SCEN_MODEL=([lr1]=lr [rf1]=rf [lr100]=lr) SCEN_ROWS=([lr1]=1 [rf1]=1 [lr100]=100)

mkdir -p "$WORK"
W=$(cd "$WORK" && pwd)
# Two runs on one work dir would delete each other's run/ (and two benchmarks at once measure nothing).
exec 9>"$W/.lock"
flock -n 9 || die "another serve-bench.sh is using $W (its lock $W/.lock is held); wait for it or set MLV_BENCH_DIR"
SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo

# ---------------------------------------------------------------- the server that is running
# One server runs at a time, in its own process group (setsid), so that its workers go with it.
CUR_PGID=""
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
    [ -z "${WRK_PID:-}" ] || kill -TERM "$WRK_PID" 2>/dev/null || true
    [ -n "$CUR_PGID" ] || return 0
    kill -TERM -- "-$CUR_PGID" 2>/dev/null || true
    sleep 0.5
    kill -KILL -- "-$CUR_PGID" 2>/dev/null || true
    CUR_PGID=""
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT
trap 'log "terminated"; exit 143' TERM

# ---------------------------------------------------------------- 1 set-up
apt_install() {
    log "apt-get install $*"
    export DEBIAN_FRONTEND=noninteractive
    if ! $SUDO apt-get install -y -qq "$@" >/dev/null 2>&1; then
        $SUDO apt-get update -qq >/dev/null
        $SUDO apt-get install -y -qq "$@" >/dev/null
    fi
}

ensure_apt() {
    local missing=()
    command -v wrk >/dev/null || missing+=(wrk)
    command -v git >/dev/null || missing+=(git)
    command -v python3 >/dev/null || missing+=(python3)
    command -v setsid >/dev/null || missing+=(util-linux)
    command -v pgrep >/dev/null || missing+=(procps)
    command -v bc >/dev/null || missing+=(bc)
    ((${#missing[@]})) || return 0
    apt_install "${missing[@]}"
    command -v wrk >/dev/null || die "wrk is still missing after apt-get install wrk"
}

venv_ok() {
    [ -x "$VENV/bin/python" ] && [ -x "$VENV/bin/mlflow" ] && [ -x "$VENV/bin/uvicorn" ] &&
        "$VENV/bin/python" -c "
import importlib.metadata as md
for p in '${PACKAGES[*]}'.split(): md.version(p)" >/dev/null 2>&1
}

ensure_venv() {
    PY=$VENV/bin/python
    venv_ok && return 0
    local plog base t0
    plog=$(dirname "$VENV")/$(basename "$VENV")-pip.log
    # the real interpreter, not a pyenv shim
    base=$(python3 -c 'import sys; print(sys.executable)')
    log "installing ${PACKAGES[*]} into $VENV with $base (log: $plog; about a minute)"
    t0=$EPOCHREALTIME
    mkdir -p "$(dirname "$VENV")"
    if [ ! -x "$VENV/bin/python" ] && ! "$base" -m venv "$VENV" >/dev/null 2>&1; then
        apt_install python3-venv
        rm -rf "$VENV"
        "$base" -m venv "$VENV"
    fi
    {
        "$VENV/bin/pip" install -q --upgrade pip
        "$VENV/bin/pip" install -q "${PACKAGES[@]}"
    } >"$plog" 2>&1 || { tail -n 20 "$plog" >&2; die "pip install failed, see $plog"; }
    venv_ok || die "the venv $VENV lacks one of ${PACKAGES[*]} (or the mlflow / uvicorn commands)"
    log "venv ready in $(printf '%.0f' "$(echo "$EPOCHREALTIME - $t0" | bc)") s"
}

# Sets MLV_SKIP to the reason the mlv rows can't run, or leaves it empty.
MLV_SKIP=""
ensure_mlv() {
    want mlv || return 0
    if [ ! -f "$MLV" ] || [ ! -x "$MLV" ]; then
        [ -z "${MLV_BIN:-}" ] || die "MLV_BIN=$MLV_BIN is not an executable file"
        MLV_SKIP="no mlv binary at $MLV (build it: cd $repo && swift build -c release)"
        log "mlv binary not found: $MLV. The mlv rows are SKIPPED. Build it first (not done here, so it"
        log "can't race another build in this checkout):  (cd $repo && swift build -c release)"
        log "or name a binary: MLV_BIN=/path/to/mlv $0"
        return 0
    fi
    MLV=$(cd "$(dirname "$MLV")" && pwd)/$(basename "$MLV")
    # an mlv without the commands prints its top-level help and exits 0
    if ! { "$MLV" serve --help 2>&1 || true; } | grep -q -- '--port' ||
        ! { "$MLV" model add --help 2>&1 || true; } | grep -q 'model add'; then
        MLV_SKIP="$MLV has no 'serve' or 'model' command (rebuild: cd $repo && swift build -c release)"
        log "$MLV_SKIP: the mlv rows are SKIPPED"
    fi
}

ensure_apt
ensure_venv
ensure_mlv
export PATH="$VENV/bin:$PATH" VIRTUAL_ENV="$VENV"
# No network here: keep MLflow's usage telemetry from trying to send anything.
export MLFLOW_DISABLE_TELEMETRY=true DO_NOT_TRACK=true

M=$W/models
R=$W/run
LOGS=$R/logs
ROWS_TSV=$R/rows.tsv
rm -rf "$R"
mkdir -p "$M" "$LOGS" "$R/wrk"
: >"$ROWS_TSV"
RC=0

# ---------------------------------------------------------------- 2 models
versions=$("$PY" -c "
import importlib.metadata as md
print(' '.join(p + '=' + md.version(p) for p in '${PACKAGES[*]}'.split()))")
stamp="seed=$SEED $versions gen=$(cat "$here/serve_models.py" "$here/serve_fastapi_app.py" | cksum | cut -d' ' -f1)"
if [ -f "$M/stamp" ] && [ "$(cat "$M/stamp")" = "$stamp" ] && [ -f "$M/expected.json" ]; then
    log "reusing the models in $M"
else
    log "training the models into $M (seed $SEED)"
    rm -f "$M/stamp"
    PYTHONWARNINGS=ignore "$PY" "$here/serve_models.py" "$M" --seed "$SEED" 2>"$LOGS/serve_models.log" ||
        { tail -n 20 "$LOGS/serve_models.log" >&2; die "serve_models.py failed (log $LOGS/serve_models.log)"; }
    grep -E '^(lr|rf): ' "$LOGS/serve_models.log" | sed 's/^/    /' >&2 || true
    echo "$stamp" >"$M/stamp"
fi

# ---------------------------------------------------------------- 3 mlv repository
MLV_REPO=$R/mlv-repo
MLV_VERSION=""
if want mlv && [ -z "$MLV_SKIP" ]; then
    MLV_VERSION=$("$MLV" --version 2>/dev/null | head -n 1 || true)
    log "mlv repository $MLV_REPO: git init, mlv init, mlv model add lr/rf"
    mkdir -p "$MLV_REPO/models"
    # the model dirs are copied into the repository (mlv model add also reads directories outside it)
    if ! (
        cd "$MLV_REPO" &&
            set -x &&
            git init -q &&
            git config user.email bench@example.invalid &&
            git config user.name serve-bench &&
            "$MLV" init &&
            cp -R "$M/lr/mlv" models/lr &&
            cp -R "$M/rf/mlv" models/rf &&
            "$MLV" model add lr models/lr &&
            "$MLV" model add rf models/rf &&
            git add -A &&
            git commit -q -m "serve-bench: models lr and rf"
    ) >"$LOGS/mlv-setup.log" 2>&1; then
        MLV_SKIP="mlv set-up failed: $(grep -v '^+' "$LOGS/mlv-setup.log" | tail -n 1 | cut -c1-120) (log $LOGS/mlv-setup.log)"
        log "$MLV_SKIP"
        sed -n '1,30p' "$LOGS/mlv-setup.log" | sed 's/^/    /' >&2
        RC=2
    fi
fi

# ---------------------------------------------------------------- 4 runs
running() { # PID: true while the process exists and is not a zombie
    local s
    s=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
    [[ $s != Z* ]]
}

# rec scenario server variant status wrk_file ready_s check stop_note note
rec() { printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$ROWS_TSV"; }

# stop_server PID MODE: MODE "group" sends SIGTERM to the whole process group, "main" only to PID
# (what a supervisor does; the server must take its workers down itself). Waits up to STOP_TIMEOUT s
# for PID and then for every process of its group to exit, then kills what is left. Sets STOP_NOTE
# ("exited ..." or "bad: ...").
stop_server() {
    local pid=$1 mode=$2 t0=$EPOCHREALTIME i main="" left
    if [ "$mode" = group ]; then kill -TERM -- "-$pid" 2>/dev/null || true; else kill -TERM "$pid" 2>/dev/null || true; fi
    for ((i = 0; i < STOP_TIMEOUT * 10; i++)); do
        if [ -z "$main" ] && ! running "$pid"; then
            main=$(printf '%.1f' "$(echo "$EPOCHREALTIME - $t0" | bc)")
            wait "$pid" 2>/dev/null || true
        fi
        [ -n "$main" ] && ! pgrep -g "$pid" >/dev/null 2>&1 && break
        sleep 0.1
    done
    left=$(pgrep -g "$pid" 2>/dev/null | wc -l || true)
    if [ -z "$main" ]; then
        STOP_NOTE="bad: still running $STOP_TIMEOUT s after SIGTERM, killed"
    elif ((left > 0)); then
        STOP_NOTE="bad: exited $main s after SIGTERM, but $left process(es) of its group still ran $STOP_TIMEOUT s after SIGTERM, killed"
    else
        STOP_NOTE="exited $main s after SIGTERM, group gone after $(printf '%.1f' "$(echo "$EPOCHREALTIME - $t0" | bc)") s"
    fi
    kill -KILL -- "-$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    CUR_PGID=""
    log "  $STOP_NOTE"
}

# children_cpu FILE: CPU seconds (user + system) of this shell's reaped children so far, from `times`
# (which must run in this shell, not in a $(...) subshell)
children_cpu() {
    times >"$1.times"
    awk 'NR == 2 {
        n = 0
        for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); n += a[1] * 60 + a[2] }
        printf "%.3f\n", n }' "$1.times"
}

# wrk_run BODY SECONDS OUT [--latency]: wrk's output goes to OUT and its CPU seconds to OUT.cpu. It
# runs in the background so that a signal to this script is handled at once.
WRK_PID=""
wrk_run() {
    local body=$1 secs=$2 out=$3 rc=0
    shift 3
    children_cpu "$out" >"$out.cpu0"
    SERVE_BODY_FILE=$body wrk -t"$THREADS" -c"$CONNECTIONS" -d"${secs}s" "$@" -s "$here/serve_post.lua" "$BASE/invocations" >"$out" 2>&1 &
    WRK_PID=$!
    wait "$WRK_PID" || rc=$?
    WRK_PID=""
    children_cpu "$out" >"$out.cpu1"
    paste "$out.cpu1" "$out.cpu0" | awk '{printf "%.3f\n", $1 - $2}' >"$out.cpu"
    rm -f "$out.cpu0" "$out.cpu1" "$out.times"
    return "$rc"
}

# run_case SCENARIO SERVER VARIANT DIR STOP_MODE CMD...: @PORT@ in CMD is replaced by a free port
run_case() {
    local scen=$1 server=$2 variant=$3 dir=$4 mode=$5
    shift 5
    local model=${SCEN_MODEL[$scen]} rows=${SCEN_ROWS[$scen]} tag port args=() a pid ready check wrkout rc c0 c1 others note=""
    local body=$M/body-$rows.json
    tag=$scen-$server
    [[ $server != mlflow || $variant != *signature* ]] || tag+=-sig
    [[ $server != fastapi || ! $variant =~ --workers\ ([0-9]+) ]] || tag+=-w${BASH_REMATCH[1]}
    wrkout=$R/wrk/$tag.txt
    port=$("$PY" "$here/serve_probe.py" port)
    for a in "$@"; do args+=("${a//@PORT@/$port}"); done
    BASE=http://127.0.0.1:$port
    log "$scen: $variant on port $port"
    printf '$ (cd %s && %s)\n' "$dir" "${args[*]}" >"$LOGS/$tag.log"
    (cd "$dir" && exec setsid "${args[@]}") >>"$LOGS/$tag.log" 2>&1 </dev/null &
    pid=$!
    CUR_PGID=$pid
    local ready_paths=()
    [ "$server" != mlv ] || ready_paths=(/ready) # mlv: /ping is liveness, /ready says the workers are up
    if ! ready=$("$PY" "$here/serve_probe.py" wait "$BASE" "$READY_TIMEOUT" "$pid" "${ready_paths[@]}" 2>"$R/wait.err"); then
        local why="no 200 from GET /ping${ready_paths[*]:+ and ${ready_paths[*]}} within $READY_TIMEOUT s"
        grep -q exited "$R/wait.err" && why="exited before answering GET /ping"
        log "  $why; the end of its log ($LOGS/$tag.log):"
        tail -n 15 "$LOGS/$tag.log" | cut -c1-200 | sed 's/^/    /' >&2
        stop_server "$pid" group
        rec "$scen" "$server" "$variant" error "" "" "" "$STOP_NOTE" "$why (log $LOGS/$tag.log)${note:+; $note}"
        RC=2
        return 0
    fi
    log "  ready in $ready s"
    if check=$("$PY" "$here/serve_probe.py" check "$BASE" "$body" "$M/expected.json" "$model" "$rows" 2>&1); then
        check="ok: $check"
    else
        check="bad: $check"
        RC=2
    fi
    log "  answer check: $check"
    if ((WARMUP > 0)); then
        wrk_run "$body" "$WARMUP" "$LOGS/$tag.warmup.txt" || true
    fi
    rc=0
    c0=$("$PY" "$here/serve_probe.py" cpu "$pid")
    wrk_run "$body" "$DURATION" "$wrkout" --latency || rc=$?
    c1=$("$PY" "$here/serve_probe.py" cpu "$pid")
    # CPU used by processes other than this server and wrk during the run, in % of the machine
    others=$(echo "$c0 $c1 $(cat "$wrkout.cpu" 2>/dev/null || echo 0)" | awk -v n="$(nproc)" -v d="$DURATION" \
        '{o = ($3 - $1) - ($4 - $2) - $5; if (o < 0) o = 0; printf "%.0f\n", 100 * o / (n * d)}')
    printf 'cpu %s -> %s, wrk %s: others %s %%\n' "$c0" "$c1" "$(cat "$wrkout.cpu" 2>/dev/null)" "$others" >>"$LOGS/$tag.log"
    if ((others > BUSY_LIMIT)); then
        note="machine busy: other processes used $others % of the CPU during the run"
        log "  WARNING: $note"
    fi
    if ((rc)) || ! grep -q '^Requests/sec:' "$wrkout"; then
        log "  wrk exited $rc:"
        sed -n '1,15p' "$wrkout" | sed 's/^/    /' >&2
        stop_server "$pid" "$mode"
        rec "$scen" "$server" "$variant" error "" "$ready" "$check" "$STOP_NOTE" "wrk exited $rc (output $wrkout)${note:+; $note}"
        RC=2
        return 0
    fi
    log "  $(grep '^Requests/sec:' "$wrkout" | tr -s ' '), p99 $(awk '$1 == "99%" {print $2}' "$wrkout")$(grep -E 'Non-2xx|Socket errors' "$wrkout" | tr -s ' ' | sed 's/^/,/' | tr -d '\n' || true)"
    stop_server "$pid" "$mode"
    [[ $STOP_NOTE != bad:* ]] || RC=2
    rec "$scen" "$server" "$variant" ok "$wrkout" "$ready" "$check" "$STOP_NOTE" "$note"
}

log "load average before the runs: $(cut -d' ' -f1-3 /proc/loadavg) (a build running now would skew every figure)"
compilers=""
for n in swift-build swift-frontend swiftc cc1 cc1plus ld; do
    if pgrep -x "$n" >/dev/null 2>&1; then compilers+=" $n"; fi
done
[ -z "$compilers" ] || log "WARNING: a build is running (${compilers# }): the figures will be low and noisy"
for scen in $SCENARIOS; do
    model=${SCEN_MODEL[$scen]}
    for server in $SERVERS; do
        case $server in
        mlflow)
            for sig in $MLFLOW_SIGNATURE; do
                v="mlflow models serve"
                [ -z "$MLFLOW_WORKERS" ] || v+=" --workers $MLFLOW_WORKERS"
                dir=$M/$model/mlflow
                if ((sig)); then v+=" (model with signature)" dir+=-signature; fi
                run_case "$scen" mlflow "$v" "$M" group \
                    mlflow models serve -m "$dir" --env-manager local -p @PORT@ -h 127.0.0.1 \
                    ${MLFLOW_WORKERS:+--workers "$MLFLOW_WORKERS"}
            done
            ;;
        fastapi)
            for n in $FASTAPI_WORKERS; do
                v="FastAPI, uvicorn --workers $n" nd=0
                if ((n > 1 && FASTAPI_NODELAY_FIX)); then v+=" (+TCP_NODELAY fix)" nd=1; fi
                run_case "$scen" fastapi "$v" "$M/$model/fastapi" group \
                    env FASTAPI_TCP_NODELAY=$nd uvicorn app:app --host 127.0.0.1 --port @PORT@ --workers "$n"
            done
            ;;
        mlv)
            v="mlv serve --workers $MLV_WORKERS${MLV_SERVE_ARGS:+ $MLV_SERVE_ARGS}"
            if [ -n "$MLV_SKIP" ]; then
                rec "$scen" mlv "$v" skipped "" "" "" "" "$MLV_SKIP"
                continue
            fi
            # shellcheck disable=SC2086 # MLV_SERVE_ARGS is split on purpose
            run_case "$scen" mlv "$v" "$MLV_REPO" main \
                env MLV_PYTHON="$VENV/bin/python" "$MLV" serve "$model" --port @PORT@ --workers "$MLV_WORKERS" $MLV_SERVE_ARGS
            ;;
        esac
    done
done

# ---------------------------------------------------------------- 5 report
pyv() { "$PY" -c "import importlib.metadata as md; print(md.version('$1'))"; }
export SB_DURATION=$DURATION SB_WARMUP=$WARMUP SB_THREADS=$THREADS SB_CONNECTIONS=$CONNECTIONS
export SB_SCENARIOS=$SCENARIOS SB_SERVERS=$SERVERS SB_FASTAPI_WORKERS=$FASTAPI_WORKERS
SB_FASTAPI_VERSION=$(pyv fastapi)
SB_UVICORN_VERSION=$(pyv uvicorn)
SB_WRK_VERSION=$({ wrk -v 2>&1 || true; } | head -n 1 | cut -d' ' -f1-2)
SB_MACHINE="$(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), load average $(cut -d' ' -f1-3 /proc/loadavg) at the end"
export SB_FASTAPI_VERSION SB_UVICORN_VERSION SB_WRK_VERSION SB_MACHINE
mlflow_w="1 worker, the default"
[ -z "$MLFLOW_WORKERS" ] || mlflow_w="--workers $MLFLOW_WORKERS"
mlflow_sig="signature: $MLFLOW_SIGNATURE"
[ "$MLFLOW_SIGNATURE" != 0 ] || mlflow_sig="model without signature"
[ "$MLFLOW_SIGNATURE" != 1 ] || mlflow_sig="model with signature"
export SB_SERVERS_NOTE="mlflow models serve --env-manager local (uvicorn, $mlflow_w; $mlflow_sig); FastAPI app.py under uvicorn --workers {${FASTAPI_WORKERS// /,}} (pydantic body, def endpoint; TCP_NODELAY fix for N > 1: $FASTAPI_NODELAY_FIX); mlv serve --workers $MLV_WORKERS${MLV_SERVE_ARGS:+ $MLV_SERVE_ARGS} (its default batching)"
if ! want mlv; then
    SB_MLV_NOTE="not run (SERVERS=$SERVERS)"
elif [ -n "$MLV_SKIP" ]; then
    SB_MLV_NOTE="SKIPPED: $MLV_SKIP"
else
    SB_MLV_NOTE="$MLV (${MLV_VERSION:-version unknown}), MLV_PYTHON=$VENV/bin/python"
fi
export SB_MLV_NOTE
prc=0
"$PY" "$here/serve_report.py" "$ROWS_TSV" "$M/expected.json" "$W/results.json" >"$W/results.txt" || prc=$?
cat "$W/results.txt"
log "results: $W/results.txt, $W/results.json; logs and wrk output in $R"
if ((prc == 1)) || ((prc > 2)); then die "serve_report.py failed (exit $prc)"; fi
((prc == 0)) || RC=2
exit "$RC"
