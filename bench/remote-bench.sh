#!/usr/bin/env bash
# remote-bench.sh: mlv push/pull against DVC (dvc-s3) on the same local S3 server (moto), in one run.
#
#   bash bench/remote-bench.sh                              full size: 1 GiB file, 20,000 small files
#   SIZE_MB=64 SMALL_FILES=2000 bash bench/remote-bench.sh  quick run
#   TOOLS=dvc bash bench/remote-bench.sh                    DVC only (no mlv binary needed)
#
# One moto server (`python3 -m moto.server -H 127.0.0.1 -p PORT`) is started for the run and
# killed at the end; every tool pushes to it, each to its own fresh bucket (s3://BUCKET/store).
#
# Benchmarks (BENCHES):
#   raw    the server's ceiling: plain HTTP PUTs (no signing) of 1 MiB objects (MB/s) and of small objects
#          of the small files' mean size (objects/s) from RAW_THREADS threads over keep-alive
#          connections, then GETs of the same objects. Bounded: RAW_SECONDS per loop, RAW_MAX objects
#   big    1  a SIZE_MB MiB file of random bytes: `mlv add`/`dvc add` and commit (untimed), then
#             time `mlv push --json` and `dvc push`. Pull: a copy of the repository without the
#             object store, the cache and the data file (tar with excludes), then time
#             `mlv pull --json` / `dvc pull`; the pulled file is checked against its sha256
#          2  edits, each on top of the pushed original: `contig` overwrites one contiguous 1 % of
#             the file in the middle, `scatter` overwrites 1 % as 100 edits of size/10,000 bytes.
#             add + commit (untimed), time the push; bytes sent as % of the file. mlv's figure is
#             bytes_sent from its --json; DVC's is the growth of its bucket (list_objects_v2)
#   small  3  SMALL_FILES files of SMALL_MIN..SMALL_MAX bytes in 100 subdirectories, tracked as
#             one directory (`mlv add small`, `dvc add small`, untimed), then time the push. DVC
#             runs once per entry of DVC_SMALL_JOBS, each to a fresh bucket; the fastest is the
#             DVC reference and the table says which it was
# Every push is checked against the bucket: its growth (objects, bytes) is recorded, and a push
# that leaves less than the data in its bucket is flagged.
#
# Timing: wall time from EPOCHREALTIME around /usr/bin/time (peak RSS, user+sys CPU); `sync`
# before each timed step; the data and the tool's store are read once (page cache warm) before
# each push. Each timed row also shows the server's CPU use (moto is one Python process: near
# 100 % means the server was the bottleneck) and is marked "busy" when other processes used more
# than BUSY_LIMIT % of the machine during it.
#
# Environment:
#   MLV (or MLV_BIN)  mlv binary (default .build/release/mlv of this checkout). Nothing is built.
#                     When it is missing or has no `push`/`remote` command, the mlv rows are SKIPPED
#   MLV_BENCH_DIR     work dir (default /tmp/mlv-remote-bench). data/ is kept and reused; run/
#                     (repositories, logs, rows) is recreated. results.json, results.txt
#   DVC_VENV          virtualenv with DVC and dvc-s3 (default ~/.cache/mlv-bench/dvc-s3-venv;
#                     created with `pip install "dvc[s3]==DVC_VERSION"` when missing)
#   DVC_VERSION       DVC version to install into a new DVC_VENV (default 3.67.1)
#   SIZE_MB           size of the big file in MiB (default 1024)
#   SMALL_FILES       number of small files (default 20000)
#   SMALL_MIN/SMALL_MAX  small file sizes in bytes (default 1024/4096)
#   BENCHES           subset of "raw big small" (default all)
#   EDITS             subset of "contig scatter" for benchmark 2 (default both; empty: none)
#   PULL              1 (default): time the pulls of benchmark 1; 0: skip them
#   TOOLS             subset of "mlv dvc" (default both)
#   DVC_SMALL_JOBS    DVC configurations for the small files: "default" (DVC's own, 4 x cores)
#                     and/or job counts (default "default 16")
#   MLV_JOBS          passed as `mlv push --jobs` (default: unset, mlv's default)
#   PORT              moto's port (default: a free one)
#   RAW_THREADS / RAW_SECONDS / RAW_MAX  raw loop threads, seconds per loop, max objects (8 / 8 / 400)
#   BUSY_LIMIT        % of the machine's CPU that other processes may use during a timed row
#                     before it is marked busy (default 10)
#   SETTLE            seconds to wait after deleting the previous run's repositories (default 40;
#                     ext4 is slow to allocate inodes right after thousands were freed)
#   AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY  default test / test (moto accepts anything)
#
# Exit status: 0 normally, even when a target FAILs or the mlv rows are SKIPPED; 2 when a timed
# command failed, a pull produced wrong content, or a push left less than the data in its bucket
# (the tables are still printed); 1 if the set-up fails.
set -Eeuo pipefail
export LC_ALL=C DVC_NO_ANALYTICS=1 GIT_TERMINAL_PROMPT=0 PYTHONWARNINGS=ignore
export AWS_ACCESS_KEY_ID=${AWS_ACCESS_KEY_ID:-test} AWS_SECRET_ACCESS_KEY=${AWS_SECRET_ACCESS_KEY:-test}
export AWS_DEFAULT_REGION=${AWS_DEFAULT_REGION:-us-east-1}
export NO_PROXY=127.0.0.1,localhost${NO_PROXY:+,$NO_PROXY} no_proxy=127.0.0.1,localhost${no_proxy:+,$no_proxy}

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
MLV=${MLV:-${MLV_BIN:-$repo/.build/release/mlv}}
WORK=${MLV_BENCH_DIR:-/tmp/mlv-remote-bench}
DVC_VENV=${DVC_VENV:-$HOME/.cache/mlv-bench/dvc-s3-venv}
DVC_VERSION=${DVC_VERSION:-3.67.1}
SIZE_MB=${SIZE_MB:-1024}
SMALL_FILES=${SMALL_FILES:-20000}
SMALL_MIN=${SMALL_MIN:-1024}
SMALL_MAX=${SMALL_MAX:-4096}
BENCHES=${BENCHES:-raw big small}
EDITS=${EDITS-contig scatter}
PULL=${PULL:-1}
TOOLS=${TOOLS:-mlv dvc}
DVC_SMALL_JOBS=${DVC_SMALL_JOBS:-default 16}
MLV_JOBS=${MLV_JOBS:-}
PORT=${PORT:-}
RAW_THREADS=${RAW_THREADS:-8}
RAW_SECONDS=${RAW_SECONDS:-8}
RAW_MAX=${RAW_MAX:-400}
BUSY_LIMIT=${BUSY_LIMIT:-10}
SETTLE=${SETTLE:-40}

log() { printf '[remote-bench %s] %s\n' "$(date +%T)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
posint() { [[ $2 =~ ^[1-9][0-9]*$ ]] || die "$1 must be a positive integer (got '$2')"; }
has() { [[ " $1 " == *" $2 "* ]]; }
trap 'rc=$?; log "ERROR: exit $rc at line $LINENO: $BASH_COMMAND"' ERR

posint SIZE_MB "$SIZE_MB"
posint SMALL_FILES "$SMALL_FILES"
posint SMALL_MIN "$SMALL_MIN"
posint SMALL_MAX "$SMALL_MAX"
posint RAW_THREADS "$RAW_THREADS"
posint RAW_SECONDS "$RAW_SECONDS"
posint RAW_MAX "$RAW_MAX"
posint BUSY_LIMIT "$BUSY_LIMIT"
[[ $SETTLE =~ ^[0-9]+$ ]] || die "SETTLE must be a non-negative integer"
((SMALL_MIN <= SMALL_MAX)) || die "SMALL_MIN must not exceed SMALL_MAX"
[[ $PULL =~ ^[01]$ ]] || die "PULL must be 0 or 1"
[ -z "$MLV_JOBS" ] || posint MLV_JOBS "$MLV_JOBS"
[ -z "$PORT" ] || posint PORT "$PORT"
for b in $BENCHES; do has "raw big small" "$b" || die "unknown benchmark '$b' (raw big small)"; done
for e in $EDITS; do has "contig scatter" "$e" || die "unknown edit '$e' (contig scatter)"; done
for t in $TOOLS; do has "mlv dvc" "$t" || die "unknown tool '$t' (mlv dvc)"; done
for j in $DVC_SMALL_JOBS; do [ "$j" = default ] || posint DVC_SMALL_JOBS "$j"; done
[ -n "$DVC_SMALL_JOBS" ] || die "DVC_SMALL_JOBS must not be empty"

mkdir -p "$WORK"
W=$(cd "$WORK" && pwd)
# Two runs on one work dir would delete each other's run/ (and two benchmarks at once measure nothing).
exec 9>"$W/.lock"
flock -n 9 || die "another remote-bench.sh is using $W (its lock $W/.lock is held); wait for it or set MLV_BENCH_DIR"
SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo

# ---------------------------------------------------------------- set-up
ensure_apt() {
    local missing=()
    command -v git >/dev/null || missing+=(git)
    [ -x /usr/bin/time ] || missing+=(time)
    command -v bc >/dev/null || missing+=(bc)
    command -v sha256sum >/dev/null || missing+=(coreutils)
    command -v flock >/dev/null || missing+=(util-linux)
    ((${#missing[@]})) || return 0
    log "apt-get install ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    if ! $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1; then
        $SUDO apt-get update -qq >/dev/null
        $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
}

new_venv() { # path
    if ! python3 -m venv "$1" >/dev/null 2>&1; then
        export DEBIAN_FRONTEND=noninteractive
        $SUDO apt-get install -y -qq python3-venv >/dev/null 2>&1 ||
            { $SUDO apt-get update -qq >/dev/null && $SUDO apt-get install -y -qq python3-venv >/dev/null; }
        rm -rf "$1"
        python3 -m venv "$1"
    fi
}

# DVC with the S3 plugin, in its own venv (the store-bench venv is left alone).
ensure_dvc() {
    DVC=$DVC_VENV/bin/dvc
    # (output captured first: with pipefail, `dvc version | grep -q` fails when grep exits early)
    local v
    v=$("$DVC" version 2>/dev/null || true)
    if [ -x "$DVC" ] && [[ $v == *"s3 ("* ]]; then return 0; fi
    log "installing dvc[s3]==$DVC_VERSION into $DVC_VENV (a few minutes; log: $W/pip-dvc-s3.log)"
    mkdir -p "$(dirname "$DVC_VENV")"
    [ -x "$DVC_VENV/bin/pip" ] || new_venv "$DVC_VENV"
    {
        "$DVC_VENV/bin/pip" install -q --upgrade pip
        "$DVC_VENV/bin/pip" install -q "dvc[s3]==$DVC_VERSION" boto3 numpy
    } >"$W/pip-dvc-s3.log" 2>&1 || die "pip install dvc[s3] failed, see $W/pip-dvc-s3.log"
    v=$("$DVC" version 2>/dev/null || true)
    [[ $v == *"s3 ("* ]] || die "$DVC has no s3 support after the install"
}

# Python for moto's server, the helpers and the generator: the real interpreter behind python3
# (not a pyenv shim) when it has moto's server, boto3 and numpy; else the DVC venv, with
# moto[server] installed into it.
ensure_py() {
    local p
    p=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null || true)
    if [ -n "$p" ] && "$p" -c 'import moto.server, boto3, numpy' >/dev/null 2>&1; then
        PY=$p
        return 0
    fi
    PY=$DVC_VENV/bin/python
    if ! "$PY" -c 'import moto.server, boto3, numpy' >/dev/null 2>&1; then
        log "installing moto[server] into $DVC_VENV (python3 has no moto server)"
        "$DVC_VENV/bin/pip" install -q "moto[server]" boto3 numpy >>"$W/pip-dvc-s3.log" 2>&1 ||
            die "pip install moto[server] failed, see $W/pip-dvc-s3.log"
    fi
}

MLV_SKIP=""
ensure_mlv() {
    MLV_VERSION=""
    if ! has "$TOOLS" mlv; then
        MLV_SKIP="not run (TOOLS=$TOOLS)"
        return 0
    fi
    if [ ! -x "$MLV" ] || [ ! -f "$MLV" ]; then
        MLV_SKIP="no mlv binary at $MLV (build it with swift build -c release, or set MLV=path)"
    else
        MLV=$(cd "$(dirname "$MLV")" && pwd)/$(basename "$MLV")
        MLV_VERSION=$("$MLV" --version 2>/dev/null | head -n 1 || true)
        # (an unknown subcommand's --help prints the main help and exits 0)
        local hp hr
        hp=$("$MLV" push --help 2>&1 || true)
        hr=$("$MLV" remote --help 2>&1 || true)
        if [[ $hp != *"USAGE: mlv push"* ]] || [[ $hr != *"USAGE: mlv remote"* ]]; then
            MLV_SKIP="$MLV has no push/remote command yet"
        fi
    fi
    [ -z "$MLV_SKIP" ] || log "mlv rows SKIPPED: $MLV_SKIP"
}

ensure_apt
has "$TOOLS" dvc && ensure_dvc || DVC=${DVC:-}
ensure_py
ensure_mlv
RUN_TOOLS=()
for t in $TOOLS; do
    if [ "$t" = mlv ] && [ -n "$MLV_SKIP" ]; then continue; fi
    RUN_TOOLS+=("$t")
done

D=$W/data
RUN=$W/run
LOGS=$RUN/logs
ROWS=$RUN/rows.tsv
TIMEF=$RUN/time.out
if [ -d "$RUN" ]; then
    log "deleting the previous run's repositories, then waiting ${SETTLE}s (ext4 inode reuse)"
    mv "$RUN" "$W/run.old.$$"
    rm -rf "$W/run.old.$$"
    sync
    sleep "$SETTLE"
fi
mkdir -p "$LOGS"
: >"$ROWS"
RC=0

# ---------------------------------------------------------------- data
log "data in $D (SIZE_MB=$SIZE_MB, SMALL_FILES=$SMALL_FILES of $SMALL_MIN-$SMALL_MAX bytes)"
avail_kb=$(df -Pk "$W" | awk 'NR==2{print $4}')
need_kb=$((SIZE_MB * 1024 * 14 + SMALL_FILES * 8 * 6))
((avail_kb > need_kb)) || log "WARNING: only $((avail_kb / 1024)) MiB free in $W, about $((need_kb / 1024)) MiB needed"
"$PY" "$here/remote_gen.py" "$D" "$SIZE_MB" "$SMALL_FILES" "$SMALL_MIN" "$SMALL_MAX"
sha_of() { "$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["sha256"][sys.argv[2]])' "$D/manifest.json" "$1"; }
SIZE=$((SIZE_MB * 1024 * 1024))

# ---------------------------------------------------------------- moto
MOTO_PID=""
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
    [ -n "$MOTO_PID" ] || return 0
    kill -TERM -- "-$MOTO_PID" 2>/dev/null || kill -TERM "$MOTO_PID" 2>/dev/null || true
    for _ in 1 2 3 4 5 6 7 8 9 10; do
        kill -0 "$MOTO_PID" 2>/dev/null || break
        sleep 0.3
    done
    kill -KILL -- "-$MOTO_PID" 2>/dev/null || true
    MOTO_PID=""
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT
trap 'log "terminated"; exit 143' TERM

[ -n "$PORT" ] || PORT=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
EP=http://127.0.0.1:$PORT
MOTO_VERSION=$("$PY" -c 'import moto; print(moto.__version__)')
log "starting moto $MOTO_VERSION on $EP (log: $LOGS/moto.log)"
# its own process group (setsid), so that cleanup can end it with everything it started
# (fd 9, the run lock, is not passed on: the lock goes when this script does)
setsid "$PY" -m moto.server -H 127.0.0.1 -p "$PORT" >"$LOGS/moto.log" 2>&1 9>&- &
MOTO_PID=$!
"$PY" "$here/remote_s3.py" wait "$EP" 60 "$MOTO_PID" || { tail -n 20 "$LOGS/moto.log" >&2; die "moto did not start"; }
s3py() { "$PY" "$here/remote_s3.py" "$@"; }

# ---------------------------------------------------------------- helpers
NCPU=$(nproc)
# rec KEY BENCH TOOL WHAT STATUS SECS RSS XFER_BYTES XFER_OBJECTS PRESENT_OBJECTS BUCKET_BYTES BUCKET_OBJECTS MOTO_CPU_PCT BUSY_PCT NOTE
rec() {
    local IFS=$'\t'
    printf '%s\n' "$*" >>"$ROWS"
}

# measure KEY cmd...: run cmd in cwd (stdout to logs/KEY.out, stderr to logs/KEY.log). Sets M_SECS,
# M_RSS (KiB), M_MOTO (server CPU, % of one core), M_BUSY (% of the machine used by others), M_ERR.
measure() {
    local key=$1 rc=0 t0 t1 c0 c1 cpu
    shift
    sync
    printf '$ %s\n' "$*" >"$LOGS/$key.log"
    c0=$(s3py cpu "$MOTO_PID")
    t0=$EPOCHREALTIME
    /usr/bin/time -f '%e %M %U %S' -o "$TIMEF" "$@" >"$LOGS/$key.out" 2>>"$LOGS/$key.log" || rc=$?
    t1=$EPOCHREALTIME
    c1=$(s3py cpu "$MOTO_PID")
    M_SECS=$(printf '%.3f' "$(echo "$t1 - $t0" | bc)")
    read -r _ M_RSS u s < <(tail -n 1 "$TIMEF")
    cpu=$(echo "$u + $s" | bc)
    read -r M_MOTO M_BUSY < <(echo "$c0 $c1 $cpu $M_SECS $NCPU" | awk '{
        moto = $4 - $2; others = ($3 - $1) - moto - $5; if (others < 0) others = 0
        printf "%.0f %.0f\n", 100 * moto / $6, 100 * others / ($7 * $6) }')
    M_ERR=""
    if ((rc)); then
        M_ERR="exit $rc: $(grep -v '^Command exited' "$LOGS/$key.log" | tail -n 1 | tr '\t' ' ' | cut -c1-160)"
        log "FAILED ($M_ERR): $* (in $PWD; logs $LOGS/$key.{out,log})"
        tail -n 5 "$LOGS/$key.log" | sed 's/^/    /' >&2
        return "$rc"
    fi
    if ((M_BUSY > BUSY_LIMIT)); then log "  WARNING: machine busy: other processes used $M_BUSY % of the CPU during $key"; fi
    return 0
}

busy_note() { ((M_BUSY > BUSY_LIMIT)) && echo "machine busy ($M_BUSY % other CPU)" || true; }

new_repo() {
    rm -rf "$1"
    mkdir -p "$1"
    cd "$1"
    git init -q -b main .
    git config user.name mlv-bench
    git config user.email mlv-bench@example.invalid
    git config commit.gpgsign false
}

commit_all() {
    git add -A >>"$LOGS/git.log" 2>&1
    git commit -qm "$1" >>"$LOGS/git.log" 2>&1
}

# tool_init TOOL BUCKET NAME: init the tool in cwd and point its remote "bench" at s3://BUCKET/store
tool_init() {
    local t=$1 bucket=$2 name=$3 lf=$LOGS/init-$3.log
    s3py mkbucket "$EP" "$bucket"
    case $t in
    mlv)
        "$MLV" init >>"$lf" 2>&1
        if ! git check-ignore -q .mlv/objects/x; then
            log "WARNING: mlv init did not make git ignore .mlv/objects; adding it to .git/info/exclude"
            echo "/.mlv/objects/" >>.git/info/exclude
        fi
        "$MLV" remote add bench "s3://$bucket/store" --endpoint "$EP" --region "$AWS_DEFAULT_REGION" --default >>"$lf" 2>&1
        ;;
    dvc)
        "$DVC" init -q >>"$lf" 2>&1
        "$DVC" config --local core.site_cache_dir "$RUN/dvc-site/$name" >>"$lf" 2>&1
        "$DVC" remote add -d bench "s3://$bucket/store" >>"$lf" 2>&1
        "$DVC" remote modify bench endpointurl "$EP" >>"$lf" 2>&1
        "$DVC" remote modify bench region "$AWS_DEFAULT_REGION" >>"$lf" 2>&1
        ;;
    esac
    commit_all "$t init"
}

tool_add() { # tool path key: untimed add
    case $1 in
    mlv) "$MLV" add "$2" >>"$LOGS/$3.log" 2>&1 ;;
    dvc) "$DVC" add -q "$2" >>"$LOGS/$3.log" 2>&1 ;;
    esac
}

store_of() { case $1 in mlv) echo .mlv/objects ;; dvc) echo .dvc/cache ;; esac; }
warm() { find "$@" -type f -print0 2>/dev/null | xargs -0 -r cat >/dev/null; }
usage_of() { s3py usage "$EP" "$1" store; } # -> {"objects": N, "bytes": B}
jget() { "$PY" -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }

# timed_push KEY BENCH TOOL WHAT BUCKET DATA_BYTES DATA_OBJECTS cmd...: push in cwd, recorded with
# the bucket's growth. XFER is mlv's bytes_sent/objects_sent (its --json), DVC's bucket growth.
timed_push() {
    local key=$1 bench=$2 t=$3 what=$4 bucket=$5 data_bytes=$6 data_objs=$7 u0 u1 db dobj xb xo pres="" ms note=""
    shift 7
    u0=$(usage_of "$bucket")
    if ! measure "$key" "$@"; then
        rec "$key" "$bench" "$t" "$what" error "$M_SECS" "" "" "" "" "" "" "$M_MOTO" "$M_BUSY" "$M_ERR"
        RC=2
        return 1
    fi
    u1=$(usage_of "$bucket")
    db=$(($(jget "$u1" bytes) - $(jget "$u0" bytes)))
    dobj=$(($(jget "$u1" objects) - $(jget "$u0" objects)))
    xb=$db xo=$dobj
    if [ "$t" = mlv ]; then
        local f
        if f=$(s3py field "$LOGS/$key.out" bytes_sent objects_sent objects_present seconds); then
            IFS=$'\t' read -r xb xo pres ms <<<"$f"
            note="mlv --json: ${ms:-?} s"
        else
            note="no JSON object on mlv's stdout; bytes from the bucket's growth"
            xb=$db xo=$dobj
            log "  WARNING: $key: $note"
        fi
    fi
    # the push must have put at least the data into the bucket (total across pushes for edits);
    # mlv packs small objects, so only its bytes (not its key count) can be checked this way
    local min_objs=$data_objs
    [ "$t" = mlv ] && min_objs=1
    if ((db < data_bytes)) || ((dobj < min_objs)); then
        note+="${note:+; }bucket grew by only $db bytes / $dobj objects (expected >= $data_bytes / $data_objs)"
        log "  WARNING: $key: bucket $bucket grew by only $db bytes, $dobj objects"
        RC=2
    fi
    local b
    b=$(busy_note)
    note+="${b:+${note:+; }$b}"
    rec "$key" "$bench" "$t" "$what" ok "$M_SECS" "$M_RSS" "$xb" "$xo" "$pres" "$db" "$dobj" "$M_MOTO" "$M_BUSY" "$note"
    log "  $key: $M_SECS s, sent ${xb:-?} bytes in ${xo:-?} objects (bucket +$db bytes, +$dobj objects), server CPU $M_MOTO %"
}

MLV_JOBS_ARGS=()
[ -z "$MLV_JOBS" ] || MLV_JOBS_ARGS=(--jobs "$MLV_JOBS")

guarded() { # run a step in a subshell; a failure is logged and the run goes on
    local rc
    set +e
    (
        set -e
        "$@"
    )
    rc=$?
    set -e
    ((rc == 0)) || { log "$* stopped after a failure (exit $rc)"; RC=2; }
    cd "$RUN"
    return 0
}
broken() { [ -e "$RUN/broken-$1" ]; }

log "load average before the runs: $(cut -d' ' -f1-3 /proc/loadavg) (a build running now would skew every figure)"
compilers=""
for n in swift-build swift-frontend swiftc cc1 cc1plus ld clang; do
    if pgrep -x "$n" >/dev/null 2>&1; then compilers+=" $n"; fi
done
[ -z "$compilers" ] || log "WARNING: a build is running (${compilers# }): the figures will be low and noisy"

# ---------------------------------------------------------------- raw: the server's ceiling
if has "$BENCHES" raw; then
    s3py mkbucket "$EP" raw
    small_avg=$(((SMALL_MIN + SMALL_MAX) / 2))
    for sz in 1048576 "$small_avg"; do
        max=$RAW_MAX
        ((sz >= 1048576)) || max=$((RAW_MAX * 25))
        log "=== raw: $RAW_THREADS threads, PUT then GET of $sz-byte objects (at most $max objects, ${RAW_SECONDS}s each)"
        c0=$(s3py cpu "$MOTO_PID")
        if out=$(s3py raw "$EP" raw "$sz" "$RAW_THREADS" "$max" "$RAW_SECONDS" 2>>"$LOGS/raw.log"); then
            c1=$(s3py cpu "$MOTO_PID")
            echo "$out" >>"$LOGS/raw.log"
            read -r put_s put_n get_s get_n errs < <("$PY" -c '
import json, sys
r = json.loads(sys.argv[1])
print(r["put"]["seconds"], r["put"]["objects"], r["get"]["seconds"], r["get"]["objects"], r["errors"])' "$out")
            moto=$(echo "$c0 $c1 $put_s $get_s" | awk '{printf "%.0f", 100 * ($4 - $2) / ($5 + $6)}')
            note="$RAW_THREADS threads"
            ((errs == 0)) || note+="; $errs failed requests"
            rec "raw.put.$sz" raw moto "raw PUT, $sz-byte objects" ok "$put_s" "" "$((put_n * sz))" "$put_n" "" "" "" "$moto" "" "$note"
            rec "raw.get.$sz" raw moto "raw GET, $sz-byte objects" ok "$get_s" "" "$((get_n * sz))" "$get_n" "" "" "" "$moto" "" "$note"
            log "  $out"
        else
            rec "raw.put.$sz" raw moto "raw PUT, $sz-byte objects" error "" "" "" "" "" "" "" "" "" "see $LOGS/raw.log"
            RC=2
        fi
    done
fi

# ---------------------------------------------------------------- 1+2: one big file
big_setup() {
    local t=$1
    new_repo "$RUN/big-$t"
    tool_init "$t" "$t-big" "big-$t" # commits: before the data is there
    cp "$D/big.bin" big.bin
    tool_add "$t" big.bin "add-big-$t"
    commit_all "v1"
    touch "$RUN/ok-$t"
}

big_push() {
    local t=$1 cmd
    cd "$RUN/big-$t"
    warm big.bin "$(store_of "$t")"
    case $t in
    mlv) cmd=("$MLV" push --json "${MLV_JOBS_ARGS[@]}") ;;
    dvc) cmd=("$DVC" push) ;;
    esac
    timed_push "b1.push.$t" big "$t" "push ${SIZE_MB} MiB file" "$t-big" "$SIZE" 1 "${cmd[@]}"
}

big_pull() {
    local t=$1
    local src=$RUN/big-$t dst=$RUN/big-$t-pull ex=() got want note="" xb xo b f cmd
    rm -rf "$dst"
    mkdir -p "$dst"
    case $t in
    mlv) ex=(--exclude=./.mlv/objects --exclude=./.mlv/cache) ;;
    dvc) ex=(--exclude=./.dvc/cache --exclude=./.dvc/tmp) ;;
    esac
    tar -C "$src" --anchored "${ex[@]}" --exclude=./big.bin -cf - . | tar -C "$dst" -xf -
    cd "$dst"
    [ ! -e big.bin ] || { log "big.bin was copied into $dst"; return 1; }
    [ "$t" != dvc ] || "$DVC" config --local core.site_cache_dir "$RUN/dvc-site/big-$t-pull" >>"$LOGS/init-big-$t.log" 2>&1
    case $t in
    mlv) cmd=("$MLV" pull --json "${MLV_JOBS_ARGS[@]}") ;;
    dvc) cmd=("$DVC" pull) ;;
    esac
    if ! measure "b1.pull.$t" "${cmd[@]}"; then
        rec "b1.pull.$t" big "$t" "pull ${SIZE_MB} MiB file into a fresh copy" error "$M_SECS" "" "" "" "" "" "" "$M_MOTO" "$M_BUSY" "$M_ERR"
        RC=2
        return 0
    fi
    want=$(sha_of big)
    got=$(sha256sum big.bin 2>/dev/null | cut -d' ' -f1) || got=missing
    if [ "$got" = "$want" ]; then note="sha256 ok"; else
        note="sha256 FAIL (got ${got:0:12}, want ${want:0:12})"
        log "  VERIFY FAILED: $t pull: $note"
        RC=2
    fi
    xb=$SIZE xo=""
    if [ "$t" = mlv ]; then
        if f=$(s3py field "$LOGS/b1.pull.$t.out" bytes_received objects_received); then
            IFS=$'\t' read -r xb xo <<<"$f"
        else
            note+="; no JSON object on mlv's stdout"
        fi
    fi
    b=$(busy_note)
    rec "b1.pull.$t" big "$t" "pull ${SIZE_MB} MiB file into a fresh copy" ok "$M_SECS" "$M_RSS" "$xb" "$xo" "" "" "" "$M_MOTO" "$M_BUSY" "$note${b:+; $b}"
    log "  b1.pull.$t: $M_SECS s, $note, server CPU $M_MOTO %"
}

big_edit() {
    local t=$1 v=$2 cmd
    cd "$RUN/big-$t"
    rm -f big.bin # never write through a link into a store
    cp "$D/big-$v.bin" big.bin
    tool_add "$t" big.bin "add-$v-$t"
    commit_all "$v"
    warm big.bin "$(store_of "$t")"
    case $t in
    mlv) cmd=("$MLV" push --json "${MLV_JOBS_ARGS[@]}") ;;
    dvc) cmd=("$DVC" push) ;;
    esac
    # the bucket must grow by something (the edited bytes at least)
    timed_push "b2.$v.$t" edit "$t" "push after the $v 1 % edit" "$t-big" "$((SIZE / 100))" 1 "${cmd[@]}"
}

step() { # name tool args...: skip tools whose set-up failed; mark a failed set-up
    local name=$1 t=$2
    broken "$t" && return 0
    log "=== $name: $t"
    guarded "$@"
}
mark_if_failed() { # tool: a failed setup (no commit made) marks the tool broken for the benchmark
    [ -f "$RUN/ok-$1" ] || touch "$RUN/broken-$1"
}

if has "$BENCHES" big; then
    for t in "${RUN_TOOLS[@]}"; do
        log "=== big: $t: set-up (copy, add + commit, untimed)"
        rm -f "$RUN/ok-$t"
        guarded big_setup "$t"
        mark_if_failed "$t"
    done
    # steps interleave the tools, so a machine that gets busier hurts both
    for t in "${RUN_TOOLS[@]}"; do step big_push "$t"; done
    if ((PULL)); then
        for t in "${RUN_TOOLS[@]}"; do step big_pull "$t"; done
    fi
    for v in $EDITS; do
        for t in "${RUN_TOOLS[@]}"; do step big_edit "$t" "$v"; done
    done
    rm -f "$RUN"/broken-* "$RUN"/ok-*
fi

# ---------------------------------------------------------------- 3: many small files
small_setup() {
    local t=$1
    new_repo "$RUN/small-$t"
    local b
    case $t in mlv) b=mlv-small ;; dvc) b=dvc-small-$(echo "$DVC_SMALL_JOBS" | awk '{print $1}') ;; esac
    tool_init "$t" "$b" "small-$t" # commits: before the data is there
    cp -r "$D/small" small
    tool_add "$t" small "add-small-$t"
    commit_all small
    touch "$RUN/ok-$t"
}

small_push() {
    local t=$1 j=${2:-} key what bucket cmd n
    n=$(echo "$SMALL_FILES" | sed ':a;s/\B[0-9]\{3\}\>/,&/;ta')
    cd "$RUN/small-$t"
    case $t in
    mlv)
        key=b3.push.mlv bucket=mlv-small
        what="push $n files${MLV_JOBS:+ (--jobs $MLV_JOBS)}"
        cmd=("$MLV" push --json "${MLV_JOBS_ARGS[@]}")
        ;;
    dvc)
        key=b3.push.dvc.$j bucket=dvc-small-$j
        s3py mkbucket "$EP" "$bucket"
        "$DVC" remote modify bench url "s3://$bucket/store" >>"$LOGS/init-small-dvc.log" 2>&1
        if [ "$j" = default ]; then
            what="push $n files (default jobs: 4 x $NCPU cores = $((4 * NCPU)))"
            cmd=("$DVC" push)
        else
            what="push $n files (-j $j)"
            cmd=("$DVC" push -j "$j")
        fi
        ;;
    esac
    warm small "$(store_of "$t")"
    timed_push "$key" small "$t" "$what" "$bucket" "$(s3py_small_bytes)" "$SMALL_FILES" "${cmd[@]}"
}
s3py_small_bytes() { "$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["small_bytes"])' "$D/manifest.json"; }

if has "$BENCHES" small; then
    for t in "${RUN_TOOLS[@]}"; do
        log "=== small: $t: set-up ($SMALL_FILES files: copy, add + commit, untimed)"
        rm -f "$RUN/ok-$t"
        guarded small_setup "$t"
        mark_if_failed "$t"
    done
    for t in "${RUN_TOOLS[@]}"; do
        if [ "$t" = dvc ]; then
            for j in $DVC_SMALL_JOBS; do step small_push dvc "$j"; done
        else
            step small_push "$t"
        fi
    done
    rm -f "$RUN"/broken-* "$RUN"/ok-*
fi

# ---------------------------------------------------------------- report
{
    echo "size_mb=$SIZE_MB"
    echo "size=$SIZE"
    echo "small_files=$SMALL_FILES"
    echo "small_min=$SMALL_MIN"
    echo "small_max=$SMALL_MAX"
    echo "small_bytes=$(s3py_small_bytes)"
    echo "benches=$BENCHES"
    echo "edits=$EDITS"
    echo "tools=$TOOLS"
    echo "mlv=${MLV}"
    echo "mlv_version=${MLV_VERSION:-}"
    echo "mlv_skip=$MLV_SKIP"
    echo "mlv_jobs=${MLV_JOBS:-default}"
    echo "dvc_version=$([ -n "$DVC" ] && "$DVC" --version 2>/dev/null || echo none)"
    echo "dvc_s3_version=$([ -n "$DVC" ] && "$DVC_VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("dvc-s3"))' 2>/dev/null || echo none)"
    echo "moto_version=$MOTO_VERSION"
    echo "endpoint=$EP"
    echo "raw_threads=$RAW_THREADS"
    echo "cores=$NCPU"
    echo "mem_gib=$(awk '/MemTotal/{printf "%.1f", $2/1048576}' /proc/meminfo)"
    echo "loadavg_end=$(cut -d' ' -f1-3 /proc/loadavg)"
    echo "build_running=${compilers# }"
    echo "kernel=$(uname -sr)"
    echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
} >"$RUN/meta.txt"

prc=0
"$PY" "$here/remote_report.py" "$ROWS" "$RUN/meta.txt" "$W/results.json" >"$W/results.txt" || prc=$?
cat "$W/results.txt"
log "results: $W/results.txt, $W/results.json; logs: $LOGS"
((prc == 0)) || die "remote_report.py failed (exit $prc)"
exit "$RC"
