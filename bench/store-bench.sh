#!/usr/bin/env bash
# store-bench.sh: time mlv against DVC and Git LFS on generated data.
#
# Cases (each in a fresh git repo; data copied in untimed; page cache warm):
#   1  add one big file (BIG_MB MiB, default 1 GiB); openssl sha256 and cp give the machine's limit
#   2  add an edited version of it (10 x 4 KiB overwrites + 1,000,000-byte insertion): time and store growth
#   3  switch the working copy between the two versions (checked by sha256 after every switch)
#   4  add SMALL_N small files (default 20,000), then `status` with nothing changed (hyperfine)
#
# Environment:
#   MLV_BIN          mlv binary to use (default: build with `swift build -c release` and use .build/release/mlv)
#   MLV_BENCH_DIR    work dir (default /tmp/mlv-bench); data/ is kept and reused, the rest is recreated
#   MLV_BENCH_VENV   virtualenv holding DVC (default ~/.cache/mlv-bench/venv)
#   BIG_MB           size of big.bin in MiB (default 1024)
#   SMALL_N          number of small files (default 20000)
#   RUNS             repetitions of every timed step, medians are reported (default 1)
#   HF_WARMUP/HF_RUNS  hyperfine warmup/runs for the status commands (default 2/10)
#   BENCH_TOOLS      subset of "mlv mlv-fsync dvc-copy dvc-hardlink lfs" (default: all)
#   MLV_STORE        mlv object store, relative to the repo (default .mlv/objects)
#
# Prints a table and the target ratios on stdout; progress goes to stderr.
# Writes $MLV_BENCH_DIR/results.json and results.txt. Exit status 3 if a version switch
# produced wrong content (the table is still printed).
set -euo pipefail
export LC_ALL=C
export DVC_NO_ANALYTICS=1 GIT_TERMINAL_PROMPT=0

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
W=${MLV_BENCH_DIR:-/tmp/mlv-bench}
VENV=${MLV_BENCH_VENV:-$HOME/.cache/mlv-bench/venv}
BIG_MB=${BIG_MB:-1024}
SMALL_N=${SMALL_N:-20000}
RUNS=${RUNS:-1}
HF_WARMUP=${HF_WARMUP:-2}
HF_RUNS=${HF_RUNS:-10}
BENCH_TOOLS=${BENCH_TOOLS:-mlv mlv-fsync dvc-copy dvc-hardlink lfs}
MLV_STORE=${MLV_STORE:-.mlv/objects}

log() { printf '[bench %s] %s\n' "$(date +%T)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
want() { [[ " $BENCH_TOOLS " == *" $1 "* ]]; }

[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer"
[[ $BIG_MB =~ ^[1-9][0-9]*$ ]] || die "BIG_MB must be a positive integer"
[[ $SMALL_N =~ ^[1-9][0-9]*$ ]] || die "SMALL_N must be a positive integer"

SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo

# ---------------------------------------------------------------- set-up
ensure_apt() {
    local missing=()
    command -v git >/dev/null || missing+=(git)
    command -v git-lfs >/dev/null || missing+=(git-lfs)
    command -v hyperfine >/dev/null || missing+=(hyperfine)
    [ -x /usr/bin/time ] || missing+=(time)
    command -v bc >/dev/null || missing+=(bc)
    command -v openssl >/dev/null || missing+=(openssl)
    command -v sha256sum >/dev/null || missing+=(coreutils)
    ((${#missing[@]})) || return 0
    log "apt-get install ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    if ! $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1; then
        $SUDO apt-get update -qq >/dev/null
        $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
}

ensure_dvc() {
    DVC=$VENV/bin/dvc
    if [ -x "$DVC" ] && "$DVC" --version >/dev/null 2>&1; then return 0; fi
    log "installing DVC into $VENV (takes a few minutes; log: $W/pip-dvc.log)"
    mkdir -p "$(dirname "$VENV")"
    if ! python3 -m venv "$VENV" >/dev/null 2>&1; then
        export DEBIAN_FRONTEND=noninteractive
        $SUDO apt-get install -y -qq python3-venv >/dev/null 2>&1 ||
            { $SUDO apt-get update -qq >/dev/null && $SUDO apt-get install -y -qq python3-venv >/dev/null; }
        rm -rf "$VENV"
        python3 -m venv "$VENV"
    fi
    {
        "$VENV/bin/pip" install -q --upgrade pip
        "$VENV/bin/pip" install -q dvc
    } >"$W/pip-dvc.log" 2>&1 || die "pip install dvc failed, see $W/pip-dvc.log"
    "$DVC" --version >/dev/null
}

# Python with numpy for the data generator: system python3 if it has numpy, else the venv.
ensure_py() {
    if python3 -c 'import numpy' >/dev/null 2>&1; then
        PY=python3
    else
        PY=$VENV/bin/python
        "$PY" -c 'import numpy' >/dev/null 2>&1 ||
            "$VENV/bin/pip" install -q numpy >>"$W/pip-dvc.log" 2>&1 || die "pip install numpy failed"
    fi
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
        log "mlv binary not found (${MLV_BIN:-unset}): mlv rows are SKIPPED"
        MLV_BIN=""
    fi
}

mkdir -p "$W"
ensure_apt
ensure_dvc
ensure_py
ensure_mlv

D=$W/data       # generated data, reused
RUN=$W/run      # everything else, recreated every run
LOGS=$RUN/logs
ROWS=$RUN/rows.tsv
TIMEF=$RUN/time.out
# A previous run's leftovers become the first run's trash (deleted, then a pause: see SETTLE).
if [ -d "$RUN" ]; then
    mv "$RUN" "$W/run.old.$$"
    mkdir -p "$RUN/trash"
    mv "$W/run.old.$$" "$RUN/trash/"
fi
mkdir -p "$RUN" "$LOGS"
: >"$ROWS"

# ---------------------------------------------------------------- data
log "data in $D (BIG_MB=$BIG_MB, SMALL_N=$SMALL_N)"
avail_kb=$(df -Pk "$W" | awk 'NR==2{print $4}')
need_kb=$(( (BIG_MB * 1024) * 6 + SMALL_N * 11 * 4 ))
((avail_kb > need_kb)) || log "WARNING: only $((avail_kb / 1024)) MiB free in $W, about $((need_kb / 1024)) MiB needed"
"$PY" "$here/gen_data.py" "$D" "$BIG_MB" "$SMALL_N"
read -r BIG_SHA EDIT_SHA BIG_SIZE < <("$PY" -c '
import json, sys
m = json.load(open(sys.argv[1]))
print(m["big_sha256"], m["edited_sha256"], m["big_size"])' "$D/manifest.json")

# ---------------------------------------------------------------- helpers
rec() { # key case tool what secs rss_kb extra
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$ROWS"
}

# measure LOGNAME cmd...: runs cmd in cwd under /usr/bin/time; sets M_SECS (wall, from
# EPOCHREALTIME, 3 decimals) and M_RSS (peak RSS KiB). Dirty pages are flushed first so
# write-back from an earlier step does not land in this one.
measure() {
    local lf=$LOGS/$1.log rc=0 t0 t1
    shift
    sync
    printf '\n$ %s\n' "$*" >>"$lf"
    t0=$EPOCHREALTIME
    /usr/bin/time -f '%e %M' -o "$TIMEF" "$@" >>"$lf" 2>&1 || rc=$?
    t1=$EPOCHREALTIME
    if ((rc)); then
        log "FAILED (exit $rc): $* (in $PWD; log $lf)"
        tail -n 5 "$lf" | sed 's/^/    /' >&2
        M_ERR="exit $rc: $(grep -v '^Command exited' "$lf" | tail -n 1 | tr '\t' ' ' | cut -c1-100)"
        return "$rc"
    fi
    M_SECS=$(printf '%.3f' "$(echo "$t1 - $t0" | bc)")
    M_RSS=$(tail -n 1 "$TIMEF" | awk '{print $2}')
}

# timed KEY CASE TOOL WHAT EXTRA -- cmd...: measure + record (error row on failure)
timed() {
    local key=$1 case=$2 tool=$3 what=$4 extra=$5
    shift 6
    if measure "$key" "$@"; then
        rec "$key" "$case" "$tool" "$what" "$M_SECS" "$M_RSS" "$extra"
    else
        local rc=$?
        rec "$key" "$case" "$tool" "$what" "" "" "error=$M_ERR"
        return "$rc"
    fi
}

new_repo() {
    rm -rf "$1"
    mkdir -p "$1"
    cd "$1"
    git init -q -b main .
    git config user.name mlv-bench
    git config user.email mlv-bench@example.invalid
    git config commit.gpgsign false
}

warm() { cat "$@" >/dev/null; }
warm_dir() { find "$1" -type f -print0 | xargs -0 cat >/dev/null; }
bytes() { if [ -e "$1" ]; then du -sb "$1" | cut -f1; else echo 0; fi; }

tool_label() {
    case $1 in
    mlv) echo mlv ;;
    mlv-fsync) echo "mlv (fsync)" ;;
    dvc-copy) echo "dvc (copy)" ;;
    dvc-hardlink) echo "dvc (hardlink)" ;;
    lfs) echo git-lfs ;;
    esac
}

store_dir() {
    case $1 in
    mlv*) if [ -d "$MLV_STORE" ]; then echo "$MLV_STORE"; else echo .mlv; fi ;;
    dvc*) echo .dvc/cache ;;
    lfs) echo .git/lfs/objects ;;
    esac
}

# set up the tool in the current repo (untimed). $2: lfs track pattern
tool_init() {
    local lf=$LOGS/init.log
    case $1 in
    mlv | mlv-fsync)
        "$MLV_BIN" init >>"$lf" 2>&1
        [ "$1" = mlv ] || "$MLV_BIN" config core.fsync true >>"$lf" 2>&1
        # guard: never let git swallow the object store
        if ! git check-ignore -q "$MLV_STORE/x"; then
            log "WARNING: mlv init did not make git ignore $MLV_STORE; adding it to .git/info/exclude"
            echo "/$MLV_STORE/" >>.git/info/exclude
        fi
        ;;
    dvc-copy | dvc-hardlink)
        "$DVC" init -q >>"$lf" 2>&1
        "$DVC" config --local core.site_cache_dir "$RUN/dvc-site/$(basename "$PWD")" >>"$lf" 2>&1
        [ "$1" = dvc-copy ] || "$DVC" config cache.type hardlink >>"$lf" 2>&1
        git add .dvc .dvcignore && git commit -qm "dvc init"
        ;;
    lfs)
        git lfs install --local >>"$lf" 2>&1
        git lfs track "$2" >>"$lf" 2>&1
        git add .gitattributes
        ;;
    esac
}

add_cmd() { # tool path msg -> command line words in ADD[@]
    case $1 in
    mlv*) ADD=("$MLV_BIN" add "$2") ;;
    dvc*) ADD=("$DVC" add -q "$2") ;;
    lfs) ADD=(bash -c 'git add "$1" && git commit -qm "$2"' _ "$2" "$3") ;;
    esac
}

commit_all() { # untimed commit for mlv/dvc repos
    git add -A >>"$LOGS/git.log" 2>&1
    git commit -qm "$1" >>"$LOGS/git.log" 2>&1
}

verify() { # expected-sha label -> prints ok|FAIL
    local got
    got=$(sha256sum big.bin 2>/dev/null | cut -d' ' -f1) || got=missing
    if [ "$got" = "$1" ]; then
        echo ok
    else
        log "VERIFY FAILED: $2: big.bin sha256 $got, expected $1"
        echo FAIL
    fi
}

# ---------------------------------------------------------------- cases 1-3: one big file
big_pipeline() { # tool run
    local t=$1 r=$2 label before after v
    label=$(tool_label "$t")
    new_repo "$RUN/big-$t"
    rm -f big.bin
    cp "$D/big.bin" big.bin
    if [ "$t" = lfs ]; then tool_init lfs '*.bin'; else tool_init "$t"; fi
    warm big.bin

    # case 1
    add_cmd "$t" big.bin v1
    local what="add big.bin"
    [ "$t" = lfs ] && what="git add + commit"
    [ "$t" = mlv-fsync ] && what="add big.bin, core.fsync=true"
    timed "c1.$t" 1 "$label" "$what" "store_bytes=__S__" -- "${ADD[@]}"
    sed -i "\$s/__S__/$(bytes "$(store_dir "$t")")/" "$ROWS"
    [ "$t" = mlv-fsync ] && { cd "$RUN"; discard "$RUN/big-$t"; return 0; }
    [ "$t" = lfs ] || commit_all v1

    # case 2
    before=$(bytes "$(store_dir "$t")")
    rm -f big.bin # never write through a (dvc hardlink) link into the store
    cp "$D/big-edited.bin" big.bin
    warm big.bin
    add_cmd "$t" big.bin v2
    timed "c2.$t" 2 "$label" "$what (edited)" "growth_bytes=__G__" -- "${ADD[@]}"
    after=$(bytes "$(store_dir "$t")")
    sed -i "\$s/__G__/$((after - before))/" "$ROWS"
    [ "$t" = lfs ] || commit_all v2

    # case 3
    case $t in
    mlv)
        timed "c3.$t.v1" 3 "$label" "checkout --rev HEAD~1 (v2->v1)" "" -- "$MLV_BIN" checkout --rev HEAD~1
        v=$(verify "$BIG_SHA" "mlv -> v1"); sed -i "\$s/\$/verify=$v/" "$ROWS"
        timed "c3.$t.v2" 3 "$label" "checkout --rev HEAD (v1->v2)" "" -- "$MLV_BIN" checkout --rev HEAD
        v=$(verify "$EDIT_SHA" "mlv -> v2"); sed -i "\$s/\$/verify=$v/" "$ROWS"
        ;;
    dvc-*)
        git checkout -q HEAD~1 -- big.bin.dvc
        timed "c3.$t.v1" 3 "$label" "checkout (v2->v1)" "" -- "$DVC" checkout -q
        v=$(verify "$BIG_SHA" "$t -> v1"); sed -i "\$s/\$/verify=$v/" "$ROWS"
        git checkout -q main -- big.bin.dvc
        timed "c3.$t.v2" 3 "$label" "checkout (v1->v2)" "" -- "$DVC" checkout -q
        v=$(verify "$EDIT_SHA" "$t -> v2"); sed -i "\$s/\$/verify=$v/" "$ROWS"
        ;;
    lfs)
        timed "c3.$t.v1" 3 "$label" "git checkout HEAD~1 (v2->v1)" "" -- git checkout -q HEAD~1
        v=$(verify "$BIG_SHA" "lfs -> v1"); sed -i "\$s/\$/verify=$v/" "$ROWS"
        timed "c3.$t.v2" 3 "$label" "git checkout main (v1->v2)" "" -- git checkout -q main
        v=$(verify "$EDIT_SHA" "lfs -> v2"); sed -i "\$s/\$/verify=$v/" "$ROWS"
        ;;
    esac
    cd "$RUN"
    discard "$RUN/big-$t" "$RUN/dvc-site/big-$t"
}

# ---------------------------------------------------------------- case 4: many small files
hf() { # key case tool what cmd...: hyperfine median, in the current dir
    local key=$1 case=$2 tool=$3 what=$4 j=$RUN/hf-$1.json stats cmd rss=""
    shift 4
    cmd=$(printf '%q ' "$@")
    if ! hyperfine -N --warmup "$HF_WARMUP" --runs "$HF_RUNS" --export-json "$j" "$cmd" \
        >>"$LOGS/$key.log" 2>&1; then
        log "FAILED: hyperfine '$cmd' (in $PWD; log $LOGS/$key.log)"
        tail -n 5 "$LOGS/$key.log" | sed 's/^/    /' >&2
        rec "$key" "$case" "$tool" "$what" "" "" "error=hyperfine failed (non-zero exit?)"
        return 1
    fi
    stats=$("$PY" -c '
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
print("%.4f mean=%.4f;stddev=%.4f;min=%.4f;max=%.4f" % (r["median"], r["mean"], r["stddev"] or 0, r["min"], r["max"]))' "$j")
    # one extra plain run for the peak RSS
    if /usr/bin/time -f '%e %M' -o "$TIMEF" "$@" >>"$LOGS/$key.log" 2>&1; then
        rss=$(tail -n 1 "$TIMEF" | awk '{print $2}')
    fi
    rec "$key" "$case" "$tool" "$what" "${stats%% *}" "$rss" "hyperfine;${stats#* }"
}

small_pipeline() { # tool run
    local t=$1 r=$2 label what
    label=$(tool_label "$t")
    new_repo "$RUN/small-$t"
    cp -r "$D/small" small
    if [ "$t" = lfs ]; then tool_init lfs 'small/**'; else tool_init "$t"; fi
    warm_dir small
    add_cmd "$t" small small
    what="add small/ ($SMALL_N files)"
    [ "$t" = lfs ] && what="git add + commit small/ ($SMALL_N files)"
    timed "c4.$t" 4 "$label" "$what" "store_bytes=__S__" -- "${ADD[@]}"
    sed -i "\$s/__S__/$(bytes "$(store_dir "$t")")/" "$ROWS"
    [ "$t" = lfs ] || commit_all small

    if ((r == 1)); then
        case $t in
        mlv)
            hf c4s.mlv 4 mlv "status, nothing changed" "$MLV_BIN" status || true
            hf c4s.git-mlv 4 git "git status (in the mlv repo)" git status || true
            ;;
        dvc-*) hf "c4s.$t" 4 "$label" "status, nothing changed" "$DVC" status || true ;;
        lfs) hf c4s.git-lfs 4 git "git status (lfs repo, $SMALL_N files tracked)" git status || true ;;
        esac
    fi
    cd "$RUN"
    discard "$RUN/small-$t" "$RUN/dvc-site/small-$t"
}

# run a pipeline in a subshell with -e; a failing tool gets error rows and the others go on
guarded() {
    local rc
    set +e
    (
        set -e
        "$@"
    )
    rc=$?
    set -e
    ((rc == 0)) || log "$* stopped after a failure (exit $rc); continuing with the next tool"
    cd "$RUN"
    return 0
}

limits() { # run
    local s=$RUN/scratch
    mkdir -p "$s"
    cd "$s"
    warm "$D/big.bin"
    timed c1.openssl 1 openssl "dgst -sha256 big.bin" "" -- openssl dgst -sha256 "$D/big.bin"
    warm "$D/big.bin"
    timed c1.cp 1 cp "cp big.bin x" "" -- cp "$D/big.bin" "$s/x"
    rm -f "$s/x"
    cd "$RUN"
}

# Repositories are not deleted between cases but moved aside (a rename) and deleted before the
# next run, followed by a pause: ext4 does not reuse an inode freed in the last ~35 s and scans
# past every such inode when it allocates one, so deleting thousands of files just before a
# step that creates thousands (mlv's chunks, any tool's 20,000 small files) would slow that step.
SETTLE=${SETTLE:-40}
discard() { # paths... -> moved under $RUN/trash
    mkdir -p "$RUN/trash"
    local p
    for p in "$@"; do
        [ -e "$p" ] && mv "$p" "$RUN/trash/$(basename "$p").$RANDOM$RANDOM"
    done
    return 0
}
empty_trash() {
    [ -d "$RUN/trash" ] || return 0
    log "deleting the previous run's repositories, then waiting ${SETTLE}s for ext4 to reuse their inodes"
    rm -rf "$RUN/trash"
    sync
    sleep "$SETTLE"
}

tools=()
for t in mlv mlv-fsync dvc-copy dvc-hardlink lfs; do
    want "$t" || continue
    if [[ $t == mlv* ]] && ((!HAVE_MLV)); then
        rec "c1.$t" 1 "$(tool_label "$t")" "skipped" "" "" "skipped=no mlv binary"
        continue
    fi
    tools+=("$t")
done
log "tools: ${tools[*]:-none}; runs: $RUNS"

for ((r = 1; r <= RUNS; r++)); do
    empty_trash
    log "=== run $r/$RUNS: machine limits (openssl, cp)"
    guarded limits "$r"
    for t in "${tools[@]}"; do
        log "=== run $r/$RUNS: $t: cases 1-3 (big file)"
        guarded big_pipeline "$t" "$r"
    done
    for t in "${tools[@]}"; do
        [ "$t" = mlv-fsync ] && continue
        log "=== run $r/$RUNS: $t: case 4 (small files)"
        guarded small_pipeline "$t" "$r"
    done
done

rm -rf "$RUN/trash"

# ---------------------------------------------------------------- report
{
    echo "runs=$RUNS"
    echo "big_mb=$BIG_MB"
    echo "big_size=$BIG_SIZE"
    echo "small_n=$SMALL_N"
    echo "mlv_bin=${MLV_BIN:-}"
    echo "mlv_version=$( ((HAVE_MLV)) && { "$MLV_BIN" --version 2>/dev/null | head -n 1 || echo unknown; } || echo none)"
    echo "dvc_version=$("$DVC" --version 2>/dev/null)"
    echo "git_version=$(git --version)"
    echo "git_lfs_version=$(git lfs version | head -n 1)"
    echo "openssl_version=$(openssl version)"
    echo "hyperfine_version=$(hyperfine --version)"
    echo "kernel=$(uname -sr)"
    echo "cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
    echo "cores=$(nproc)"
    echo "mem_gib=$(awk '/MemTotal/{printf "%.1f", $2/1048576}' /proc/meminfo)"
    echo "fs=$(stat -f -c %T "$W")"
    echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
} >"$RUN/meta.txt"

rc=0
"$PY" "$here/report.py" "$ROWS" "$RUN/meta.txt" "$W/results.json" | tee "$W/results.txt" || rc=$?
log "results: $W/results.json, $W/results.txt; logs: $LOGS"
exit "$rc"
